/**
 * Providers (payment companies), their services, their signing keys and the replay guard of their signatures.
 */
import type { ExpressionBuilder } from 'kysely';
import type { Tx } from './db.js';
import type { Schema } from './schema.js';

export interface ProviderRow {
  id: string;
  name: string;
  verifyUrl: string;
}

export interface ProviderServiceRow {
  id: string;
  providerId: string;
  name: string;
}

export async function insertProvider(tx: Tx, provider: ProviderRow, nowMs: number): Promise<void> {
  await tx.db
    .insertInto('providers')
    .values({ id: provider.id, name: provider.name, verify_url: provider.verifyUrl, created_at_ms: nowMs })
    .execute();
  await tx.db.insertInto('provider_feed_heads').values({ provider_id: provider.id, last_seq: 0 }).execute();
}

export async function insertProviderService(tx: Tx, service: ProviderServiceRow, nowMs: number): Promise<void> {
  await tx.db
    .insertInto('provider_services')
    .values({ id: service.id, provider_id: service.providerId, name: service.name, created_at_ms: nowMs })
    .execute();
}

export async function findProvider(tx: Tx, providerId: string): Promise<ProviderRow | undefined> {
  return tx.db
    .selectFrom('providers')
    .select(['id', 'name', 'verify_url as verifyUrl'])
    .where('id', '=', providerId)
    .executeTakeFirst();
}

export async function findProviderService(tx: Tx, serviceId: string): Promise<ProviderServiceRow | undefined> {
  return tx.db
    .selectFrom('provider_services')
    .select(['id', 'provider_id as providerId', 'name'])
    .where('id', '=', serviceId)
    .executeTakeFirst();
}

export async function listProviders(tx: Tx): Promise<Array<ProviderRow & { services: ProviderServiceRow[] }>> {
  const providers = await tx.db.selectFrom('providers').select(['id', 'name', 'verify_url as verifyUrl']).orderBy('id').execute();
  const services = await tx.db.selectFrom('provider_services').select(['id', 'provider_id as providerId', 'name']).orderBy('id').execute();
  return providers.map((p) => ({ ...p, services: services.filter((s) => s.providerId === p.id) }));
}

export async function insertProviderKey(
  tx: Tx,
  input: { keyId: string; providerId: string; secretSealed: string; nowMs: number },
): Promise<void> {
  await tx.db
    .insertInto('provider_keys')
    .values({ key_id: input.keyId, provider_id: input.providerId, secret_sealed: input.secretSealed, created_at_ms: input.nowMs, revoked_at_ms: null, expires_at_ms: null })
    .execute();
}

/** Keys that sign at `nowMs`: not revoked, and not past the end of a rotation's overlap. */
function signsAt(nowMs: number) {
  return (eb: ExpressionBuilder<Schema, 'provider_keys'>) =>
    eb.and([eb('revoked_at_ms', 'is', null), eb.or([eb('expires_at_ms', 'is', null), eb('expires_at_ms', '>', nowMs)])]);
}

/**
 * A key that signs at `nowMs` (unrevoked and unexpired); several may sign at once so that providers rotate with
 * overlap.
 */
export async function findActiveProviderKey(tx: Tx, keyId: string, nowMs: number): Promise<{ providerId: string; secretSealed: string } | undefined> {
  return tx.db
    .selectFrom('provider_keys')
    .select(['provider_id as providerId', 'secret_sealed as secretSealed'])
    .where('key_id', '=', keyId)
    .where(signsAt(nowMs))
    .executeTakeFirst();
}

/** The newest key of a provider that signs at `nowMs`, used to sign our calls to its verification endpoint. */
export async function findNewestProviderKey(tx: Tx, providerId: string, nowMs: number): Promise<{ keyId: string; secretSealed: string } | undefined> {
  return tx.db
    .selectFrom('provider_keys')
    .select(['key_id as keyId', 'secret_sealed as secretSealed'])
    .where('provider_id', '=', providerId)
    .where(signsAt(nowMs))
    .orderBy('created_at_ms', 'desc')
    .orderBy('key_id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface ProviderKeyRow {
  keyId: string;
  createdAtMs: number;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
}

/** Every key of a provider, newest first: its history, never a secret. */
export async function listProviderKeys(tx: Tx, providerId: string): Promise<ProviderKeyRow[]> {
  return tx.db
    .selectFrom('provider_keys')
    .select(['key_id as keyId', 'created_at_ms as createdAtMs', 'expires_at_ms as expiresAtMs', 'revoked_at_ms as revokedAtMs'])
    .where('provider_id', '=', providerId)
    .orderBy('created_at_ms', 'desc')
    .orderBy('key_id', 'desc')
    .execute();
}

/**
 * Ends a key of this provider that still signs at `nowMs` at `expiresAtMs` (a rotation's overlap), never later than
 * an end it already has; undefined when the provider has no such key.
 */
export async function expireProviderKey(tx: Tx, input: { providerId: string; keyId: string; expiresAtMs: number; nowMs: number }): Promise<ProviderKeyRow | undefined> {
  const key = await tx.db
    .selectFrom('provider_keys')
    .select(['expires_at_ms as expiresAtMs'])
    .where('provider_id', '=', input.providerId)
    .where('key_id', '=', input.keyId)
    .where(signsAt(input.nowMs))
    .executeTakeFirst();
  if (key === undefined) return undefined;
  const expiresAtMs = Math.min(key.expiresAtMs ?? input.expiresAtMs, input.expiresAtMs);
  return tx.db
    .updateTable('provider_keys')
    .set({ expires_at_ms: expiresAtMs })
    .where('key_id', '=', input.keyId)
    .returning(['key_id as keyId', 'created_at_ms as createdAtMs', 'expires_at_ms as expiresAtMs', 'revoked_at_ms as revokedAtMs'])
    .executeTakeFirst();
}

export async function revokeProviderKey(tx: Tx, input: { providerId: string; keyId: string; nowMs: number }): Promise<boolean> {
  const result = await tx.db
    .updateTable('provider_keys')
    .set({ revoked_at_ms: input.nowMs })
    .where('provider_id', '=', input.providerId)
    .where('key_id', '=', input.keyId)
    .where('revoked_at_ms', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Records a signature as used; false when it was seen before (a replay). Expired records are dropped on the way,
 * so the table holds at most one replay window of signatures.
 */
export async function recordSignatureOnce(tx: Tx, input: { signatureSha256: string; expiresAtMs: number; nowMs: number }): Promise<boolean> {
  await tx.db.deleteFrom('signature_nonces').where('expires_at_ms', '<', input.nowMs).execute();
  const inserted = await tx.db
    .insertInto('signature_nonces')
    .values({ signature_sha256: input.signatureSha256, expires_at_ms: input.expiresAtMs })
    .onConflict((oc) => oc.column('signature_sha256').doNothing())
    .executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** The provider an account belongs to. */
export async function findAccountProvider(tx: Tx, accountId: string): Promise<string> {
  const row = await tx.db.selectFrom('accounts').select('provider_id').where('id', '=', accountId).executeTakeFirstOrThrow();
  return row.provider_id;
}
