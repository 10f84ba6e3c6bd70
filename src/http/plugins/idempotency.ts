/**
 * Idempotent writes (STYLE.md, Stripe-style): a route with `config.idempotent` needs an Idempotency-Key header.
 * The key is reserved before the handler runs, so of several concurrent requests with one key only one runs; its
 * 2xx response is stored with the sha256 of the request, and a replay returns it with `Idempotency-Hit: true`.
 * The same key with another request is refused (`idempotency_key_reused`); while the first request still runs, a
 * second gets `idempotency_key_in_use`. A refused or failed request releases the key: it wrote nothing and may be
 * retried with the same key. A reservation left by a crash is taken over after `reservationStaleMs`.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { idempotencyKeyCharsMax, idempotencyReservationStaleMs } from '../../domain/limits.js';
import {
  completeIdempotencyRecord,
  findIdempotencyRecord,
  releaseIdempotencyKey,
  reserveIdempotencyKey,
  takeOverStaleReservation,
  type IdempotencyKeyRef,
} from '../../store/idempotency-repo.js';
import type { AppContext } from '../../app/context.js';
import { ApiError } from '../errors.js';

const reserved = new WeakMap<FastifyRequest, IdempotencyKeyRef>();

function requestSha256(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(request.rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

function keyOf(request: FastifyRequest): string {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') throw new ApiError('idempotency_key_missing', 'send an Idempotency-Key header (a UUID made when the user started the action)');
  if (key.length > idempotencyKeyCharsMax) throw new ApiError('invalid_request', `Idempotency-Key is longer than ${idempotencyKeyCharsMax}`, 'Idempotency-Key');
  return key;
}

/** Runs after authentication (it needs `request.actor`), before the handler. */
export function idempotencyPreHandler(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.routeOptions.config.idempotent !== true) return undefined;
    const ref: IdempotencyKeyRef = { scope: `${request.actor ?? 'anonymous'} ${request.routeOptions.url}`, key: keyOf(request) };
    const hash = requestSha256(request);
    const nowMs = ctx.clock.nowMs();
    const outcome = await ctx.store.transaction(async (tx) => {
      if (await reserveIdempotencyKey(tx, { ...ref, requestSha256: hash, nowMs })) return { kind: 'reserved' as const };
      const stored = await findIdempotencyRecord(tx, ref);
      if (stored === undefined) return { kind: 'in_use' as const }; // released between our two statements: retry
      if (stored.requestSha256 !== hash) return { kind: 'reused' as const };
      if (stored.statusCode !== 0) return { kind: 'replay' as const, stored };
      const stale = stored.createdAtMs + idempotencyReservationStaleMs <= nowMs;
      if (stale && (await takeOverStaleReservation(tx, { ...ref, requestSha256: hash, staleCreatedAtMs: stored.createdAtMs, nowMs }))) {
        return { kind: 'reserved' as const };
      }
      return { kind: 'in_use' as const };
    });
    switch (outcome.kind) {
      case 'reserved':
        reserved.set(request, ref);
        return undefined;
      case 'reused':
        throw new ApiError('idempotency_key_reused', 'this Idempotency-Key was used with another request', 'Idempotency-Key');
      case 'in_use':
        throw new ApiError('idempotency_key_in_use', 'a request with this Idempotency-Key is still running; retry shortly', 'Idempotency-Key');
      case 'replay':
        return reply.code(outcome.stored.statusCode).header('Idempotency-Hit', 'true').type('application/json').send(outcome.stored.responseBody);
    }
  };
}

/** Stores a 2xx response under its reserved key, or releases the key when the request did not succeed. */
export function registerIdempotencyStore(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const ref = reserved.get(request);
    if (ref === undefined) return payload;
    reserved.delete(request);
    const succeeded = reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string';
    await ctx.store.transaction((tx) =>
      succeeded ? completeIdempotencyRecord(tx, { ...ref, statusCode: reply.statusCode, responseBody: payload }) : releaseIdempotencyKey(tx, ref),
    );
    return payload;
  });
}
