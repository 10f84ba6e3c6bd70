/**
 * The citizen's session and view of themself: Mykey ID, bindings and points per campaign.
 */
import { browserSessionIdleMs } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { listBindingsOfPerson, type PersonBindingView } from '../store/bindings-repo.js';
import { deleteSession, findPersonById, findSession, touchSession, type SessionDelivery } from '../store/persons-repo.js';
import { listLedgerOfPerson, type PersonLedgerEntry } from '../store/events-repo.js';
import { sessionTokenSha256 } from './card-login.js';
import type { AppContext } from './context.js';
import { actingFor } from './representatives.js';

export interface CitizenSession {
  personId: string;
  mykeyId: string;
  tokenSha256: string;
  delivery: SessionDelivery;
  expiresAtMs: number;
  /** Cookie sessions: when the session ends without another request (moved on by this one). */
  idleExpiresAtMs: number | null;
}

/**
 * The session of a token, sent as `delivery` says (a bearer token, or the portal's cookie: a token is only
 * accepted the way its session was made). A cookie session's idle deadline moves on with every request.
 * Codes: session_required (no token), session_expired (unknown, ended, idle or old).
 */
export async function resolveSession(
  ctx: AppContext,
  token: string | undefined,
  delivery: SessionDelivery,
): Promise<Result<CitizenSession, 'session_required' | 'session_expired'>> {
  if (token === undefined || token === '') return fail('session_required', 'log in with the card first (Authorization: Bearer <sessionToken>)');
  const tokenSha256 = sessionTokenSha256(token);
  const nowMs = ctx.clock.nowMs();
  const found = await ctx.store.transaction(async (tx) => {
    const session = await findSession(tx, tokenSha256);
    if (session === undefined || session.delivery !== delivery || session.expiresAtMs <= nowMs) return undefined;
    if (session.idleExpiresAtMs !== null && session.idleExpiresAtMs <= nowMs) return undefined;
    const person = await findPersonById(tx, session.personId);
    if (person === undefined) return undefined;
    const idleExpiresAtMs = session.idleExpiresAtMs === null ? null : Math.min(nowMs + browserSessionIdleMs, session.expiresAtMs);
    if (idleExpiresAtMs !== null) await touchSession(tx, tokenSha256, idleExpiresAtMs);
    return { ...person, expiresAtMs: session.expiresAtMs, idleExpiresAtMs };
  });
  if (found === undefined) return fail('session_expired', 'the session has ended; log in with the card again');
  return ok({ personId: found.personId, mykeyId: found.mykeyId, tokenSha256, delivery, expiresAtMs: found.expiresAtMs, idleExpiresAtMs: found.idleExpiresAtMs });
}

export async function endSession(ctx: AppContext, session: CitizenSession): Promise<void> {
  await ctx.store.transaction((tx) => deleteSession(tx, session.tokenSha256));
}

export interface CitizenView {
  mykeyId: string;
  bindings: PersonBindingView[];
}

export async function describeCitizen(ctx: AppContext, session: CitizenSession): Promise<CitizenView> {
  const bindings = await ctx.store.transaction((tx) => listBindingsOfPerson(tx, session.personId));
  return { mykeyId: session.mykeyId, bindings };
}

export interface PointsHistoryPage {
  data: PersonLedgerEntry[];
  hasMore: boolean;
  nextCursor: string | null;
}

const historyCursorPrefix = 'h1:';

function encodeHistoryCursor(position: { createdAtMs: number; entryId: string }): string {
  return Buffer.from(`${historyCursorPrefix}${position.createdAtMs}:${position.entryId}`).toString('base64url');
}

function decodeHistoryCursor(cursor: string): { createdAtMs: number; entryId: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [msText, entryId] = text.slice(historyCursorPrefix.length).split(':', 2);
  const createdAtMs = Number(msText);
  if (!text.startsWith(historyCursorPrefix) || entryId === undefined || !Number.isSafeInteger(createdAtMs)) return undefined;
  return encodeHistoryCursor({ createdAtMs, entryId }) === cursor ? { createdAtMs, entryId } : undefined;
}

/**
 * The grants and clawbacks of a person in one campaign, newest first: the session's own, or with `onBehalfOf`
 * those of a person it represents. Codes: cursor_invalid, representation_not_found.
 */
export async function listPointsHistory(
  ctx: AppContext,
  session: CitizenSession,
  input: { campaignId: string; onBehalfOf?: string; limit: number; before?: string },
): Promise<Result<PointsHistoryPage, 'cursor_invalid' | 'representation_not_found'>> {
  const before = input.before === undefined ? undefined : decodeHistoryCursor(input.before);
  if (input.before !== undefined && before === undefined) return fail('cursor_invalid', 'the cursor was not produced by this list', 'before');
  return ctx.store.transaction(async (tx) => {
    const subject = await actingFor(tx, session, input.onBehalfOf);
    if (!subject.ok) return subject;
    const rows = await listLedgerOfPerson(tx, { personId: subject.value.personId, campaignId: input.campaignId, ...(before === undefined ? {} : { before }), limit: input.limit + 1 });
    const data = rows.slice(0, input.limit);
    const hasMore = rows.length > input.limit;
    const last = data.at(-1);
    return ok({ data, hasMore, nextCursor: hasMore && last !== undefined ? encodeHistoryCursor(last) : null });
  });
}
