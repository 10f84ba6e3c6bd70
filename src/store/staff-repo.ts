/**
 * Staff accounts of the consoles, their passkeys, one-time enrolment links, console sessions and WebAuthn
 * challenges. Tokens (enrolment links, session cookies) are stored only as sha256; a passkey only as its public key.
 */
import type { Tx } from './db.js';

export interface StaffAccountRow {
  id: string;
  displayName: string;
  role: string;
  providerId: string | null;
  createdAtMs: number;
  createdBy: string;
  disabledAtMs: number | null;
}

const accountColumns = [
  'id',
  'display_name as displayName',
  'role',
  'provider_id as providerId',
  'created_at_ms as createdAtMs',
  'created_by as createdBy',
  'disabled_at_ms as disabledAtMs',
] as const;

export async function insertStaffAccount(tx: Tx, account: StaffAccountRow): Promise<void> {
  await tx.db
    .insertInto('staff_accounts')
    .values({
      id: account.id,
      display_name: account.displayName,
      role: account.role,
      provider_id: account.providerId,
      created_at_ms: account.createdAtMs,
      created_by: account.createdBy,
      disabled_at_ms: account.disabledAtMs,
    })
    .execute();
}

export async function findStaffAccount(tx: Tx, staffId: string): Promise<StaffAccountRow | undefined> {
  return tx.db.selectFrom('staff_accounts').select(accountColumns).where('id', '=', staffId).executeTakeFirst();
}

/** Staff accounts in creation order, each with the number of its passkeys; only one provider's when given. */
export async function listStaffAccounts(tx: Tx, filter: { providerId?: string }): Promise<Array<StaffAccountRow & { passkeys: number }>> {
  let query = tx.db
    .selectFrom('staff_accounts')
    .select(accountColumns)
    .select((eb) => eb.selectFrom('staff_passkeys').whereRef('staff_passkeys.staff_id', '=', 'staff_accounts.id').select((inner) => inner.fn.countAll<number | string>().as('n')).as('passkeys'))
    .orderBy('created_at_ms')
    .orderBy('id');
  if (filter.providerId !== undefined) query = query.where('provider_id', '=', filter.providerId);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, passkeys: Number(row.passkeys ?? 0) }));
}

export async function countStaffAccounts(tx: Tx): Promise<number> {
  const row = await tx.db.selectFrom('staff_accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks an account disabled; false when it was already. */
export async function disableStaffAccount(tx: Tx, staffId: string, nowMs: number): Promise<boolean> {
  const result = await tx.db.updateTable('staff_accounts').set({ disabled_at_ms: nowMs }).where('id', '=', staffId).where('disabled_at_ms', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A new enrolment link replaces the account's unused ones: only the newest link sent out can enrol. */
export async function replaceEnrolment(tx: Tx, input: { tokenSha256: string; staffId: string; nowMs: number; expiresAtMs: number }): Promise<void> {
  await tx.db.deleteFrom('staff_enrolments').where('staff_id', '=', input.staffId).where('used_at_ms', 'is', null).execute();
  await tx.db
    .insertInto('staff_enrolments')
    .values({ token_sha256: input.tokenSha256, staff_id: input.staffId, created_at_ms: input.nowMs, expires_at_ms: input.expiresAtMs, used_at_ms: null })
    .execute();
}

/** The account of an enrolment link that can still be used at `nowMs` (unused, unexpired, account enabled). */
export async function findUsableEnrolment(tx: Tx, tokenSha256: string, nowMs: number): Promise<StaffAccountRow | undefined> {
  return tx.db
    .selectFrom('staff_enrolments')
    .innerJoin('staff_accounts', 'staff_accounts.id', 'staff_enrolments.staff_id')
    .select(accountColumns.map((column) => `staff_accounts.${column}` as const))
    .where('staff_enrolments.token_sha256', '=', tokenSha256)
    .where('staff_enrolments.used_at_ms', 'is', null)
    .where('staff_enrolments.expires_at_ms', '>', nowMs)
    .where('staff_accounts.disabled_at_ms', 'is', null)
    .executeTakeFirst();
}

/** Uses an enrolment link up, once: a compare-and-set, so of two completions of one link only one succeeds. */
export async function useEnrolment(tx: Tx, tokenSha256: string, nowMs: number): Promise<boolean> {
  const result = await tx.db
    .updateTable('staff_enrolments')
    .set({ used_at_ms: nowMs })
    .where('token_sha256', '=', tokenSha256)
    .where('used_at_ms', 'is', null)
    .where('expires_at_ms', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface PasskeyRow {
  credentialId: string;
  staffId: string;
  publicKey: string;
  signCount: number;
  transports: string[];
}

export async function insertPasskey(tx: Tx, passkey: PasskeyRow & { nowMs: number }): Promise<void> {
  await tx.db
    .insertInto('staff_passkeys')
    .values({
      credential_id: passkey.credentialId,
      staff_id: passkey.staffId,
      public_key: passkey.publicKey,
      sign_count: passkey.signCount,
      transports: JSON.stringify(passkey.transports),
      created_at_ms: passkey.nowMs,
      last_used_at_ms: null,
    })
    .execute();
}

export async function findPasskey(tx: Tx, credentialId: string): Promise<PasskeyRow | undefined> {
  const row = await tx.db
    .selectFrom('staff_passkeys')
    .select(['credential_id as credentialId', 'staff_id as staffId', 'public_key as publicKey', 'sign_count as signCount', 'transports'])
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, transports: JSON.parse(row.transports) as string[] };
}

/** The credential ids of an account's passkeys (a new registration excludes them). */
export async function listPasskeyIds(tx: Tx, staffId: string): Promise<string[]> {
  const rows = await tx.db.selectFrom('staff_passkeys').select('credential_id').where('staff_id', '=', staffId).orderBy('created_at_ms').execute();
  return rows.map((row) => row.credential_id);
}

/**
 * Records a sign-in's counter: a compare-and-set on the counter read before verifying, so two sign-ins that raced
 * with the same counter (a cloned authenticator) cannot both pass. False when the counter moved meanwhile.
 */
export async function recordPasskeyUse(tx: Tx, input: { credentialId: string; previousSignCount: number; signCount: number; nowMs: number }): Promise<boolean> {
  const result = await tx.db
    .updateTable('staff_passkeys')
    .set({ sign_count: input.signCount, last_used_at_ms: input.nowMs })
    .where('credential_id', '=', input.credentialId)
    .where('sign_count', '=', input.previousSignCount)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface StaffSessionRow {
  account: StaffAccountRow;
  expiresAtMs: number;
  idleExpiresAtMs: number;
}

export async function insertStaffSession(tx: Tx, input: { tokenSha256: string; staffId: string; nowMs: number; expiresAtMs: number; idleExpiresAtMs: number }): Promise<void> {
  await tx.db
    .insertInto('staff_sessions')
    .values({
      token_sha256: input.tokenSha256,
      staff_id: input.staffId,
      created_at_ms: input.nowMs,
      expires_at_ms: input.expiresAtMs,
      idle_expires_at_ms: input.idleExpiresAtMs,
    })
    .execute();
}

/** The session of a token with its account, if the session is still alive at `nowMs` and the account enabled. */
export async function findLiveStaffSession(tx: Tx, tokenSha256: string, nowMs: number): Promise<StaffSessionRow | undefined> {
  const row = await tx.db
    .selectFrom('staff_sessions')
    .innerJoin('staff_accounts', 'staff_accounts.id', 'staff_sessions.staff_id')
    .select(accountColumns.map((column) => `staff_accounts.${column}` as const))
    .select(['staff_sessions.expires_at_ms as expiresAtMs', 'staff_sessions.idle_expires_at_ms as idleExpiresAtMs'])
    .where('staff_sessions.token_sha256', '=', tokenSha256)
    .where('staff_sessions.expires_at_ms', '>', nowMs)
    .where('staff_sessions.idle_expires_at_ms', '>', nowMs)
    .where('staff_accounts.disabled_at_ms', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const { expiresAtMs, idleExpiresAtMs, ...account } = row;
  return { account, expiresAtMs, idleExpiresAtMs };
}

/** Moves a session's idle deadline on (a request came). */
export async function touchStaffSession(tx: Tx, tokenSha256: string, idleExpiresAtMs: number): Promise<void> {
  await tx.db.updateTable('staff_sessions').set({ idle_expires_at_ms: idleExpiresAtMs }).where('token_sha256', '=', tokenSha256).execute();
}

export async function deleteStaffSession(tx: Tx, tokenSha256: string): Promise<void> {
  await tx.db.deleteFrom('staff_sessions').where('token_sha256', '=', tokenSha256).execute();
}

/** Ends every session of an account (it was disabled); returns how many there were. */
export async function deleteStaffSessionsOf(tx: Tx, staffId: string): Promise<number> {
  const result = await tx.db.deleteFrom('staff_sessions').where('staff_id', '=', staffId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Drops sessions past either deadline, so the table holds only sessions that could still be used. */
export async function deleteDeadStaffSessions(tx: Tx, nowMs: number): Promise<void> {
  await tx.db
    .deleteFrom('staff_sessions')
    .where((eb) => eb.or([eb('expires_at_ms', '<=', nowMs), eb('idle_expires_at_ms', '<=', nowMs)]))
    .execute();
}

export type PasskeyPurpose = 'registration' | 'authentication';

export interface PasskeyChallengeRow {
  challenge: string;
  purpose: PasskeyPurpose;
  staffId: string | null;
  preauthSha256: string;
  expiresAtMs: number;
}

/** Stores a challenge, dropping expired ones on the way (the table holds at most one lifetime of ceremonies). */
export async function insertPasskeyChallenge(tx: Tx, challenge: PasskeyChallengeRow, nowMs: number): Promise<void> {
  await tx.db.deleteFrom('passkey_challenges').where('expires_at_ms', '<=', nowMs).execute();
  await tx.db
    .insertInto('passkey_challenges')
    .values({
      challenge: challenge.challenge,
      purpose: challenge.purpose,
      staff_id: challenge.staffId,
      preauth_sha256: challenge.preauthSha256,
      expires_at_ms: challenge.expiresAtMs,
    })
    .execute();
}

/** Deletes and returns a challenge in one statement, so that it is used at most once even under concurrency. */
export async function consumePasskeyChallenge(tx: Tx, challenge: string): Promise<PasskeyChallengeRow | undefined> {
  const row = await tx.db.deleteFrom('passkey_challenges').where('challenge', '=', challenge).returningAll().executeTakeFirst();
  if (row === undefined) return undefined;
  return { challenge: row.challenge, purpose: row.purpose as PasskeyPurpose, staffId: row.staff_id, preauthSha256: row.preauth_sha256, expiresAtMs: row.expires_at_ms };
}
