/**
 * Idempotent writes (STYLE.md, Stripe-style): a route with `config.idempotent` needs an Idempotency-Key header.
 * The first successful response is stored with the sha256 of the request; a replay with the same key returns it
 * with `Idempotency-Hit: true`, and the same key with another request is refused (`idempotency_key_reused`).
 * Only 2xx responses are stored: a refused request writes nothing and may be retried with the same key.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { idempotencyKeyCharsMax } from '../../domain/limits.js';
import { findIdempotencyRecord, insertIdempotencyRecord } from '../../store/idempotency-repo.js';
import type { AppContext } from '../../app/context.js';
import { ApiError } from '../errors.js';

interface PendingRecord {
  scope: string;
  key: string;
  requestSha256: string;
}

const pending = new WeakMap<FastifyRequest, PendingRecord>();

function requestSha256(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(request.rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

/** Runs after authentication (it needs `request.actor`), before the handler. */
export function idempotencyPreHandler(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.routeOptions.config.idempotent !== true) return undefined;
    const header = request.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || key === '') throw new ApiError('idempotency_key_missing', 'send an Idempotency-Key header (a UUID made when the user started the action)');
    if (key.length > idempotencyKeyCharsMax) throw new ApiError('invalid_request', `Idempotency-Key is longer than ${idempotencyKeyCharsMax}`, 'Idempotency-Key');
    const record: PendingRecord = { scope: `${request.actor ?? 'anonymous'} ${request.routeOptions.url}`, key, requestSha256: requestSha256(request) };
    const stored = await ctx.store.transaction((tx) => findIdempotencyRecord(tx, record.scope, key));
    if (stored === undefined) {
      pending.set(request, record);
      return undefined;
    }
    if (stored.requestSha256 !== record.requestSha256) {
      throw new ApiError('idempotency_key_reused', 'this Idempotency-Key was used with another request', 'Idempotency-Key');
    }
    return reply.code(stored.statusCode).header('Idempotency-Hit', 'true').type('application/json').send(stored.responseBody);
  };
}

export function registerIdempotencyStore(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const record = pending.get(request);
    if (record === undefined || reply.statusCode < 200 || reply.statusCode >= 300 || typeof payload !== 'string') return payload;
    pending.delete(request);
    await ctx.store.transaction((tx) =>
      insertIdempotencyRecord(tx, { ...record, statusCode: reply.statusCode, responseBody: payload, nowMs: ctx.clock.nowMs() }),
    );
    return payload;
  });
}
