/**
 * Operator API (事務局): campaigns, providers and their keys, statistics, the audit log. Authenticated by the
 * operator bearer token; every change lands in the hash-chained audit log.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import {
  campaignHistory,
  createCampaign,
  createProvider,
  createProviderKey,
  listAllCampaigns,
  listAllProviders,
  platformStats,
  publishCampaignVersion,
  readAudit,
  revokeKey,
  verifyAudit,
  type CampaignView,
} from '../../app/operator.js';
import { dryRunCampaign } from '../../app/dry-run.js';
import { textLines } from '../../domain/dry-run.js';
import { dryRunBodyBytesMax, pageMax } from '../../domain/limits.js';
import { presetNames } from '../../domain/presets.js';
import { checkDryRunLine, DryRunBody, DryRunReportSchema } from '../dry-run-schema.js';
import { sendFailure } from '../errors.js';
import { operatorAuth } from '../plugins/auth.js';
import { CampaignSchema, CampaignSourceBody, errorResponses, IdempotencyHeaders, isoOf, operatorSecurity } from '../schemas.js';

const tags = ['operator'];
const security = operatorSecurity;
const slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$' });

const ProviderSchema = Type.Object(
  {
    id: slug,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    verifyUrl: Type.String({ format: 'uri', maxLength: 500, description: 'Where the platform asks the provider to confirm an account (signed POST).' }),
    services: Type.Array(Type.Object({ id: slug, name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

/** The campaign as the API shows it: its definition, version and budget (the parsed instants are internal). */
export function campaignView(campaign: CampaignView) {
  const { applicationStartsAtMs: _a, applicationEndsAtMs: _b, earningStartsAtMs: _c, earningEndsAtMs: _d, budget, ...view } = campaign;
  return budget === undefined ? view : { ...view, budget: { ...budget, exhaustedAt: budget.exhaustedAt === null ? null : isoOf(budget.exhaustedAt) } };
}

export function registerOperatorRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', operatorAuth(ctx, operatorToken));

    app.post('/v1/operator/campaigns', {
      config: { idempotent: true, staffRoles: staffAccess.operatorAdmin },
      schema: {
        tags,
        security,
        summary: `Create a campaign from a preset (${presetNames.join(', ')}) or from a full definition`,
        headers: IdempotencyHeaders,
        body: CampaignSourceBody,
        response: { 201: CampaignSchema, ...errorResponses(400, 401, 409) },
      },
      handler: async (request, reply) => {
        const result = await createCampaign(ctx, request.actor!, request.body);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send(campaignView(result.value));
      },
    });

    app.get('/v1/operator/campaigns', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: { tags, security, summary: 'Every campaign, newest version, with its budget', response: { 200: Type.Object({ data: Type.Array(CampaignSchema) }), ...errorResponses(401) } },
      handler: async () => ({ data: (await listAllCampaigns(ctx)).map(campaignView) }),
    });

    app.put('/v1/operator/campaigns/:campaignId', {
      config: { idempotent: true, staffRoles: staffAccess.operatorAdmin },
      schema: {
        tags,
        security,
        summary: 'Publish a new version (an extension, a new budget, a corrected rule): it governs events applied from now on; grants made stand',
        headers: IdempotencyHeaders,
        params: Type.Object({ campaignId: slug }),
        body: CampaignSourceBody,
        response: { 200: CampaignSchema, ...errorResponses(400, 401, 404) },
      },
      handler: async (request, reply) => {
        const result = await publishCampaignVersion(ctx, request.actor!, request.params.campaignId, request.body);
        if (!result.ok) return sendFailure(request, reply, result);
        return campaignView(result.value);
      },
    });

    // Not idempotent: it writes nothing (not even an idempotency record), so a retry simply computes again.
    app.post('/v1/operator/campaigns/dry-run', {
      config: { staffRoles: staffAccess.operatorAdmin },
      bodyLimit: dryRunBodyBytesMax,
      schema: {
        tags,
        security,
        summary: 'Evaluate a campaign (a preset or a definition) against NDJSON past events without writing anything: what it would grant and cost',
        body: DryRunBody,
        response: { 200: DryRunReportSchema, ...errorResponses(400, 401, 413) },
      },
      handler: async (request, reply) => {
        const result = await dryRunCampaign(request.body.campaign, textLines(request.body.events), checkDryRunLine, ctx.clock.nowMs());
        if (!result.ok) return sendFailure(request, reply, result);
        return result.value;
      },
    });

    app.get('/v1/operator/campaigns/:campaignId/versions', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: {
        tags,
        security,
        summary: 'Every version of a campaign, oldest first',
        params: Type.Object({ campaignId: slug }),
        response: { 200: Type.Object({ data: Type.Array(Type.Object({ ...CampaignSchema.properties, publishedAt: Type.String() })) }), ...errorResponses(401, 404) },
      },
      handler: async (request, reply) => {
        const result = await campaignHistory(ctx, request.params.campaignId);
        if (!result.ok) return sendFailure(request, reply, result);
        return { data: result.value.map(({ publishedAtMs, ...campaign }) => ({ ...campaignView(campaign), publishedAt: isoOf(publishedAtMs) })) };
      },
    });

    app.post('/v1/operator/providers', {
      config: { idempotent: true, staffRoles: staffAccess.operatorAdmin },
      schema: { tags, security, summary: 'Register a provider and its services', headers: IdempotencyHeaders, body: ProviderSchema, response: { 201: ProviderSchema, ...errorResponses(400, 401, 409) } },
      handler: async (request, reply) => {
        const result = await createProvider(ctx, request.actor!, request.body);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send(result.value);
      },
    });

    app.get('/v1/operator/providers', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: { tags, security, summary: 'Every provider with its services', response: { 200: Type.Object({ data: Type.Array(ProviderSchema) }), ...errorResponses(401) } },
      handler: async () => ({ data: await listAllProviders(ctx) }),
    });

    // Not idempotent on purpose: a stored replay would keep the secret in the idempotency table. A retried
    // creation makes a second key; revoke the one you did not receive.
    app.post('/v1/operator/providers/:providerId/keys', {
      config: { staffRoles: staffAccess.operatorAdmin },
      schema: {
        tags,
        security,
        summary: 'Issue a new signing key (the secret is shown once; older keys stay valid until revoked)',
        params: Type.Object({ providerId: slug }),
        response: { 201: Type.Object({ keyId: Type.String(), secret: Type.String({ description: 'base64 HMAC secret' }) }), ...errorResponses(401, 404) },
      },
      handler: async (request, reply) => {
        const result = await createProviderKey(ctx, request.actor!, request.params.providerId);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send(result.value);
      },
    });

    app.delete('/v1/operator/providers/:providerId/keys/:keyId', {
      config: { staffRoles: staffAccess.operatorAdmin },
      schema: {
        tags,
        security,
        summary: 'Revoke a signing key',
        params: Type.Object({ providerId: slug, keyId: Type.String({ maxLength: 100 }) }),
        response: { 200: Type.Object({ keyId: Type.String() }), ...errorResponses(401, 404) },
      },
      handler: async (request, reply) => {
        const result = await revokeKey(ctx, request.actor!, request.params.providerId, request.params.keyId);
        if (!result.ok) return sendFailure(request, reply, result);
        return result.value;
      },
    });

    app.get('/v1/operator/stats', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: {
        tags,
        security,
        summary: 'Per campaign: persons bound, points granted, eligible yen; per provider: bindings, events applied and rejected, points; events applied',
        response: {
          200: Type.Object({
            campaigns: Type.Array(Type.Object({ campaignId: Type.String(), personsBound: Type.Integer(), pointsGranted: Type.Integer(), eligibleYen: Type.Integer() })),
            providers: Type.Array(
              Type.Object({
                providerId: Type.String(),
                name: Type.String(),
                bindings: Type.Integer({ description: 'Active bindings through its services, every campaign.' }),
                eventsApplied: Type.Integer(),
                eventsRejected: Type.Integer({ description: 'Rejections answered to its events (a retried rejection counts again).' }),
                pointsGranted: Type.Integer({ description: 'Net of clawbacks, every campaign.' }),
              }),
              { description: 'Every provider, the most net points first.' },
            ),
            eventsApplied: Type.Integer(),
          }),
          ...errorResponses(401),
        },
      },
      handler: async () => platformStats(ctx),
    });

    app.get('/v1/operator/audit', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: {
        tags,
        security,
        summary: 'The audit log, with a check of its hash chain',
        querystring: Type.Object({
          after: Type.Integer({ minimum: 0, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: pageMax, default: 100 }),
          action: Type.Optional(Type.String({ pattern: '^[a-z_]+(\\.[a-z_]+)*$', maxLength: 100, description: 'Only this action and those under it (`staff` gives staff.create, staff.sign_in, …).' })),
        }),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                seq: Type.Integer(),
                at: Type.String(),
                actor: Type.String(),
                action: Type.String(),
                subject: Type.String(),
                details: Type.Record(Type.String(), Type.Unknown()),
                prevHash: Type.String(),
                hash: Type.String(),
              }),
            ),
            brokenAtSeq: Type.Union([Type.Integer(), Type.Null()]),
            hasMore: Type.Boolean(),
          }),
          ...errorResponses(401),
        },
      },
      handler: async (request) => {
        const { after, limit, action } = request.query;
        const page = await readAudit(ctx, { afterSeq: after, limit, ...(action === undefined ? {} : { action }) });
        return { ...page, data: page.data.map(({ atMs, ...entry }) => ({ ...entry, at: isoOf(atMs) })) };
      },
    });

    app.get('/v1/operator/audit/verify', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: {
        tags,
        security,
        summary: 'Check the whole hash chain of the audit log: how far it verifies, and the first entry that breaks it',
        response: {
          200: Type.Object({
            entriesVerified: Type.Integer({ description: 'Entries that chain, from the first: all of them when nothing is broken.' }),
            verifiedThroughSeq: Type.Integer({ description: 'The last entry that chains (0 for an empty log).' }),
            verifiedThroughHash: Type.String({ description: 'Its hash: keep it to check later that nothing before it changed.' }),
            brokenAtSeq: Type.Union([Type.Integer(), Type.Null()], { description: 'The first entry whose hash does not chain; null when the whole log verifies.' }),
            checkedAt: Type.String(),
          }),
          ...errorResponses(401),
        },
      },
      handler: async () => ({ ...(await verifyAudit(ctx)), checkedAt: isoOf(ctx.clock.nowMs()) }),
    });
  });
}
