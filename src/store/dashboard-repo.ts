/**
 * A campaign's bindings and net points grouped into fixed buckets of UTC time (src/domain/dashboard.ts turns them
 * into local days). Integer division of the epoch-ms columns groups the same way on both engines; the bucket size
 * is written into the SQL as a literal, because SQLite divides by a bound JavaScript number as a real.
 */
import { sql } from 'kysely';
import type { Bucketed } from '../domain/dashboard.js';
import type { Tx } from './db.js';

function bucketOf(bucketMs: number) {
  return sql<number>`created_at_ms / ${sql.lit(bucketMs)}`;
}

/** Bindings made in the campaign, counted per bucket. */
export async function bindingBuckets(tx: Tx, campaignId: string, bucketMs: number): Promise<Bucketed[]> {
  const bucket = bucketOf(bucketMs);
  const rows = await tx.db
    .selectFrom('bindings')
    .select(({ fn }) => [bucket.as('bucket'), fn.countAll<number>().as('value')])
    .where('campaign_id', '=', campaignId)
    // Persons bound now, by the day they bound: a cancelled or voided binding is not counted (its person may bind again).
    .where('voided_at_ms', 'is', null)
    .groupBy(bucket)
    .execute();
  return rows.map((row) => ({ bucket: Number(row.bucket), value: Number(row.value) }));
}

/** Net points of the campaign's ledger entries (grants less clawbacks), summed per bucket. */
export async function pointBuckets(tx: Tx, campaignId: string, bucketMs: number): Promise<Bucketed[]> {
  const bucket = bucketOf(bucketMs);
  const rows = await tx.db
    .selectFrom('ledger_entries')
    .select(({ fn }) => [bucket.as('bucket'), fn.sum<number>('points').as('value')])
    .where('campaign_id', '=', campaignId)
    .groupBy(bucket)
    .execute();
  return rows.map((row) => ({ bucket: Number(row.bucket), value: Number(row.value) }));
}
