/**
 * What the hooks attach to a request: the raw body (for Content-Digest and idempotency hashes), the
 * authenticated provider, citizen or staff member, and the per-route switches: idempotent writes and the staff
 * roles a route admits.
 */
import type { CitizenSession } from '../app/citizen.js';
import type { StaffSession } from '../app/staff-sessions.js';
import type { StaffRole } from '../domain/staff-roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
    providerId?: string;
    citizen?: CitizenSession;
    /** The console session of a staff member (the staff cookie). */
    staff?: StaffSession;
    /** Who acts (audit) and whose idempotency keys these are: 'operator', `provider:<id>`, `person:<id>`, `staff:<id>`. */
    actor?: string;
  }
  interface FastifyContextConfig {
    /** The route is a write that takes an Idempotency-Key; a replay returns the stored response. */
    idempotent?: boolean;
    /**
     * Operator and provider routes: the staff roles whose console sessions the route admits (`staffAccess` of
     * src/domain/staff-roles.ts; empty for routes of machines only). Every such route must declare it.
     */
    staffRoles?: readonly StaffRole[];
  }
}
