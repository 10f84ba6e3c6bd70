/**
 * Staff sessions of the consoles: started by an enrolment or a passkey sign-in, carried by an HttpOnly cookie whose
 * token is stored only as sha256, ended by sign-out, by disabling the account, after `staffSessionIdleMs` without a
 * request or `staffSessionTtlMs` after sign-in, whichever comes first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { staffSessionIdleMs, staffSessionTtlMs } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { staffRoles, type StaffRole } from '../domain/staff-roles.js';
import { appendAudit } from '../store/audit-repo.js';
import type { Tx } from '../store/db.js';
import { deleteDeadStaffSessions, deleteStaffSession, findLiveStaffSession, insertStaffSession, touchStaffSession, type StaffAccountRow } from '../store/staff-repo.js';
import { sessionTokenSha256 } from './card-login.js';
import type { AppContext } from './context.js';

/** A staff account as the use cases see it: its role checked against the closed set. */
export interface StaffAccount {
  staffId: string;
  displayName: string;
  role: StaffRole;
  /** The provider a provider role works for; null for operator roles. */
  providerId: string | null;
  createdAtMs: number;
  createdBy: string;
  disabledAtMs: number | null;
}

/** The account of a stored row; a role outside the closed set is a bug (the store is written only through here). */
export function staffAccountOf(row: StaffAccountRow): StaffAccount {
  assert.ok((staffRoles as readonly string[]).includes(row.role), `staff account ${row.id} has the unknown role ${row.role}`);
  return {
    staffId: row.id,
    displayName: row.displayName,
    role: row.role as StaffRole,
    providerId: row.providerId,
    createdAtMs: row.createdAtMs,
    createdBy: row.createdBy,
    disabledAtMs: row.disabledAtMs,
  };
}

export interface StaffSession extends StaffAccount {
  tokenSha256: string;
  expiresAtMs: number;
  idleExpiresAtMs: number;
}

export interface StartedStaffSession {
  /** The cookie's value: shown to the browser once, stored only as sha256. */
  token: string;
  session: StaffSession;
}

/** Starts a session for an account inside the transaction of the sign-in or enrolment that proved it. */
export async function startStaffSession(tx: Tx, account: StaffAccount, nowMs: number): Promise<StartedStaffSession> {
  const token = randomBytes(32).toString('base64url');
  const tokenSha256 = sessionTokenSha256(token);
  const expiresAtMs = nowMs + staffSessionTtlMs;
  const idleExpiresAtMs = nowMs + staffSessionIdleMs;
  await deleteDeadStaffSessions(tx, nowMs);
  await insertStaffSession(tx, { tokenSha256, staffId: account.staffId, nowMs, expiresAtMs, idleExpiresAtMs });
  return { token, session: { ...account, tokenSha256, expiresAtMs, idleExpiresAtMs } };
}

/**
 * The live session of a cookie's token; each request moves its idle deadline on, never past its lifetime.
 * Codes: staff_session_required (no cookie), staff_session_expired (unknown, signed out, idle, old, or the account
 * was disabled).
 */
export async function resolveStaffSession(ctx: AppContext, token: string | undefined): Promise<Result<StaffSession, 'staff_session_required' | 'staff_session_expired'>> {
  if (token === undefined) return fail('staff_session_required', 'sign in to the console with your passkey first');
  const tokenSha256 = sessionTokenSha256(token);
  const nowMs = ctx.clock.nowMs();
  const found = await ctx.store.transaction(async (tx) => {
    const live = await findLiveStaffSession(tx, tokenSha256, nowMs);
    if (live === undefined) return undefined;
    const idleExpiresAtMs = Math.min(nowMs + staffSessionIdleMs, live.expiresAtMs);
    await touchStaffSession(tx, tokenSha256, idleExpiresAtMs);
    return { ...staffAccountOf(live.account), tokenSha256, expiresAtMs: live.expiresAtMs, idleExpiresAtMs };
  });
  if (found === undefined) return fail('staff_session_expired', 'the console session has ended; sign in with your passkey again');
  return ok(found);
}

/** Signs out: the session is gone and the sign-out is in the audit log. */
export async function endStaffSession(ctx: AppContext, session: StaffSession): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  await ctx.store.transaction(async (tx) => {
    await deleteStaffSession(tx, session.tokenSha256);
    await appendAudit(tx, { atMs: nowMs, actor: `staff:${session.staffId}`, action: 'staff.sign_out', subject: session.staffId, details: {} });
  });
}
