/**
 * Staff accounts of the consoles: created by an operator administrator (any role), a provider administrator (its own
 * provider's roles), the CLI (`mykey operator add-admin`) or a development server's first start, each with a
 * one-time enrolment link; new links after a lost passkey; disabling, which ends the account's sessions. Every change
 * is in the audit log, in the same transaction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { staffEnrolmentTtlMs } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { isProviderRole, type StaffRole } from '../domain/staff-roles.js';
import { appendAudit } from '../store/audit-repo.js';
import type { Tx } from '../store/db.js';
import { findProvider } from '../store/providers-repo.js';
import { deleteStaffSessionsOf, disableStaffAccount, findStaffAccount, insertStaffAccount, listStaffAccounts, replaceEnrolment } from '../store/staff-repo.js';
import { sessionTokenSha256 } from './card-login.js';
import type { AppContext } from './context.js';
import { staffAccountOf, type StaffAccount } from './staff-sessions.js';

/**
 * Whose accounts a caller manages: every account (the operator side), or one provider's (a provider administrator,
 * or a signed request of that provider).
 */
export type StaffScope = { providerId: string | null };

export interface EnrolmentLink {
  /** `${origin}/operator/enrol#<token>` or `${origin}/provider/enrol#<token>`: the token rides in the fragment, which browsers never send to a server. */
  link: string;
  expiresAtMs: number;
}

/**
 * The page of the console an account enrols in, with the one-time token in the fragment.
 *
 * @example
 * enrolmentLinkOf('https://mykey.example.jp', 'operator_admin', 'tok') // 'https://mykey.example.jp/operator/enrol#tok'
 */
export function enrolmentLinkOf(origin: string, role: StaffRole, token: string): string {
  return `${origin}/${isProviderRole(role) ? 'provider' : 'operator'}/enrol#${token}`;
}

/** What account management needs of the platform: the CLI opens only the store, without the HTTP app's edges. */
export type StaffContext = Pick<AppContext, 'store' | 'clock' | 'origin'>;

/** A fresh one-time link for an account, replacing its unused ones; inside the caller's transaction. */
async function issueLink(ctx: StaffContext, tx: Tx, account: StaffAccount, nowMs: number): Promise<EnrolmentLink> {
  const token = randomBytes(32).toString('base64url');
  const expiresAtMs = nowMs + staffEnrolmentTtlMs;
  await replaceEnrolment(tx, { tokenSha256: sessionTokenSha256(token), staffId: account.staffId, nowMs, expiresAtMs });
  return { link: enrolmentLinkOf(ctx.origin, account.role, token), expiresAtMs };
}

export interface NewStaffAccount {
  displayName: string;
  role: StaffRole;
  providerId?: string;
}

/**
 * Creates an account with its first enrolment link. A provider role names its provider, an operator role none; a
 * provider's scope creates only its own provider's staff. Codes: invalid_request (param providerId),
 * provider_not_found.
 */
export async function createStaffAccount(
  ctx: StaffContext,
  actor: string,
  scope: StaffScope,
  input: NewStaffAccount,
): Promise<Result<{ account: StaffAccount; enrolment: EnrolmentLink }, 'invalid_request' | 'provider_not_found'>> {
  const providerId = scope.providerId ?? input.providerId ?? null;
  if (isProviderRole(input.role) !== (providerId !== null)) {
    return fail('invalid_request', isProviderRole(input.role) ? 'a provider role needs the providerId it works for' : 'an operator role works for no provider; leave providerId out', 'providerId');
  }
  if (scope.providerId !== null && !isProviderRole(input.role)) return fail('invalid_request', 'a provider creates only provider roles', 'role');
  const nowMs = ctx.clock.nowMs();
  const account: StaffAccount = { staffId: randomUUID(), displayName: input.displayName, role: input.role, providerId, createdAtMs: nowMs, createdBy: actor, disabledAtMs: null };
  return ctx.store.transaction(async (tx) => {
    if (providerId !== null && (await findProvider(tx, providerId)) === undefined) return fail('provider_not_found', 'no such provider', 'providerId');
    await insertStaffAccount(tx, { id: account.staffId, displayName: account.displayName, role: account.role, providerId, createdAtMs: nowMs, createdBy: actor, disabledAtMs: null });
    const enrolment = await issueLink(ctx, tx, account, nowMs);
    await appendAudit(tx, {
      atMs: nowMs,
      actor,
      action: 'staff.create',
      subject: account.staffId,
      details: { displayName: account.displayName, role: account.role, providerId, enrolmentExpiresAtMs: enrolment.expiresAtMs },
    });
    return ok({ account, enrolment });
  });
}

/** The account with this id within the scope (another provider's account is not found), inside a transaction. */
async function accountInScope(tx: Tx, scope: StaffScope, staffId: string): Promise<StaffAccount | undefined> {
  const row = await findStaffAccount(tx, staffId);
  if (row === undefined || (scope.providerId !== null && row.providerId !== scope.providerId)) return undefined;
  return staffAccountOf(row);
}

/**
 * A new one-time enrolment link for an account (after a lost passkey, or an expired first link); earlier unused links
 * stop working. The account's passkeys stay. Codes: staff_not_found, staff_account_disabled.
 */
export async function issueEnrolmentLink(ctx: AppContext, actor: string, scope: StaffScope, staffId: string): Promise<Result<EnrolmentLink, 'staff_not_found' | 'staff_account_disabled'>> {
  const nowMs = ctx.clock.nowMs();
  return ctx.store.transaction(async (tx) => {
    const account = await accountInScope(tx, scope, staffId);
    if (account === undefined) return fail('staff_not_found', 'no such staff account', 'staffId');
    if (account.disabledAtMs !== null) return fail('staff_account_disabled', 'the account is disabled; create a new one', 'staffId');
    const enrolment = await issueLink(ctx, tx, account, nowMs);
    await appendAudit(tx, { atMs: nowMs, actor, action: 'staff.enrolment.issue', subject: staffId, details: { enrolmentExpiresAtMs: enrolment.expiresAtMs } });
    return ok(enrolment);
  });
}

/**
 * Disables an account and ends its sessions at once; its passkeys and links no longer sign anyone in. Disabling a
 * disabled account changes nothing. Codes: staff_not_found.
 */
export async function disableStaff(ctx: AppContext, actor: string, scope: StaffScope, staffId: string): Promise<Result<StaffAccount, 'staff_not_found'>> {
  const nowMs = ctx.clock.nowMs();
  return ctx.store.transaction(async (tx) => {
    const account = await accountInScope(tx, scope, staffId);
    if (account === undefined) return fail('staff_not_found', 'no such staff account', 'staffId');
    if (!(await disableStaffAccount(tx, staffId, nowMs))) return ok(account);
    const sessionsEnded = await deleteStaffSessionsOf(tx, staffId);
    await appendAudit(tx, { atMs: nowMs, actor, action: 'staff.disable', subject: staffId, details: { sessionsEnded } });
    return ok({ ...account, disabledAtMs: nowMs });
  });
}

/** The accounts of the scope, oldest first, each with its number of passkeys. */
export async function listStaff(ctx: AppContext, scope: StaffScope): Promise<Array<StaffAccount & { passkeys: number }>> {
  const rows = await ctx.store.transaction((tx) => listStaffAccounts(tx, scope.providerId === null ? {} : { providerId: scope.providerId }));
  return rows.map((row) => ({ ...staffAccountOf(row), passkeys: row.passkeys }));
}
