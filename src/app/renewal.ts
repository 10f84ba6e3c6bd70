/**
 * Certificate renewal (JPKI.md §2.4, T11; DOMAIN.md §8.3): the platform operator's feed of 証明書新旧紐付け
 * records (old issuer+serial → new issuer+serial of the same person) keeps one Mykey ID across renewals and
 * reissues. Only this feed links certificates — never a guess from the certificate itself.
 *
 * The rules:
 * - a record whose old certificate (or, through earlier records, one of its predecessors) belongs to a person
 *   makes the new certificate log into that person, at its first login (`recorded` until then, `linked` after);
 * - a record arriving after the new card already created a second person: when that person has no bindings and
 *   takes no part in a representation, it is merged into the original (its credentials move, its sessions end, its
 *   Mykey ID is retired) — `merged`; otherwise nothing is merged, the record is `conflict` and the audit log flags it for the operator (points
 *   are never moved automatically). Either way the duplicate is never left silently;
 * - a record contradicting a stored one (same old certificate with another new one, or the reverse) is refused
 *   and audit-logged; the same record again is a no-op (ingestion is idempotent);
 * - revocation is not decided here: the old certificate stops logging in because the revocation checker says so.
 */
import type { PersonRow } from '../store/persons-repo.js';
import { findPersonByCredential } from '../store/persons-repo.js';
import {
  countBindingsOfPerson,
  findRenewalByNew,
  findRenewalByOld,
  insertRenewal,
  lockRenewals,
  mergeEmptyPerson,
  setRenewalStatus,
  type RenewalStatus,
} from '../store/renewals-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import { lockPerson } from '../store/persons-repo.js';
import { isRepresented, representsAnyone } from '../store/representations-repo.js';
import type { Tx } from '../store/db.js';
import { renewalChainMax } from '../domain/limits.js';
import type { RevocationReason } from '../identity/revocation-reasons.js';
import type { AppContext } from './context.js';
import { grantDueAwards } from './fixed-awards.js';
import { credentialHash } from './platform-keys.js';

export interface CertificateRef {
  /** DER of the issuer Name (as in the certificate). */
  issuerNameDer: Uint8Array;
  /** Lowercase hex of the serial without a sign byte, as verifyAuthToken reports it. */
  serialHex: string;
}

export interface RenewalRecord {
  old: CertificateRef;
  new: CertificateRef;
  oldRevocationReason: RevocationReason;
}

/**
 * What became of one record:
 * - `pending`: stored; the old certificate's person gets the new one at its first login;
 * - `old_unknown`: stored; no person has the old certificate (nor a predecessor) — nothing to link yet;
 * - `linked`: the new certificate already logs into the old one's person;
 * - `merged`: the new card's empty duplicate person was merged into the old one's;
 * - `conflict`: the new card's duplicate person has bindings or representations; refused, flagged in the audit log
 *   for the operator (a representation is a declared relation, never moved automatically);
 * - `already_recorded`: the same record was ingested before (its status is unchanged);
 * - `contradicts`: another record is stored for the old or the new certificate; refused and audit-logged.
 */
export type RenewalOutcome = 'pending' | 'old_unknown' | 'linked' | 'merged' | 'conflict' | 'already_recorded' | 'contradicts';

export interface RenewalResult {
  index: number;
  outcome: RenewalOutcome;
  /** The Mykey ID the new certificate logs into, when known. */
  mykeyId?: string;
  /** For `merged`: the Mykey ID that was retired. */
  retiredMykeyId?: string;
}

/** Normalises a serial as verifyAuthToken spells it: lowercase, no 00 sign byte in front of a high byte. */
export function normaliseSerialHex(serialHex: string): string {
  const lower = serialHex.toLowerCase();
  return lower.length > 2 && lower.startsWith('00') ? lower.slice(2) : lower;
}

/**
 * The person a credential reaches through the renewal feed: the person of its predecessor, or of the
 * predecessor's predecessor, … (at most renewalChainMax steps). Undefined when no predecessor is anyone's.
 */
export async function personOfPredecessor(tx: Tx, newCredentialHash: string): Promise<{ person: PersonRow; oldCredentialHash: string } | undefined> {
  const seen = new Set<string>([newCredentialHash]);
  for (let hash = newCredentialHash, step = 0; step < renewalChainMax; step += 1) {
    const renewal = await findRenewalByNew(tx, hash);
    if (renewal === undefined || seen.has(renewal.oldCredentialHash)) return undefined;
    const person = await findPersonByCredential(tx, renewal.oldCredentialHash);
    if (person !== undefined) return { person, oldCredentialHash: renewal.oldCredentialHash };
    seen.add(renewal.oldCredentialHash);
    hash = renewal.oldCredentialHash;
  }
  return undefined;
}

/**
 * At a certificate's first login: the person its renewal record links it to (marking that record `linked`), or
 * undefined. Call inside the login transaction after lockRenewals.
 */
export async function linkRenewedCredential(tx: Tx, newCredentialHash: string, nowMs: number): Promise<PersonRow | undefined> {
  const predecessor = await personOfPredecessor(tx, newCredentialHash);
  if (predecessor === undefined) return undefined;
  const renewal = await findRenewalByNew(tx, newCredentialHash);
  if (renewal !== undefined) await setRenewalStatus(tx, renewal.oldCredentialHash, 'linked', nowMs);
  return predecessor.person;
}

/**
 * Ingests renewal records, each in its own transaction (one bad record never blocks the others). Returns one
 * result per record, in order. Records are keyed by credential hashes only: issuers and serials are not stored.
 *
 * @example
 * const { results } = await ingestRenewals(ctx, 'operator', [{ old, new: renewed, oldRevocationReason: 'superseded' }]);
 */
export async function ingestRenewals(ctx: AppContext, actor: string, records: readonly RenewalRecord[]): Promise<{ results: RenewalResult[] }> {
  const results: RenewalResult[] = [];
  for (const [index, record] of records.entries()) {
    const oldHash = credentialHash(ctx.keys, { ...record.old, serialHex: normaliseSerialHex(record.old.serialHex) });
    const newHash = credentialHash(ctx.keys, { ...record.new, serialHex: normaliseSerialHex(record.new.serialHex) });
    const outcome = await ctx.store.transaction((tx) => ingestOne(tx, { ctx, actor, oldHash, newHash, reason: record.oldRevocationReason }));
    results.push({ index, ...outcome });
  }
  return { results };
}

async function ingestOne(
  tx: Tx,
  input: { ctx: AppContext; actor: string; oldHash: string; newHash: string; reason: RevocationReason },
): Promise<Omit<RenewalResult, 'index'>> {
  const nowMs = input.ctx.clock.nowMs();
  await lockRenewals(tx);
  const audit = (action: string, details: Record<string, unknown>) =>
    appendAudit(tx, { atMs: nowMs, actor: input.actor, action, subject: input.oldHash.slice(0, 16), details });
  if (input.oldHash === input.newHash) {
    await audit('renewal.contradicts', { reason: 'a certificate cannot renew itself' });
    return { outcome: 'contradicts' };
  }
  const byOld = await findRenewalByOld(tx, input.oldHash);
  const byNew = await findRenewalByNew(tx, input.newHash);
  if (byOld !== undefined && byOld.newCredentialHash === input.newHash) {
    const person = await findPersonByCredential(tx, input.newHash);
    return { outcome: 'already_recorded', ...(person === undefined ? {} : { mykeyId: person.mykeyId }) };
  }
  if (byOld !== undefined || byNew !== undefined) {
    await audit('renewal.contradicts', { newCredentialHashPrefix: input.newHash.slice(0, 16) });
    return { outcome: 'contradicts' };
  }
  await insertRenewal(tx, {
    oldCredentialHash: input.oldHash,
    newCredentialHash: input.newHash,
    oldRevocationReason: input.reason,
    status: 'recorded',
    receivedAtMs: nowMs,
    updatedAtMs: nowMs,
  });
  const oldPerson = (await findPersonByCredential(tx, input.oldHash)) ?? (await personOfPredecessor(tx, input.oldHash))?.person;
  const newPerson = await findPersonByCredential(tx, input.newHash);
  const setStatus = (status: RenewalStatus) => setRenewalStatus(tx, input.oldHash, status, nowMs);
  if (oldPerson === undefined) return { outcome: 'old_unknown', ...(newPerson === undefined ? {} : { mykeyId: newPerson.mykeyId }) };
  if (newPerson === undefined) return { outcome: 'pending', mykeyId: oldPerson.mykeyId };
  if (newPerson.personId === oldPerson.personId) {
    await setStatus('linked');
    return { outcome: 'linked', mykeyId: oldPerson.mykeyId };
  }
  // The new card logged in before the record arrived and made a second person (DOMAIN.md §8.3).
  const representation = (await isRepresented(tx, newPerson.personId)) || (await representsAnyone(tx, newPerson.personId));
  if ((await countBindingsOfPerson(tx, newPerson.personId)) === 0 && !representation) {
    for (const personId of [newPerson.personId, oldPerson.personId].sort()) await lockPerson(tx, personId);
    await mergeEmptyPerson(tx, { fromPersonId: newPerson.personId, intoPersonId: oldPerson.personId });
    const awards = await grantDueAwards(tx, oldPerson.personId, nowMs);
    await setStatus('merged');
    await audit('person.merged', { retiredMykeyId: newPerson.mykeyId, intoMykeyId: oldPerson.mykeyId, oldRevocationReason: input.reason, awards });
    return { outcome: 'merged', mykeyId: oldPerson.mykeyId, retiredMykeyId: newPerson.mykeyId };
  }
  await setStatus('conflict');
  await audit('renewal.conflict', { oldMykeyId: oldPerson.mykeyId, newMykeyId: newPerson.mykeyId, oldRevocationReason: input.reason });
  return { outcome: 'conflict', mykeyId: newPerson.mykeyId };
}
