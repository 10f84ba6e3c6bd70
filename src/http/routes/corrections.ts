/**
 * Operator API for corrections (DOMAIN.md §8.4): look up a person's bindings by Mykey ID, and void a wrong one
 * with a reason, clawing the points back or moving them to the person the account really belongs to.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { bindingsOfPerson, correctBinding } from '../../app/corrections.js';
import { sendFailure } from '../errors.js';
import { operatorAuth } from '../plugins/auth.js';
import { errorResponses, IdempotencyHeaders, isoOf, operatorSecurity } from '../schemas.js';

const tags = ['operator'];
const security = operatorSecurity;
const mykeyIdParam = Type.String({ minLength: 8, maxLength: 8 });

export function registerCorrectionRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', operatorAuth(ctx, operatorToken));

    app.get('/v1/operator/persons/:mykeyId/bindings', {
      config: { staffRoles: staffAccess.personBindings },
      schema: {
        tags,
        security,
        summary: 'A person’s bindings, active and voided, with the points of the active ones',
        params: Type.Object({ mykeyId: mykeyIdParam }),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                bindingId: Type.String(),
                campaignId: Type.String(),
                providerServiceId: Type.String(),
                accountRef: Type.String(),
                boundAt: Type.String(),
                voidedAt: Type.Union([Type.String(), Type.Null()]),
                voidReason: Type.Union([Type.String(), Type.Null()]),
                eligibleYen: Type.Integer(),
                points: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses(401, 404),
        },
      },
      handler: async (request, reply) => {
        const result = await bindingsOfPerson(ctx, request.params.mykeyId);
        if (!result.ok) return sendFailure(request, reply, result);
        return {
          data: result.value.map(({ boundAtMs, voidedAtMs, pointsGranted, ...binding }) => ({
            ...binding,
            boundAt: isoOf(boundAtMs),
            voidedAt: voidedAtMs === null ? null : isoOf(voidedAtMs),
            points: pointsGranted,
          })),
        };
      },
    });

    app.post('/v1/operator/bindings/:bindingId/void', {
      config: { idempotent: true, staffRoles: staffAccess.personBindings },
      schema: {
        tags,
        security,
        summary: 'Void a wrong binding: claw back its points, or move the account and its points to the rightful person',
        headers: IdempotencyHeaders,
        params: Type.Object({ bindingId: Type.String({ format: 'uuid' }) }),
        body: Type.Object(
          {
            reason: Type.String({ minLength: 3, maxLength: 500, description: 'Why (kept in the audit log and on the binding).' }),
            action: Type.Union([Type.Literal('clawback'), Type.Literal('move')]),
            toMykeyId: Type.Optional(Type.String({ minLength: 8, maxLength: 8, description: 'For move: the person the account really belongs to.' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ bindingId: Type.String(), campaignId: Type.String(), action: Type.String(), points: Type.Integer(), newBindingId: Type.Optional(Type.String()) }),
          ...errorResponses(400, 401, 404, 409),
        },
      },
      handler: async (request, reply) => {
        const result = await correctBinding(ctx, request.actor!, { bindingId: request.params.bindingId, ...request.body });
        if (!result.ok) return sendFailure(request, reply, result);
        return result.value;
      },
    });
  });
}
