/**
 * Persons, their certificate credentials, card-login challenges and citizen sessions.
 */
import type { Tx } from './db.js';

export interface PersonRow {
  personId: string;
  mykeyId: string;
}

export async function findPersonByCredential(tx: Tx, credentialHash: string): Promise<PersonRow | undefined> {
  const row = await tx.db
    .selectFrom('credentials')
    .innerJoin('persons', 'persons.id', 'credentials.person_id')
    .select(['persons.id as personId', 'persons.mykey_id as mykeyId'])
    .where('credentials.credential_hash', '=', credentialHash)
    .executeTakeFirst();
  return row;
}

export async function findPersonById(tx: Tx, personId: string): Promise<PersonRow | undefined> {
  return tx.db
    .selectFrom('persons')
    .select(['id as personId', 'mykey_id as mykeyId'])
    .where('id', '=', personId)
    .executeTakeFirst();
}

export async function findPersonByMykeyId(tx: Tx, mykeyId: string): Promise<PersonRow | undefined> {
  return tx.db.selectFrom('persons').select(['id as personId', 'mykey_id as mykeyId']).where('mykey_id', '=', mykeyId).executeTakeFirst();
}

/**
 * Locks the person's row until commit on PostgreSQL (SQLite runs one writer at a time anyway). Bindings,
 * attestations and corrections of one person take it first, so each sees what the other committed.
 */
export async function lockPerson(tx: Tx, personId: string): Promise<void> {
  if (tx.engine !== 'postgres') return;
  await tx.db.selectFrom('persons').select('id').where('id', '=', personId).forUpdate().executeTakeFirst();
}

export async function insertPerson(tx: Tx, input: { personId: string; mykeyId: string; nowMs: number }): Promise<void> {
  await tx.db.insertInto('persons').values({ id: input.personId, mykey_id: input.mykeyId, created_at_ms: input.nowMs }).execute();
}

export async function insertCredential(
  tx: Tx,
  input: { credentialHash: string; personId: string; notAfterMs: number; nowMs: number },
): Promise<void> {
  await tx.db
    .insertInto('credentials')
    .values({
      credential_hash: input.credentialHash,
      person_id: input.personId,
      not_after_ms: input.notAfterMs,
      created_at_ms: input.nowMs,
      last_login_at_ms: input.nowMs,
    })
    .execute();
}

export async function touchCredential(tx: Tx, credentialHash: string, nowMs: number): Promise<void> {
  await tx.db.updateTable('credentials').set({ last_login_at_ms: nowMs }).where('credential_hash', '=', credentialHash).execute();
}

export interface ChallengeRow {
  id: string;
  nonce: string;
  purpose: string;
  sessionId: string | null;
  bindingSha256: string | null;
  expiresAtMs: number;
}

export async function insertChallenge(tx: Tx, challenge: ChallengeRow): Promise<void> {
  await tx.db
    .insertInto('challenges')
    .values({
      id: challenge.id,
      nonce: challenge.nonce,
      purpose: challenge.purpose,
      session_id: challenge.sessionId,
      binding_sha256: challenge.bindingSha256,
      expires_at_ms: challenge.expiresAtMs,
    })
    .execute();
}

/** Deletes and returns the challenge in one statement, so that it can be used once even under concurrency. */
export async function consumeChallenge(tx: Tx, challengeId: string): Promise<ChallengeRow | undefined> {
  const row = await tx.db.deleteFrom('challenges').where('id', '=', challengeId).returningAll().executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    nonce: row.nonce,
    purpose: row.purpose,
    sessionId: row.session_id,
    bindingSha256: row.binding_sha256,
    expiresAtMs: row.expires_at_ms,
  };
}

export async function deleteExpiredChallenges(tx: Tx, nowMs: number): Promise<void> {
  await tx.db.deleteFrom('challenges').where('expires_at_ms', '<=', nowMs).execute();
}

export type SessionDelivery = 'token' | 'cookie';

export interface SessionRow {
  personId: string;
  expiresAtMs: number;
  delivery: SessionDelivery;
  idleExpiresAtMs: number | null;
}

export async function insertSession(
  tx: Tx,
  input: { tokenSha256: string; personId: string; nowMs: number; expiresAtMs: number; delivery: SessionDelivery; idleExpiresAtMs: number | null },
): Promise<void> {
  await tx.db
    .insertInto('sessions')
    .values({
      token_sha256: input.tokenSha256,
      person_id: input.personId,
      created_at_ms: input.nowMs,
      expires_at_ms: input.expiresAtMs,
      delivery: input.delivery,
      idle_expires_at_ms: input.idleExpiresAtMs,
    })
    .execute();
}

export async function findSession(tx: Tx, tokenSha256: string): Promise<SessionRow | undefined> {
  const row = await tx.db
    .selectFrom('sessions')
    .select(['person_id as personId', 'expires_at_ms as expiresAtMs', 'delivery', 'idle_expires_at_ms as idleExpiresAtMs'])
    .where('token_sha256', '=', tokenSha256)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, delivery: row.delivery as SessionDelivery };
}

/** Moves a cookie session's idle deadline on (a request came). */
export async function touchSession(tx: Tx, tokenSha256: string, idleExpiresAtMs: number): Promise<void> {
  await tx.db.updateTable('sessions').set({ idle_expires_at_ms: idleExpiresAtMs }).where('token_sha256', '=', tokenSha256).execute();
}

export async function deleteSession(tx: Tx, tokenSha256: string): Promise<void> {
  await tx.db.deleteFrom('sessions').where('token_sha256', '=', tokenSha256).execute();
}

/** Drops sessions past their expiry, so the table holds at most one session lifetime of logins. */
export async function deleteExpiredSessions(tx: Tx, nowMs: number): Promise<void> {
  await tx.db.deleteFrom('sessions').where('expires_at_ms', '<=', nowMs).execute();
}
