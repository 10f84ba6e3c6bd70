/**
 * Operator API: the budget dashboard data of a campaign (persons bound and net points granted per day in the
 * campaign's time zone, running totals, budget left), and the platform's event rejections per code and day.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { campaignDashboard } from '../../app/campaign-dashboard.js';
import type { AppContext } from '../../app/context.js';
import { rejectionDashboard } from '../../app/rejection-dashboard.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { sendFailure } from '../errors.js';
import { operatorAuth } from '../plugins/auth.js';
import { errorResponses, operatorSecurity } from '../schemas.js';

const nullableInteger = Type.Union([Type.Integer(), Type.Null()]);

const DashboardSchema = Type.Object({
  campaignId: Type.String(),
  timeZone: Type.String({ description: 'The campaign’s zone; days are its calendar days.' }),
  personsBound: Type.Integer(),
  pointsGranted: Type.Integer({ description: 'Net of clawbacks.' }),
  budgetPoints: { ...nullableInteger, description: 'caps.budgetPoints of the campaign; null without a budget.' },
  budgetLeftPoints: { ...nullableInteger, description: 'budgetPoints − pointsGranted; null without a budget.' },
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: 'YYYY-MM-DD' }),
      personsBound: Type.Integer(),
      personsBoundCumulative: Type.Integer(),
      pointsGranted: Type.Integer(),
      pointsGrantedCumulative: Type.Integer(),
    }),
    { description: 'Every day from the first binding or grant to the last.' },
  ),
});

const RejectionDashboardSchema = Type.Object({
  timeZone: Type.String({ description: 'The settlement time zone; days are its calendar days.' }),
  rejected: Type.Integer({ description: 'Every rejection counted.' }),
  codes: Type.Array(Type.Object({ code: Type.String(), count: Type.Integer() }), { description: 'Each code met, the most frequent first.' }),
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: 'YYYY-MM-DD' }),
      total: Type.Integer(),
      byCode: Type.Record(Type.String(), Type.Integer(), { description: 'The codes met that day.' }),
    }),
    { description: 'Every day from the first rejection to the last.' },
  ),
});

export function registerCampaignDashboardRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', operatorAuth(ctx, operatorToken));
    app.get('/v1/operator/campaigns/:campaignId/dashboard', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: {
        tags: ['operator'],
        security: operatorSecurity,
        summary: 'Per day: persons bound and net points granted, running totals, budget left',
        params: Type.Object({ campaignId: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: DashboardSchema, ...errorResponses(401, 404) },
      },
      handler: async (request, reply) => {
        const dashboard = await campaignDashboard(ctx, request.params.campaignId);
        if (!dashboard.ok) return sendFailure(request, reply, dashboard);
        return dashboard.value;
      },
    });

    app.get('/v1/operator/stats/rejections', {
      config: { staffRoles: staffAccess.operatorReads },
      schema: {
        tags: ['operator'],
        security: operatorSecurity,
        summary: 'Rejected provider events per code and day (batches and event files, counted as answered)',
        response: { 200: RejectionDashboardSchema, ...errorResponses(401) },
      },
      handler: async () => rejectionDashboard(ctx),
    });
  });
}
