/**
 * Citizen API: card login (challenge, login, logout), the citizen's own view (Mykey ID, bindings, points),
 * binding an account to a campaign, signed by the card, and legal representatives: adding a represented person
 * with that person's card, seeing them, and binding or cancelling on their behalf (`onBehalfOf`).
 */
import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bindAccount, issueBindChallenge } from '../../app/bind-account.js';
import { issueChallenge, loginWithCard, sessionTokenSha256 } from '../../app/card-login.js';
import { describeCitizen, endSession, listPointsHistory, type CitizenSession } from '../../app/citizen.js';
import { cancelBinding } from '../../app/corrections.js';
import type { AppContext } from '../../app/context.js';
import { addRepresented, issueRepresentChallenge, listRepresented } from '../../app/representatives.js';
import { looksLikeMyNumber } from '../../domain/my-number.js';
import { representationRelations } from '../../domain/representation.js';
import type { PersonBindingView } from '../../store/bindings-repo.js';
import { pageMax, sessionTtlMs } from '../../domain/limits.js';
import { ApiError, sendFailure } from '../errors.js';
import { citizenAuth, citizenCsrfUserInfo } from '../plugins/auth.js';
import { clearCookie, csrfTokenFor, preauthSessionSha256, presentedPreauthSha256, setCookie } from '../plugins/browser-sessions.js';
import { AuthTokenSchema, BindingDetailsSchema, ChallengeBody, SecurityCode, errorResponses, IdempotencyHeaders, isoOf, mykeyIdSchema } from '../schemas.js';

const tags = ['citizen'];
const bearer = [{ citizenSession: [] }];

function refuseMyNumbers(fields: Record<string, string>): void {
  for (const [param, value] of Object.entries(fields)) {
    if (looksLikeMyNumber(value)) throw new ApiError('national_id_number_refused', 'the platform never takes a My Number; enter the payment-service ID', param);
  }
}

const CitizenBindingSchema = Type.Object({
  campaignId: Type.String(),
  providerServiceId: Type.String(),
  accountRef: Type.String(),
  boundAt: Type.String(),
  eligibleYen: Type.Integer(),
  points: Type.Integer(),
});

const RepresentationMadeSchema = Type.Object({
  mykeyId: Type.String({ description: 'The represented person’s Mykey ID.' }),
  personCreated: Type.Boolean({ description: 'The card had never been used: its Mykey ID was created now.' }),
  representationCreated: Type.Boolean({ description: 'False when you already represented this person.' }),
  representedSince: Type.String(),
});

function bindingView(b: PersonBindingView) {
  return { campaignId: b.campaignId, providerServiceId: b.providerServiceId, accountRef: b.accountRef, boundAt: isoOf(b.boundAtMs), eligibleYen: b.eligibleYen, points: b.pointsGranted };
}

/** How long a session lasts, and for a portal session its CSRF token. */
function sessionTimes(request: FastifyRequest, reply: FastifyReply, session: Pick<CitizenSession, 'tokenSha256' | 'delivery' | 'expiresAtMs' | 'idleExpiresAtMs'>) {
  return {
    expiresAt: isoOf(session.expiresAtMs),
    ...(session.idleExpiresAtMs === null ? {} : { idleExpiresAt: isoOf(session.idleExpiresAtMs) }),
    ...(session.delivery === 'cookie' ? { csrfToken: csrfTokenFor(request, reply, citizenCsrfUserInfo(session.tokenSha256)) } : {}),
  };
}

const SessionTimesSchema = {
  expiresAt: Type.String({ description: 'When the session ends at the latest.' }),
  idleExpiresAt: Type.Optional(Type.String({ description: 'Portal sessions: when the session ends unless another request comes first.' })),
  csrfToken: Type.Optional(Type.String({ description: 'Portal sessions: send it as X-CSRF-Token with every write.' })),
};

export function registerCitizenRoutes(parent: FastifyInstance, ctx: AppContext): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/v1/citizen/login/challenge', {
    schema: {
      tags,
      summary: 'A single-use challenge for a card login (5 minutes), bound to this browser session',
      description: 'Sets the pre-login cookie (mykey-preauth) when the request has none; only a login that carries it can use the challenge (JPKI.md T4).',
      response: { 200: ChallengeBody, ...errorResponses(400, 429) },
    },
    handler: async (request, reply) => {
      const challenge = await issueChallenge(ctx, { context: { purpose: 'login' }, sessionId: preauthSessionSha256(request, reply) });
      return { challengeId: challenge.challengeId, nonce: challenge.nonce, expiresAt: isoOf(challenge.expiresAtMs) };
    },
  });

  app.post('/v1/citizen/login', {
    schema: {
      tags,
      summary: 'Log in with the card: the same card always reaches the same Mykey ID, created at the first login',
      description:
        'Send the pre-login cookie of the challenge. `session: "token"` (the default) answers a bearer sessionToken; `session: "cookie"` (the portal) sets an HttpOnly session cookie instead, answers a csrfToken for its writes, and ends after 5 minutes without a request or after a binding.',
      body: Type.Object(
        {
          challengeId: Type.String({ minLength: 1, maxLength: 64 }),
          authToken: AuthTokenSchema,
          session: Type.Optional(Type.Union([Type.Literal('token'), Type.Literal('cookie')])),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ mykeyId: Type.String(), personCreated: Type.Boolean(), sessionToken: Type.Optional(Type.String()), ...SessionTimesSchema }),
        ...errorResponses(400, 401, 503),
      },
    },
    handler: async (request, reply) => {
      const delivery = request.body.session ?? 'token';
      const result = await loginWithCard(ctx, {
        challengeId: request.body.challengeId,
        token: request.body.authToken,
        sessionId: presentedPreauthSha256(request),
        delivery,
      });
      if (!result.ok) return sendFailure(request, reply, result);
      const { mykeyId, personCreated, sessionToken, expiresAtMs, idleExpiresAtMs } = result.value;
      const times = sessionTimes(request, reply, { tokenSha256: sessionTokenSha256(sessionToken), delivery, expiresAtMs, idleExpiresAtMs });
      if (delivery === 'token') return { mykeyId, personCreated, sessionToken, ...times };
      clearCookie(reply, 'preauth');
      setCookie(reply, 'citizen', sessionToken, sessionTtlMs);
      return { mykeyId, personCreated, ...times };
    },
  });

  app.register(async (scoped) => {
    const authed = scoped.withTypeProvider<TypeBoxTypeProvider>();
    authed.addHook('preValidation', citizenAuth(ctx));

    authed.post('/v1/citizen/logout', {
      schema: { tags, security: bearer, summary: 'End the session (shared terminals: always log out)', response: { 204: Type.Null(), ...errorResponses(401, 403) } },
      handler: async (request, reply) => {
        await endSession(ctx, request.citizen!);
        if (request.citizen!.delivery === 'cookie') clearCookie(reply, 'citizen');
        return reply.code(204).send(null);
      },
    });

    authed.get('/v1/citizen/me', {
      schema: {
        tags,
        security: bearer,
        summary: 'My Mykey ID, my bindings and my points per campaign',
        response: {
          200: Type.Object({ mykeyId: Type.String(), bindings: Type.Array(CitizenBindingSchema), ...SessionTimesSchema }),
          ...errorResponses(401),
        },
      },
      handler: async (request, reply) => {
        const view = await describeCitizen(ctx, request.citizen!);
        return { mykeyId: view.mykeyId, bindings: view.bindings.map(bindingView), ...sessionTimes(request, reply, request.citizen!) };
      },
    });

    authed.get('/v1/citizen/points/:campaignId', {
      schema: {
        tags,
        security: bearer,
        summary: 'My grants and clawbacks in a campaign (or, with onBehalfOf, those of a person I represent), newest first',
        params: Type.Object({ campaignId: Type.String({ minLength: 3, maxLength: 64 }) }),
        querystring: Type.Object(
          {
            onBehalfOf: Type.Optional(mykeyIdSchema('The Mykey ID of a represented person whose history to show.')),
            limit: Type.Integer({ minimum: 1, maximum: pageMax, default: pageMax }),
            before: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                entryId: Type.String(),
                source: Type.Union([Type.Literal('event'), Type.Literal('award'), Type.Literal('correction')], { description: 'A payment or top-up, a fixed award, or an operator correction.' }),
                points: Type.Integer({ description: 'Negative for a clawback.' }),
                eligibleDeltaYen: Type.Integer(),
                createdAt: Type.String(),
              }),
            ),
            hasMore: Type.Boolean(),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 404),
        },
      },
      handler: async (request, reply) => {
        const { campaignId } = request.params;
        const { onBehalfOf, limit, before } = request.query;
        const result = await listPointsHistory(ctx, request.citizen!, { campaignId, limit, ...(onBehalfOf === undefined ? {} : { onBehalfOf }), ...(before === undefined ? {} : { before }) });
        if (!result.ok) return sendFailure(request, reply, result);
        return { ...result.value, data: result.value.data.map(({ createdAtMs, ...entry }) => ({ ...entry, createdAt: isoOf(createdAtMs) })) };
      },
    });

    authed.post('/v1/citizen/represented/challenge', {
      schema: {
        tags,
        security: bearer,
        summary: 'A legal representative: a challenge for the card of the person to represent (its nonce names the representative’s Mykey ID)',
        response: { 200: ChallengeBody, ...errorResponses(401, 403) },
      },
      handler: async (request) => {
        const challenge = await issueRepresentChallenge(ctx, request.citizen!);
        return { challengeId: challenge.challengeId, nonce: challenge.nonce, expiresAt: isoOf(challenge.expiresAtMs) };
      },
    });

    authed.post('/v1/citizen/represented', {
      config: { idempotent: true },
      schema: {
        tags,
        security: bearer,
        summary: 'A legal representative adds a person they represent: that person’s card signs (their PIN); their Mykey ID is created if new',
        description:
          'The card is verified exactly as at a login. The relation is declared by the representative, not proven (a JPKI authentication certificate carries no date of birth), and audited. 201 when the representation is new, 200 when it already existed.',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            challengeId: Type.String({ minLength: 1, maxLength: 64 }),
            authToken: AuthTokenSchema,
            relation: Type.Union(
              representationRelations.map((relation) => Type.Literal(relation)),
              { description: 'The declared legal relation: 親権者 (parental_authority), 未成年後見人 (minor_guardian), 成年後見人 (adult_guardian).' },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: RepresentationMadeSchema,
          201: RepresentationMadeSchema,
          ...errorResponses(400, 401, 403, 409, 503),
        },
      },
      handler: async (request, reply) => {
        const result = await addRepresented(ctx, request.citizen!, { challengeId: request.body.challengeId, token: request.body.authToken, relation: request.body.relation });
        if (!result.ok) return sendFailure(request, reply, result);
        const { representedSinceMs, ...made } = result.value;
        return reply.code(made.representationCreated ? 201 : 200).send({ ...made, representedSince: isoOf(representedSinceMs) });
      },
    });

    authed.get('/v1/citizen/represented', {
      schema: {
        tags,
        security: bearer,
        summary: 'The persons I represent, each with their Mykey ID, bindings and points per campaign',
        response: {
          200: Type.Object({ data: Type.Array(Type.Object({ mykeyId: Type.String(), representedSince: Type.String(), bindings: Type.Array(CitizenBindingSchema) })) }),
          ...errorResponses(401),
        },
      },
      handler: async (request) => ({
        data: (await listRepresented(ctx, request.citizen!)).map((person) => ({
          mykeyId: person.mykeyId,
          representedSince: isoOf(person.representedSinceMs),
          bindings: person.bindings.map(bindingView),
        })),
      }),
    });

    authed.post('/v1/citizen/bindings/challenge', {
      schema: {
        tags,
        security: bearer,
        summary: 'A challenge that carries the binding details, for the card to sign',
        body: BindingDetailsSchema,
        response: { 200: ChallengeBody, ...errorResponses(400, 401, 403) },
      },
      handler: async (request) => {
        refuseMyNumbers({ accountRef: request.body.accountRef });
        const challenge = await issueBindChallenge(ctx, request.citizen!, request.body);
        return { challengeId: challenge.challengeId, nonce: challenge.nonce, expiresAt: isoOf(challenge.expiresAtMs) };
      },
    });

    authed.post('/v1/citizen/bindings', {
      config: { idempotent: true },
      schema: {
        tags,
        security: bearer,
        summary: 'Bind a payment account to a campaign (final): confirmed by the provider, signed by the card',
        headers: IdempotencyHeaders,
        body: Type.Object(
          { challengeId: Type.String({ minLength: 1, maxLength: 64 }), authToken: AuthTokenSchema, binding: BindingDetailsSchema, securityCode: SecurityCode },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            campaignId: Type.String(),
            providerServiceId: Type.String(),
            accountRef: Type.String(),
            onBehalfOf: Type.Optional(Type.String()),
            boundAt: Type.String(),
            sessionEnded: Type.Boolean({ description: 'True for a portal (cookie) session, which ends with the binding (shared terminals).' }),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 502, 503),
        },
      },
      handler: async (request, reply) => {
        refuseMyNumbers({ accountRef: request.body.binding.accountRef, securityCode: request.body.securityCode });
        const result = await bindAccount(ctx, request.citizen!, {
          challengeId: request.body.challengeId,
          token: request.body.authToken,
          details: request.body.binding,
          securityCode: request.body.securityCode,
        });
        if (!result.ok) return sendFailure(request, reply, result);
        const { boundAtMs, ...binding } = result.value;
        // On a shared terminal the next person must never find this session: a portal session ends with its binding.
        const sessionEnded = request.citizen!.delivery === 'cookie';
        if (sessionEnded) {
          await endSession(ctx, request.citizen!);
          clearCookie(reply, 'citizen');
        }
        return reply.code(201).send({ ...binding, boundAt: isoOf(boundAtMs), sessionEnded });
      },
    });

    authed.delete('/v1/citizen/bindings/:campaignId', {
      config: { idempotent: true },
      schema: {
        tags,
        security: bearer,
        summary: 'Cancel your binding (or, with onBehalfOf, that of a person you represent) on the day it was made, where the campaign allows it and before any points',
        headers: IdempotencyHeaders,
        params: Type.Object({ campaignId: Type.String({ minLength: 3, maxLength: 64 }) }),
        querystring: Type.Object({ onBehalfOf: Type.Optional(mykeyIdSchema('The Mykey ID of the represented person whose binding to cancel.')) }, { additionalProperties: false }),
        response: { 200: Type.Object({ campaignId: Type.String() }), ...errorResponses(400, 401, 403, 404, 409) },
      },
      handler: async (request, reply) => {
        const result = await cancelBinding(ctx, request.citizen!, { campaignId: request.params.campaignId, ...(request.query.onBehalfOf === undefined ? {} : { onBehalfOf: request.query.onBehalfOf }) });
        if (!result.ok) return sendFailure(request, reply, result);
        return result.value;
      },
    });
  });
}
