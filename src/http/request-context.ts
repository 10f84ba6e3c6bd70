/**
 * What the hooks attach to a request: the raw body (for Content-Digest and idempotency hashes), the
 * authenticated provider or citizen, and the per-route switch for idempotent writes.
 */
import type { CitizenSession } from '../app/citizen.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
    providerId?: string;
    citizen?: CitizenSession;
    /** Who the idempotency keys of this request belong to: 'operator', a provider id or a person id. */
    actor?: string;
  }
  interface FastifyContextConfig {
    /** The route is a write that takes an Idempotency-Key; a replay returns the stored response. */
    idempotent?: boolean;
  }
}
