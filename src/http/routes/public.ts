/**
 * Public API: what a citizen needs before logging in — the campaigns and the provider services to choose from.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { listAllCampaigns, listAllProviders } from '../../app/operator.js';
import { browserSessionIdleMs } from '../../domain/limits.js';
import { CampaignSchema } from '../schemas.js';
import { campaignView } from './operator.js';

export function registerPublicRoutes(parent: FastifyInstance, ctx: AppContext, options: { cardAgentUrl: string }): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/v1/portal/config', {
    schema: {
      tags: ['public'],
      summary: 'What the citizen portal needs to know: where the card agent listens, and the session idle time',
      response: {
        200: Type.Object({
          cardAgentUrl: Type.String({ description: 'Loopback origin of the card agent (mykey card agent).' }),
          origin: Type.String({ description: 'The origin card signatures are bound to.' }),
          sessionIdleSeconds: Type.Integer({ description: 'A portal session ends after this long without a request.' }),
        }),
      },
    },
    handler: async () => ({ cardAgentUrl: options.cardAgentUrl, origin: ctx.origin, sessionIdleSeconds: browserSessionIdleMs / 1_000 }),
  });

  app.get('/v1/campaigns', {
    schema: { tags: ['public'], summary: 'Campaigns and their rules', response: { 200: Type.Object({ data: Type.Array(CampaignSchema) }) } },
    handler: async () => ({ data: (await listAllCampaigns(ctx)).map(campaignView) }),
  });

  app.get('/v1/provider-services', {
    schema: {
      tags: ['public'],
      summary: 'Payment services a citizen can bind',
      response: { 200: Type.Object({ data: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), providerId: Type.String(), providerName: Type.String() })) }) },
    },
    handler: async () => ({
      data: (await listAllProviders(ctx)).flatMap((p) => p.services.map((s) => ({ id: s.id, name: s.name, providerId: p.id, providerName: p.name }))),
    }),
  });

  app.get('/healthz', {
    schema: { tags: ['public'], summary: 'Liveness and store reachability', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => {
      await ctx.store.transaction((tx) => tx.db.selectFrom('persons').select('id').limit(1).execute());
      return { status: 'ok' as const };
    },
  });
}
