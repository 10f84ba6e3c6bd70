/**
 * Stored results of idempotent writes: (scope, key) → the request's hash and the response that was sent.
 */
import type { Tx } from './db.js';

export interface IdempotencyRecord {
  requestSha256: string;
  statusCode: number;
  responseBody: string;
}

export async function findIdempotencyRecord(tx: Tx, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
  return tx.db
    .selectFrom('idempotency_records')
    .select(['request_sha256 as requestSha256', 'status_code as statusCode', 'response_body as responseBody'])
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Stores the record unless a concurrent request with the same key stored one first. */
export async function insertIdempotencyRecord(tx: Tx, input: IdempotencyRecord & { scope: string; key: string; nowMs: number }): Promise<void> {
  await tx.db
    .insertInto('idempotency_records')
    .values({
      scope: input.scope,
      key: input.key,
      request_sha256: input.requestSha256,
      status_code: input.statusCode,
      response_body: input.responseBody,
      created_at_ms: input.nowMs,
    })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .execute();
}
