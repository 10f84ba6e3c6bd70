/**
 * Counts of rejected events per provider, code and quarter hour of UTC (docs/operator.md, the dashboard's rejection
 * codes). A count is added in the transaction that answers the rejections, so a rolled-back batch counts nothing.
 * The rows are written in code order: two batches of one provider in one quarter hour take the row locks in the
 * same order, so they cannot deadlock over them.
 */
import { sql } from 'kysely';
import type { BucketedCode } from '../domain/dashboard.js';
import type { Tx } from './db.js';

/** Adds one rejection per element of `codes` (a code may repeat) to the provider's bucket starting at `bucketStartMs`. */
export async function addEventRejections(tx: Tx, input: { providerId: string; bucketStartMs: number; codes: readonly string[] }): Promise<void> {
  const counts = new Map<string, number>();
  for (const code of input.codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  for (const [code, rejected] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await tx.db
      .insertInto('event_rejection_counts')
      .values({ provider_id: input.providerId, bucket_start_ms: input.bucketStartMs, code, rejected })
      .onConflict((oc) =>
        oc.columns(['provider_id', 'bucket_start_ms', 'code']).doUpdateSet({ rejected: sql<number>`event_rejection_counts.rejected + excluded.rejected` }),
      )
      .execute();
  }
}

/** Rejections of every provider per bucket (`bucketStartMs / bucketMs`) and code. */
export async function rejectionBuckets(tx: Tx, bucketMs: number): Promise<BucketedCode[]> {
  const rows = await tx.db
    .selectFrom('event_rejection_counts')
    .select(({ fn }) => ['bucket_start_ms', 'code', fn.sum<number>('rejected').as('rejected')])
    .groupBy(['bucket_start_ms', 'code'])
    .execute();
  // Sums come back as strings or bigints depending on the engine; they are sums of integers.
  return rows.map((row) => ({ bucket: Number(row.bucket_start_ms) / bucketMs, code: row.code, value: Number(row.rejected) }));
}

/** Rejections per provider, all codes and times together. */
export async function rejectionsPerProvider(tx: Tx): Promise<Map<string, number>> {
  const rows = await tx.db
    .selectFrom('event_rejection_counts')
    .select(({ fn }) => ['provider_id', fn.sum<number>('rejected').as('rejected')])
    .groupBy('provider_id')
    .execute();
  return new Map(rows.map((row) => [row.provider_id, Number(row.rejected)]));
}
