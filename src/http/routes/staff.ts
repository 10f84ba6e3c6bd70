/**
 * Staff of the consoles (docs/staff.md): passkey enrolment through a one-time link, passkey sign-in, the session's
 * own view and sign-out; and the management of accounts — every account by operator administrators, a provider's
 * own staff by its provider administrators. Sessions travel in the HttpOnly staff cookie; writes made with it carry
 * the session's CSRF token. The enrolment token travels in request bodies, never in a URL, so no access log holds it.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { Type, type TSchema } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { createStaffAccount, disableStaff, issueEnrolmentLink, listStaff, type EnrolmentLink, type StaffScope } from '../../app/staff-accounts.js';
import { completeEnrolment, enrolmentOptions } from '../../app/staff-enrolment.js';
import { endStaffSession, type StaffAccount, type StaffSession, type StartedStaffSession } from '../../app/staff-sessions.js';
import { signInOptions, signInWithPasskey } from '../../app/staff-sign-in.js';
import { staffDisplayNameCharsMax, staffSessionTtlMs } from '../../domain/limits.js';
import { providerRoles, staffAccess, staffRoles } from '../../domain/staff-roles.js';
import { sendFailure } from '../errors.js';
import { operatorAuth, providerAuth, staffAuth, staffCsrfUserInfo } from '../plugins/auth.js';
import { clearCookie, csrfTokenFor, preauthSessionSha256, presentedPreauthSha256, setCookie } from '../plugins/browser-sessions.js';
import { errorResponses, isoInstant, isoOf, operatorSecurity, providerSecurity } from '../schemas.js';
import { AuthenticationCredentialSchema, CreationOptionsSchema, RegistrationCredentialSchema, RequestOptionsSchema } from '../webauthn-schemas.js';

const tags = ['staff'];
const staffSecurity = [{ staffSession: [] }];
const slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$' });

const EnrolmentToken = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: 'The fragment of the enrolment link (after #).' });
const DisplayName = Type.String({ minLength: 1, maxLength: staffDisplayNameCharsMax });
const StaffIdParams = Type.Object({ staffId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

const StaffAccountSchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  role: Type.Enum(staffRoles),
  providerId: Type.Optional(Type.String({ description: 'Provider roles: the provider the account works for.' })),
  createdAt: isoInstant,
  createdBy: Type.String({ description: 'The actor who created it (`staff:<id>`, `operator`, `provider:<id>`, `system:cli`, …).' }),
  disabledAt: Type.Union([isoInstant, Type.Null()]),
  passkeys: Type.Optional(Type.Integer({ description: 'How many passkeys the account has enrolled (lists only).' })),
});

const EnrolmentSchema = Type.Object({
  link: Type.String({ description: 'Send it to the staff member: the one-time token is the fragment, valid until expiresAt. Shown once.' }),
  expiresAt: isoInstant,
});

const CreatedStaffSchema = Type.Object({ staff: StaffAccountSchema, enrolment: EnrolmentSchema });

const StaffMeSchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  role: Type.Enum(staffRoles),
  providerId: Type.Optional(Type.String()),
  csrfToken: Type.String({ description: 'Send it as X-CSRF-Token with every write (POST, PUT, DELETE) of this session.' }),
  expiresAt: Type.String({ description: 'When the session ends at the latest (8 hours after sign-in).' }),
  idleExpiresAt: Type.String({ description: 'When the session ends unless another request comes first (30 minutes without one).' }),
});

function staffView(account: StaffAccount & { passkeys?: number }) {
  return {
    id: account.staffId,
    displayName: account.displayName,
    role: account.role,
    ...(account.providerId === null ? {} : { providerId: account.providerId }),
    createdAt: isoOf(account.createdAtMs),
    createdBy: account.createdBy,
    disabledAt: account.disabledAtMs === null ? null : isoOf(account.disabledAtMs),
    ...(account.passkeys === undefined ? {} : { passkeys: account.passkeys }),
  };
}

function enrolmentView(enrolment: EnrolmentLink) {
  return { link: enrolment.link, expiresAt: isoOf(enrolment.expiresAtMs) };
}

/** The session as its own staff member sees it, with the CSRF token of its writes. */
function meView(request: FastifyRequest, reply: FastifyReply, session: StaffSession) {
  const { id, displayName, role, providerId } = staffView(session);
  return {
    id,
    displayName,
    role,
    ...(providerId === undefined ? {} : { providerId }),
    csrfToken: csrfTokenFor(request, reply, staffCsrfUserInfo(session.tokenSha256)),
    expiresAt: isoOf(session.expiresAtMs),
    idleExpiresAt: isoOf(session.idleExpiresAtMs),
  };
}

/** A session just started: its cookie replaces the pre-login one, and the answer is the session's own view. */
function sessionStarted(request: FastifyRequest, reply: FastifyReply, started: StartedStaffSession) {
  clearCookie(reply, 'preauth');
  setCookie(reply, 'staff', started.token, staffSessionTtlMs);
  return meView(request, reply, started.session);
}

export function registerStaffRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/v1/staff/enrolments/options', {
    schema: {
      tags,
      summary: 'Passkey registration options for the account of a one-time enrolment link, bound to this browser',
      description: 'Sets the pre-login cookie (mykey-preauth) when the request has none; only an enrolment that carries it can use the challenge.',
      body: Type.Object({ token: EnrolmentToken }, { additionalProperties: false }),
      response: {
        200: Type.Object({ staff: Type.Object({ displayName: Type.String(), role: Type.Enum(staffRoles), providerId: Type.Optional(Type.String()) }), options: CreationOptionsSchema }),
        ...errorResponses(400, 404, 429),
      },
    },
    handler: async (request, reply) => {
      const result = await enrolmentOptions(ctx, { token: request.body.token, preauthSha256: preauthSessionSha256(request, reply) });
      if (!result.ok) return sendFailure(request, reply, result);
      const { displayName, role, providerId } = staffView(result.value.account);
      return { staff: { displayName, role, ...(providerId === undefined ? {} : { providerId }) }, options: result.value.options };
    },
  });

  app.post('/v1/staff/enrolments', {
    schema: {
      tags,
      summary: 'Complete an enrolment: the new passkey is stored, the link used up, and a console session starts',
      description: 'Send the pre-login cookie of the options. Sets the HttpOnly staff cookie and answers the session with its csrfToken.',
      body: Type.Object({ token: EnrolmentToken, credential: RegistrationCredentialSchema }, { additionalProperties: false }),
      response: { 200: StaffMeSchema, ...errorResponses(400, 401, 404) },
    },
    handler: async (request, reply) => {
      // The schema checks the shape; the ceremony checks every value (transports stay plain strings, as browsers add new ones).
      const credential = request.body.credential as RegistrationResponseJSON;
      const result = await completeEnrolment(ctx, { token: request.body.token, preauthSha256: presentedPreauthSha256(request), credential });
      if (!result.ok) return sendFailure(request, reply, result);
      return sessionStarted(request, reply, result.value);
    },
  });

  app.post('/v1/staff/sign-in/options', {
    schema: {
      tags,
      summary: 'Passkey authentication options (no user name: the passkey is discoverable), bound to this browser',
      description: 'Sets the pre-login cookie (mykey-preauth) when the request has none; only a sign-in that carries it can use the challenge.',
      response: { 200: Type.Object({ options: RequestOptionsSchema }), ...errorResponses(429) },
    },
    handler: async (request, reply) => ({ options: await signInOptions(ctx, { preauthSha256: preauthSessionSha256(request, reply) }) }),
  });

  app.post('/v1/staff/sign-in', {
    schema: {
      tags,
      summary: 'Sign in with a passkey: a console session starts (HttpOnly staff cookie)',
      description: 'Send the pre-login cookie of the options. Every sign-in and every refusal is in the audit log.',
      body: Type.Object({ credential: AuthenticationCredentialSchema }, { additionalProperties: false }),
      response: { 200: StaffMeSchema, ...errorResponses(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const result = await signInWithPasskey(ctx, { preauthSha256: presentedPreauthSha256(request), credential: request.body.credential as AuthenticationResponseJSON });
      if (!result.ok) return sendFailure(request, reply, result);
      return sessionStarted(request, reply, result.value);
    },
  });

  app.register(async (scoped) => {
    const authed = scoped.withTypeProvider<TypeBoxTypeProvider>();
    authed.addHook('preValidation', staffAuth(ctx));

    authed.get('/v1/staff/me', {
      schema: { tags, security: staffSecurity, summary: 'Who is signed in, until when, and the CSRF token of the session’s writes', response: { 200: StaffMeSchema, ...errorResponses(401) } },
      handler: async (request, reply) => meView(request, reply, request.staff!),
    });

    authed.post('/v1/staff/sign-out', {
      schema: { tags, security: staffSecurity, summary: 'End the console session', response: { 204: Type.Null(), ...errorResponses(401, 403) } },
      handler: async (request, reply) => {
        await endStaffSession(ctx, request.staff!);
        clearCookie(reply, 'staff');
        return reply.code(204).send(null);
      },
    });
  });

  registerStaffManagement(app, ctx, {
    prefix: '/v1/operator/staff',
    auth: operatorAuth(ctx, operatorToken),
    security: operatorSecurity,
    staffRoles: staffAccess.operatorAdmin,
    scopeOf: () => ({ providerId: null }),
    body: Type.Object(
      { displayName: DisplayName, role: Type.Enum(staffRoles), providerId: Type.Optional({ ...slug, description: 'Required for provider roles: the provider the account works for.' }) },
      { additionalProperties: false },
    ),
    who: 'any account (operator roles, or provider roles of any provider)',
  });
  registerStaffManagement(app, ctx, {
    prefix: '/v1/provider/staff',
    auth: providerAuth(ctx),
    security: providerSecurity,
    staffRoles: staffAccess.providerAdmin,
    scopeOf: (request) => ({ providerId: request.providerId! }),
    body: Type.Object({ displayName: DisplayName, role: Type.Enum(providerRoles) }, { additionalProperties: false }),
    who: 'your own provider’s staff (provider roles)',
  });
}

/**
 * The four management routes of one side: list, create (with the enrolment link), a new enrolment link, disable.
 * Not idempotent on purpose: a stored replay would keep the enrolment link; a retried creation makes a second
 * account (disable the one whose link you did not receive).
 */
function registerStaffManagement(
  parent: FastifyInstance,
  ctx: AppContext,
  side: {
    prefix: string;
    auth: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    security: typeof operatorSecurity;
    staffRoles: typeof staffAccess.operatorAdmin | typeof staffAccess.providerAdmin;
    scopeOf: (request: FastifyRequest) => StaffScope;
    body: TSchema;
    who: string;
  },
): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', side.auth);
    const config = { staffRoles: side.staffRoles };
    const security = side.security;

    app.get(side.prefix, {
      config,
      schema: { tags, security, summary: `Staff accounts: ${side.who}, oldest first`, response: { 200: Type.Object({ data: Type.Array(StaffAccountSchema) }), ...errorResponses(401, 403) } },
      handler: async (request) => ({ data: (await listStaff(ctx, side.scopeOf(request))).map(staffView) }),
    });

    app.post(side.prefix, {
      config,
      schema: {
        tags,
        security,
        summary: `Create a staff account (${side.who}) with its one-time enrolment link (24 hours; shown once)`,
        body: side.body,
        response: { 201: CreatedStaffSchema, ...errorResponses(400, 401, 403, 404) },
      },
      handler: async (request, reply) => {
        const body = request.body as { displayName: string; role: StaffAccount['role']; providerId?: string };
        const result = await createStaffAccount(ctx, request.actor!, side.scopeOf(request), body);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send({ staff: staffView(result.value.account), enrolment: enrolmentView(result.value.enrolment) });
      },
    });

    app.post(`${side.prefix}/:staffId/enrolment`, {
      config,
      schema: {
        tags,
        security,
        summary: 'A new one-time enrolment link for an account (after a lost passkey); earlier unused links stop working',
        params: StaffIdParams,
        response: { 201: EnrolmentSchema, ...errorResponses(401, 403, 404) },
      },
      handler: async (request, reply) => {
        const result = await issueEnrolmentLink(ctx, request.actor!, side.scopeOf(request), request.params.staffId);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send(enrolmentView(result.value));
      },
    });

    app.delete(`${side.prefix}/:staffId`, {
      config,
      schema: {
        tags,
        security,
        summary: 'Disable a staff account: its sessions end at once and its passkeys sign nobody in (repeating is harmless)',
        params: StaffIdParams,
        response: { 200: StaffAccountSchema, ...errorResponses(401, 403, 404) },
      },
      handler: async (request, reply) => {
        const result = await disableStaff(ctx, request.actor!, side.scopeOf(request), request.params.staffId);
        if (!result.ok) return sendFailure(request, reply, result);
        return staffView(result.value);
      },
    });
  });
}
