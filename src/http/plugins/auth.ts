/**
 * Authentication of the three audiences: the operator (a bearer token from configuration), citizens (the session
 * of a card login: a bearer token, or in the portal an HttpOnly cookie whose writes carry a CSRF token) and
 * providers (HMAC request signatures, RFC 9421, with a replay guard).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { resolveSession } from '../../app/citizen.js';
import type { AppContext } from '../../app/context.js';
import { unseal } from '../../app/platform-keys.js';
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

export function operatorAuth(operatorToken: string) {
  const expected = sha256(operatorToken);
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    // Comparing digests keeps the comparison constant-time whatever the length of the token sent.
    if (token === undefined || !timingSafeEqual(sha256(token), expected)) {
      throw new ApiError('operator_token_invalid', 'send the operator token as Authorization: Bearer <token>');
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

export function providerAuth(ctx: AppContext) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
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
