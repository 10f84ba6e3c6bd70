/**
 * Operator API for the certificate renewal feed (証明書新旧紐付け, docs/identity.md "Renewal"): the operator (or
 * its import job) posts the records the JPKI platform operator supplies; each record gets its own outcome.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { ingestRenewals, type RenewalRecord } from '../../app/renewal.js';
import { renewalsPerBatchMax } from '../../domain/limits.js';
import { operatorAuth } from '../plugins/auth.js';
import { errorResponses, IdempotencyHeaders, operatorSecurity } from '../schemas.js';

const tags = ['operator'];
const security = operatorSecurity;

const CertificateRefSchema = Type.Object(
  {
    issuerNameDer: Type.String({
      pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
      minLength: 4,
      maxLength: 1024,
      description: 'base64 of the DER of the issuer Name, as in the certificate',
    }),
    serialHex: Type.String({ pattern: '^([0-9a-fA-F]{2}){1,32}$', description: 'the serial in whole bytes of hex' }),
  },
  { additionalProperties: false },
);

const RenewalRecordSchema = Type.Object(
  {
    old: CertificateRefSchema,
    new: CertificateRefSchema,
    oldRevocationReason: Type.Union(
      [
        Type.Literal('unspecified'),
        Type.Literal('keyCompromise'),
        Type.Literal('cACompromise'),
        Type.Literal('affiliationChanged'),
        Type.Literal('superseded'),
        Type.Literal('cessationOfOperation'),
        Type.Literal('certificateHold'),
        Type.Literal('removeFromCRL'),
        Type.Literal('privilegeWithdrawn'),
        Type.Literal('aACompromise'),
      ],
      { description: 'RFC 5280 reason of the old certificate (superseded for a renewal, keyCompromise for a lost card, …)' },
    ),
  },
  { additionalProperties: false },
);

const RenewalResultSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    outcome: Type.Union([
      Type.Literal('pending'),
      Type.Literal('old_unknown'),
      Type.Literal('linked'),
      Type.Literal('merged'),
      Type.Literal('conflict'),
      Type.Literal('already_recorded'),
      Type.Literal('contradicts'),
    ]),
    mykeyId: Type.Optional(Type.String()),
    retiredMykeyId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export function registerRenewalRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', operatorAuth(ctx, operatorToken));

    app.post('/v1/operator/renewals', {
      config: { idempotent: true, staffRoles: staffAccess.operatorAdmin },
      schema: {
        tags,
        security,
        summary: 'Ingest certificate renewal records (old certificate → new certificate of the same person)',
        headers: IdempotencyHeaders,
        body: Type.Object({ records: Type.Array(RenewalRecordSchema, { minItems: 1, maxItems: renewalsPerBatchMax }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ results: Type.Array(RenewalResultSchema) }, { additionalProperties: false }), ...errorResponses(400, 401) },
      },
      handler: async (request) => {
        const records: RenewalRecord[] = request.body.records.map((record) => ({
          old: { issuerNameDer: Buffer.from(record.old.issuerNameDer, 'base64'), serialHex: record.old.serialHex },
          new: { issuerNameDer: Buffer.from(record.new.issuerNameDer, 'base64'), serialHex: record.new.serialHex },
          oldRevocationReason: record.oldRevocationReason,
        }));
        return ingestRenewals(ctx, request.actor!, records);
      },
    });
  });
}
