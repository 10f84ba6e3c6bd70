/**
 * Authentication of the audiences: the operator (a bearer token from configuration), citizens (the session of a
 * card login: a bearer token, or in the portal an HttpOnly cookie whose writes carry a CSRF token), providers (HMAC
 * request signatures, RFC 9421, with a replay guard) and staff of the consoles (a passkey sign-in's HttpOnly
 * cookie, CSRF tokens on writes). Operator and provider routes take their machine credential or a staff session
 * whose role the route admits (`config.staffRoles`); a provider's staff act exactly as that provider's signed
 * requests do.
 */
import assert from 'node:assert/strict';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { resolveSession } from '../../app/citizen.js';
import type { AppContext } from '../../app/context.js';
import { unseal } from '../../app/platform-keys.js';
import { resolveStaffSession, type StaffSession } from '../../app/staff-sessions.js';
import { findActiveProviderKey, recordSignatureOnce } from '../../store/providers-repo.js';
import { ApiError } from '../errors.js';
import { signatureWindowS, verifyRequest } from '../message-signatures.js';
import { readCookie, requireCsrfForWrites } from './browser-sessions.js';

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) return undefined;
  return header.slice('Bearer '.length).trim();
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** What the CSRF token of a staff member's console session is bound to. */
export function staffCsrfUserInfo(tokenSha256: string): string {
  return `staff:${tokenSha256}`;
}

/**
 * Authenticates the staff cookie: a live session, and for a write its CSRF token. Codes: staff_session_required,
 * staff_session_expired, csrf_token_invalid.
 */
async function authenticateStaff(ctx: AppContext, request: FastifyRequest): Promise<StaffSession> {
  const session = await resolveStaffSession(ctx, readCookie(request, 'staff'));
  if (!session.ok) throw new ApiError(session.code, session.message);
  requireCsrfForWrites(request, staffCsrfUserInfo(session.value.tokenSha256));
  request.staff = session.value;
  request.actor = `staff:${session.value.staffId}`;
  return session.value;
}

/** The staff session, then the route's admission of its role. Codes: those of authenticateStaff, staff_role_forbidden. */
async function admitStaff(ctx: AppContext, request: FastifyRequest): Promise<StaffSession> {
  const session = await authenticateStaff(ctx, request);
  const admitted = request.routeOptions.config.staffRoles ?? [];
  if (!admitted.includes(session.role)) throw new ApiError('staff_role_forbidden', `the role ${session.role} does not admit ${request.method} ${request.routeOptions.url}`);
  return session;
}

/** Routes of any signed-in staff member (their own session: me, sign-out). */
export function staffAuth(ctx: AppContext) {
  return async (request: FastifyRequest): Promise<void> => {
    await authenticateStaff(ctx, request);
  };
}

/**
 * Operator routes: the operator bearer token (machines, the CLI: full access), or else a staff session of a role
 * the route admits. Codes: operator_token_invalid (no credential, or a wrong token), those of admitStaff.
 */
export function operatorAuth(ctx: AppContext, operatorToken: string) {
  const expected = sha256(operatorToken);
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    if (token === undefined && readCookie(request, 'staff') !== undefined) {
      await admitStaff(ctx, request);
      return;
    }
    // Comparing digests keeps the comparison constant-time whatever the length of the token sent.
    if (token === undefined || !timingSafeEqual(sha256(token), expected)) {
      throw new ApiError('operator_token_invalid', 'send the operator token as Authorization: Bearer <token>, or sign in to the operator console');
    }
    request.actor = 'operator';
  };
}

/** What the CSRF token of a citizen's cookie session is bound to. */
export function citizenCsrfUserInfo(tokenSha256: string): string {
  return `citizen:${tokenSha256}`;
}

export function citizenAuth(ctx: AppContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const bearer = bearerToken(request);
    const session = bearer !== undefined ? await resolveSession(ctx, bearer, 'token') : await resolveSession(ctx, readCookie(request, 'citizen'), 'cookie');
    if (!session.ok) throw new ApiError(session.code, session.message);
    if (session.value.delivery === 'cookie') requireCsrfForWrites(request, citizenCsrfUserInfo(session.value.tokenSha256));
    request.citizen = session.value;
    request.actor = `person:${session.value.personId}`;
  };
}

/**
 * Provider routes: a request signed with one of the provider's keys, or else (no signature headers) a session of
 * the provider's staff of a role the route admits, which sees exactly what that provider's signed requests see.
 * Codes: the signature codes (request_signature_missing without either credential), those of admitStaff.
 */
export function providerAuth(ctx: AppContext) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const signed = request.headers.signature !== undefined || request.headers['signature-input'] !== undefined;
    if (!signed && readCookie(request, 'staff') !== undefined) {
      const session = await admitStaff(ctx, request);
      // Only provider roles are admitted on provider routes, and each names its provider (asserted at creation).
      assert.ok(session.providerId !== null, `provider route admitted ${session.role} without a provider`);
      request.providerId = session.providerId;
      return;
    }
    let providerId: string | undefined;
    const nowS = Math.floor(ctx.clock.nowMs() / 1000);
    const verified = await verifyRequest({
      method: request.method,
      targetUri: `${request.protocol}://${request.host}${request.url}`,
      headers: request.headers,
      ...(request.rawBody === undefined ? {} : { body: request.rawBody }),
      nowS,
      lookupSecret: async (keyId) => {
        const key = await ctx.store.transaction((tx) => findActiveProviderKey(tx, keyId, ctx.clock.nowMs()));
        providerId = key?.providerId;
        return key === undefined ? undefined : unseal(ctx.keys, key.secretSealed);
      },
    });
    if (!verified.ok) throw new ApiError(verified.code, verified.message);
    const firstUse = await ctx.store.transaction((tx) =>
      recordSignatureOnce(tx, {
        signatureSha256: verified.value.signatureSha256Hex,
        expiresAtMs: (verified.value.createdS + signatureWindowS + 1) * 1000,
        nowMs: ctx.clock.nowMs(),
      }),
    );
    if (!firstUse) throw new ApiError('request_signature_replayed', 'this signature was already used; sign every request anew');
    request.providerId = providerId;
    request.actor = `provider:${providerId}`;
  };
}
