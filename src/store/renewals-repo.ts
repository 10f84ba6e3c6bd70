/**
 * The certificate renewal feed (old credential → new credential of the same person) and the person changes it
 * leads to: attaching credentials, and merging an empty duplicate person into the original one.
 */
import { lockChain, type Tx } from './db.js';

/**
 * - `recorded`: stored; the new certificate has not logged in yet (or the old one is unknown to us);
 * - `linked`: the new credential belongs to the old credential's person;
 * - `merged`: the new card had already made a second person, empty, which was merged into the old one;
 * - `conflict`: the new card had already made a second person with bindings; refused, left for the operator.
 */
export type RenewalStatus = 'recorded' | 'linked' | 'merged' | 'conflict';

export interface RenewalRow {
  oldCredentialHash: string;
  newCredentialHash: string;
  oldRevocationReason: string;
  status: RenewalStatus;
  receivedAtMs: number;
  updatedAtMs: number;
}

// Serialises renewal ingestion with the creation of persons at first login, so that a record and the first login
// of its new card never miss each other (which would leave two Mykey IDs silently).
const renewalLockId = 0x72656e77; // "renw"

export async function lockRenewals(tx: Tx): Promise<void> {
  await lockChain(tx, renewalLockId);
}

function rowOf(row: {
  old_credential_hash: string;
  new_credential_hash: string;
  old_revocation_reason: string;
  status: string;
  received_at_ms: number;
  updated_at_ms: number;
}): RenewalRow {
  return {
    oldCredentialHash: row.old_credential_hash,
    newCredentialHash: row.new_credential_hash,
    oldRevocationReason: row.old_revocation_reason,
    status: row.status as RenewalStatus,
    receivedAtMs: Number(row.received_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export async function insertRenewal(tx: Tx, row: RenewalRow): Promise<void> {
  await tx.db
    .insertInto('certificate_renewals')
    .values({
      old_credential_hash: row.oldCredentialHash,
      new_credential_hash: row.newCredentialHash,
      old_revocation_reason: row.oldRevocationReason,
      status: row.status,
      received_at_ms: row.receivedAtMs,
      updated_at_ms: row.updatedAtMs,
    })
    .execute();
}

export async function findRenewalByOld(tx: Tx, oldCredentialHash: string): Promise<RenewalRow | undefined> {
  const row = await tx.db.selectFrom('certificate_renewals').selectAll().where('old_credential_hash', '=', oldCredentialHash).executeTakeFirst();
  return row === undefined ? undefined : rowOf(row);
}

export async function findRenewalByNew(tx: Tx, newCredentialHash: string): Promise<RenewalRow | undefined> {
  const row = await tx.db.selectFrom('certificate_renewals').selectAll().where('new_credential_hash', '=', newCredentialHash).executeTakeFirst();
  return row === undefined ? undefined : rowOf(row);
}

export async function setRenewalStatus(tx: Tx, oldCredentialHash: string, status: RenewalStatus, nowMs: number): Promise<void> {
  await tx.db.updateTable('certificate_renewals').set({ status, updated_at_ms: nowMs }).where('old_credential_hash', '=', oldCredentialHash).execute();
}

export async function listRenewalsByStatus(tx: Tx, status: RenewalStatus, limit: number): Promise<RenewalRow[]> {
  const rows = await tx.db.selectFrom('certificate_renewals').selectAll().where('status', '=', status).orderBy('received_at_ms').limit(limit).execute();
  return rows.map(rowOf);
}

export async function countBindingsOfPerson(tx: Tx, personId: string): Promise<number> {
  const row = await tx.db.selectFrom('bindings').select((eb) => eb.fn.countAll<string>().as('n')).where('person_id', '=', personId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Moves every credential and attestation of `fromPersonId` to `intoPersonId`, ends its sessions and deletes the
 * person (its Mykey ID is retired). Only for a person without bindings: the caller checks, because balances and
 * ledger entries hang off bindings and are never moved. An attestation is about the human, whichever Mykey ID the
 * registry saw, so it follows them (the caller then grants the awards it makes due).
 */
export async function mergeEmptyPerson(tx: Tx, input: { fromPersonId: string; intoPersonId: string }): Promise<void> {
  await tx.db.updateTable('credentials').set({ person_id: input.intoPersonId }).where('person_id', '=', input.fromPersonId).execute();
  await tx.db.updateTable('attestations').set({ person_id: input.intoPersonId }).where('person_id', '=', input.fromPersonId).execute();
  await tx.db.deleteFrom('sessions').where('person_id', '=', input.fromPersonId).execute();
  await tx.db.deleteFrom('persons').where('id', '=', input.fromPersonId).execute();
}
