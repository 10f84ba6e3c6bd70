/**
 * The citizen's session and view of themself: Mykey ID, bindings and points per campaign.
 */
import { fail, ok, type Result } from '../domain/result.js';
import { listBindingsOfPerson, type PersonBindingView } from '../store/bindings-repo.js';
import { deleteSession, findPersonById, findSession } from '../store/persons-repo.js';
import { sessionTokenSha256 } from './card-login.js';
import type { AppContext } from './context.js';

export interface CitizenSession {
  personId: string;
  mykeyId: string;
  tokenSha256: string;
}

/** The session of a bearer token. Codes: session_required (no token), session_expired (unknown, ended or old). */
export async function resolveSession(ctx: AppContext, token: string | undefined): Promise<Result<CitizenSession, 'session_required' | 'session_expired'>> {
  if (token === undefined || token === '') return fail('session_required', 'log in with the card first (Authorization: Bearer <sessionToken>)');
  const tokenSha256 = sessionTokenSha256(token);
  const found = await ctx.store.transaction(async (tx) => {
    const session = await findSession(tx, tokenSha256);
    if (session === undefined) return undefined;
    const person = await findPersonById(tx, session.personId);
    return person === undefined ? undefined : { ...person, expiresAtMs: session.expiresAtMs };
  });
  if (found === undefined || found.expiresAtMs <= ctx.clock.nowMs()) {
    return fail('session_expired', 'the session has ended; log in with the card again');
  }
  return ok({ personId: found.personId, mykeyId: found.mykeyId, tokenSha256 });
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
