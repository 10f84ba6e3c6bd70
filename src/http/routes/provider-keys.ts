/**
 * A provider's own signing keys (docs/provider-api.md#keys-and-signatures), for its console's administrators and its
 * own signed requests: the list (never a secret), a new key (its secret shown once), rotation with an overlap, and
 * revocation. Not idempotent on purpose, like the operator's key route: a stored replay would keep the secret.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { createProviderKey, revokeKey } from '../../app/operator.js';
import { listKeysOfProvider, rotateProviderKey } from '../../app/provider-keys.js';
import { keyRotationOverlapSecondsDefault, keyRotationOverlapSecondsMax } from '../../domain/limits.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { sendFailure } from '../errors.js';
import { providerAuth } from '../plugins/auth.js';
import { errorResponses, isoInstant, isoOf, providerSecurity } from '../schemas.js';

const tags = ['provider'];
const security = providerSecurity;
const config = { staffRoles: staffAccess.providerAdmin };
const KeyIdParams = Type.Object({ keyId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

const KeySchema = Type.Object({
  keyId: Type.String(),
  createdAt: isoInstant,
  expiresAt: Type.Union([isoInstant, Type.Null()], { description: 'Set by a rotation: the key signs until then (null: until revoked).' }),
  revokedAt: Type.Union([isoInstant, Type.Null()]),
});

const NewKeySchema = Type.Object({
  keyId: Type.String(),
  secret: Type.String({ description: 'base64 HMAC secret; shown this once, stored only sealed.' }),
  createdAt: isoInstant,
});

export function registerProviderKeyRoutes(parent: FastifyInstance, ctx: AppContext): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', providerAuth(ctx));

    app.get('/v1/provider/keys', {
      config,
      schema: { tags, security, summary: 'Your signing keys, newest first: when each was made, expires or was revoked (never a secret)', response: { 200: Type.Object({ data: Type.Array(KeySchema) }), ...errorResponses(401, 403) } },
      handler: async (request) => ({
        data: (await listKeysOfProvider(ctx, request.providerId!)).map((key) => ({
          keyId: key.keyId,
          createdAt: isoOf(key.createdAtMs),
          expiresAt: key.expiresAtMs === null ? null : isoOf(key.expiresAtMs),
          revokedAt: key.revokedAtMs === null ? null : isoOf(key.revokedAtMs),
        })),
      }),
    });

    app.post('/v1/provider/keys', {
      config,
      schema: { tags, security, summary: 'A new signing key (the secret is shown once; your other keys stay valid)', response: { 201: NewKeySchema, ...errorResponses(401, 403) } },
      handler: async (request, reply) => {
        const result = await createProviderKey(ctx, request.actor!, request.providerId!);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send({ ...result.value, createdAt: isoOf(ctx.clock.nowMs()) });
      },
    });

    app.post('/v1/provider/keys/:keyId/rotate', {
      config,
      schema: {
        tags,
        security,
        summary: 'Rotate a key: a new key now (its secret shown once), and the old one signs until the overlap ends',
        params: KeyIdParams,
        body: Type.Object(
          {
            overlapSeconds: Type.Integer({
              minimum: 0,
              maximum: keyRotationOverlapSecondsMax,
              default: keyRotationOverlapSecondsDefault,
              description: 'How long the old key keeps signing (0 to 30 days; one day by default). It never signs longer than an end it already had.',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ ...NewKeySchema.properties, previous: Type.Object({ keyId: Type.String(), expiresAt: isoInstant }) }), ...errorResponses(400, 401, 403, 404) },
      },
      handler: async (request, reply) => {
        const result = await rotateProviderKey(ctx, request.actor!, { providerId: request.providerId!, keyId: request.params.keyId, overlapSeconds: request.body.overlapSeconds });
        if (!result.ok) return sendFailure(request, reply, result);
        const { key, previous } = result.value;
        return reply.code(201).send({ keyId: key.keyId, secret: key.secret, createdAt: isoOf(key.createdAtMs), previous: { keyId: previous.keyId, expiresAt: isoOf(previous.expiresAtMs) } });
      },
    });

    app.delete('/v1/provider/keys/:keyId', {
      config,
      schema: {
        tags,
        security,
        summary: 'Revoke a key at once (also one in its rotation overlap)',
        params: KeyIdParams,
        response: { 200: Type.Object({ keyId: Type.String() }), ...errorResponses(401, 403, 404) },
      },
      handler: async (request, reply) => {
        const result = await revokeKey(ctx, request.actor!, request.providerId!, request.params.keyId);
        if (!result.ok) return sendFailure(request, reply, result);
        return result.value;
      },
    });
  });
}
