/**
 * Idempotent writes: (scope, key) → the request's hash and the response that was sent. A record is first a
 * reservation (status 0) taken before the handler runs, so that concurrent requests with one key cannot all run;
 * it becomes the stored response on success, and is removed when the request fails.
 */
import type { Tx } from './db.js';

export interface IdempotencyRecord {
  requestSha256: string;
  /** 0 while the first request with this key is still running. */
  statusCode: number;
  responseBody: string;
  createdAtMs: number;
}

export interface IdempotencyKeyRef {
  scope: string;
  key: string;
}

export async function findIdempotencyRecord(tx: Tx, ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined> {
  return tx.db
    .selectFrom('idempotency_records')
    .select(['request_sha256 as requestSha256', 'status_code as statusCode', 'response_body as responseBody', 'created_at_ms as createdAtMs'])
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .executeTakeFirst();
}

/** Reserves the key for a request; false when a record (reserved or complete) exists. */
export async function reserveIdempotencyKey(tx: Tx, ref: IdempotencyKeyRef & { requestSha256: string; nowMs: number }): Promise<boolean> {
  const result = await tx.db
    .insertInto('idempotency_records')
    .values({ scope: ref.scope, key: ref.key, request_sha256: ref.requestSha256, status_code: 0, response_body: '', created_at_ms: ref.nowMs })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Takes over a reservation left by a request that never finished (a crash); false if another request did first. */
export async function takeOverStaleReservation(tx: Tx, ref: IdempotencyKeyRef & { requestSha256: string; staleCreatedAtMs: number; nowMs: number }): Promise<boolean> {
  const result = await tx.db
    .updateTable('idempotency_records')
    .set({ created_at_ms: ref.nowMs })
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .where('status_code', '=', 0)
    .where('request_sha256', '=', ref.requestSha256)
    .where('created_at_ms', '=', ref.staleCreatedAtMs)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function completeIdempotencyRecord(tx: Tx, ref: IdempotencyKeyRef & { statusCode: number; responseBody: string }): Promise<void> {
  await tx.db
    .updateTable('idempotency_records')
    .set({ status_code: ref.statusCode, response_body: ref.responseBody })
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .where('status_code', '=', 0)
    .execute();
}

/** Frees the key after a refused or failed request, so the caller may retry it. */
export async function releaseIdempotencyKey(tx: Tx, ref: IdempotencyKeyRef): Promise<void> {
  await tx.db
    .deleteFrom('idempotency_records')
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .where('status_code', '=', 0)
    .execute();
}
