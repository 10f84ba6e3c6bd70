/**
 * Operator API for fixed awards: the registries that attest actions (health-insurance linking, public-funds
 * accounts, …) and their signed attestation batches. The operator token admits the call; the registry's own
 * signature over the payload proves where each attestation came from.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { createRegistry, ingestAttestations, type AttestationInput } from '../../app/fixed-awards.js';
import { attestationsPerBatchMax } from '../../domain/limits.js';
import { makeAjv } from '../ajv.js';
import { sendFailure } from '../errors.js';
import { operatorAuth } from '../plugins/auth.js';
import { errorResponses, IdempotencyHeaders, isoInstant, operatorSecurity } from '../schemas.js';

const tags = ['operator'];
const security = operatorSecurity;
const slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$' });
const attestationKind = Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' });

const RegistrySchema = Type.Object(
  {
    id: slug,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    publicKeyPem: Type.String({ minLength: 50, maxLength: 4_000, description: 'SPKI PEM of the key (Ed25519, EC or RSA) that signs the registry’s batches.' }),
    attestationKinds: Type.Array(attestationKind, { minItems: 1, maxItems: 20, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const AttestationSchema = Type.Object(
  {
    attestationId: Type.String({ minLength: 1, maxLength: 128, description: 'The registry’s id of the attestation: its idempotency key.' }),
    kind: attestationKind,
    mykeyId: Type.String({ minLength: 8, maxLength: 8 }),
    attestedAt: isoInstant,
  },
  { additionalProperties: false },
);

const isAttestationList = makeAjv(false).compile<AttestationInput[]>(Type.Array(AttestationSchema, { minItems: 1, maxItems: attestationsPerBatchMax }));

/** The signed payload, parsed and checked against the attestation schema; undefined when it is anything else. */
function parsePayload(payload: string): AttestationInput[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  return isAttestationList(value) ? value : undefined;
}

export function registerAwardRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', operatorAuth(ctx, operatorToken));

    app.post('/v1/operator/registries', {
      config: { idempotent: true, staffRoles: staffAccess.operatorAdmin },
      schema: { tags, security, summary: 'Register a registry that attests actions for fixed awards, with its public key', headers: IdempotencyHeaders, body: RegistrySchema, response: { 201: RegistrySchema, ...errorResponses(400, 401, 409) } },
      handler: async (request, reply) => {
        const result = await createRegistry(ctx, request.actor!, request.body);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send(result.value);
      },
    });

    app.post('/v1/operator/attestations', {
      config: { idempotent: true, staffRoles: staffAccess.operatorAdmin },
      schema: {
        tags,
        security,
        summary: 'Record a registry’s signed batch of attestations; fixed awards are granted once both the attestation and the binding exist',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            registryId: slug,
            payload: Type.String({ minLength: 2, maxLength: 60_000, description: 'The JSON text of an array of attestations, exactly as signed.' }),
            signature: Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 1_024, description: 'base64url signature of the payload bytes with the registry key (Ed25519, or ECDSA/RSA with SHA-256).' }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                attestationId: Type.String(),
                status: Type.Union([Type.Literal('recorded'), Type.Literal('duplicate'), Type.Literal('rejected')]),
                awards: Type.Optional(Type.Array(Type.Object({ campaignId: Type.String(), points: Type.Integer() }))),
                code: Type.Optional(Type.String()),
                message: Type.Optional(Type.String()),
              }),
            ),
          }),
          ...errorResponses(400, 401, 404),
        },
      },
      handler: async (request, reply) => {
        const result = await ingestAttestations(ctx, request.actor!, request.body, parsePayload);
        if (!result.ok) return sendFailure(request, reply, result);
        return { results: result.value };
      },
    });
  });
}
