/**
 * Provider API: event batches, the grant feed and its acknowledgements. Every request is signed (RFC 9421,
 * hmac-sha256) with one of the provider's keys; a provider sees only its own accounts and grants, never a
 * Mykey ID or a person.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { acknowledgeGrants, readGrantFeed } from '../../app/grant-feed.js';
import { ingestEvents } from '../../app/ingest-events.js';
import { eventBatchBodyBytesMax, eventsPerBatchMax, grantsPageMax } from '../../domain/limits.js';
import { ApiError, sendFailure } from '../errors.js';
import { providerAuth } from '../plugins/auth.js';
import { EventBatchBody, EventOutcomeSchema, FeedGrantSchema, FeedQuery, errorResponses, isoOf, providerMachineSecurity, providerSecurity } from '../schemas.js';

const tags = ['provider'];
const security = providerSecurity;

export function registerProviderRoutes(parent: FastifyInstance, ctx: AppContext): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', providerAuth(ctx));

    app.post('/v1/provider/events', {
      config: { staffRoles: staffAccess.machinesOnly },
      bodyLimit: eventBatchBodyBytesMax,
      // Runs after the signature check: an oversized batch gets its own code rather than a schema error.
      preValidation: async (request) => {
        const events = (request.body as { events?: unknown } | undefined)?.events;
        if (Array.isArray(events) && events.length > eventsPerBatchMax) {
          throw new ApiError('batch_too_large', `at most ${eventsPerBatchMax} events per batch; split it`, 'events');
        }
      },
      schema: {
        tags,
        security: providerMachineSecurity,
        summary: 'Report up to 1,000 payments, top-ups, refunds and cancels; each event id is its idempotency key',
        body: EventBatchBody,
        response: {
          200: Type.Object({ results: Type.Array(EventOutcomeSchema) }),
          ...errorResponses(400, 401, 413, 415),
        },
      },
      handler: async (request) => ({ results: await ingestEvents(ctx, request.providerId!, request.body.events) }),
    });

    app.get('/v1/provider/grants', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Your grants in commit order after a cursor (negative points are clawbacks)',
        querystring: FeedQuery,
        response: {
          200: Type.Object({ data: Type.Array(FeedGrantSchema), hasMore: Type.Boolean(), nextCursor: Type.String() }),
          ...errorResponses(400, 401),
        },
      },
      handler: async (request, reply) => {
        const page = await readGrantFeed(ctx, request.providerId!, { after: request.query.after, limit: request.query.limit });
        if (!page.ok) return sendFailure(request, reply, page);
        return {
          ...page.value,
          data: page.value.data.map(({ createdAtMs, ackedAtMs, ...grant }) => ({ ...grant, createdAt: isoOf(createdAtMs), ackedAt: ackedAtMs === null ? null : isoOf(ackedAtMs) })),
        };
      },
    });

    app.post('/v1/provider/grants/ack', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Acknowledge grants you have credited to your users (all or nothing; repeating is harmless)',
        body: Type.Object({ grantIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: grantsPageMax }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ acknowledged: Type.Integer(), alreadyAcknowledged: Type.Integer() }),
          ...errorResponses(400, 401, 404),
        },
      },
      handler: async (request, reply) => {
        const result = await acknowledgeGrants(ctx, request.providerId!, request.body.grantIds);
        if (!result.ok) return sendFailure(request, reply, result);
        return result.value;
      },
    });
  });
}
