/**
 * Settlement API (docs/settlement.md). Operator: run a provider's monthly statement (a new revision each run,
 * audited), list and read statements and reconciliation reports. Provider (signed requests, its own data only):
 * read its statements as JSON, CSV or printable HTML, upload what it credited and read the reconciliation report.
 */
import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { listSettlementStatements, readReconciliation, readStatement, reconcileMonth, runSettlement } from '../../app/settlement.js';
import { eventIdCharsMax, pageMax, reconciliationBodyBytesMax, reconciliationLinesMax } from '../../domain/limits.js';
import type { StatementSummary, StoredStatement } from '../../store/settlement-repo.js';
import { sendFailure } from '../errors.js';
import { operatorAuth, providerAuth } from '../plugins/auth.js';
import { errorResponses, IdempotencyHeaders, isoOf, operatorSecurity, providerSecurity } from '../schemas.js';
import { ReconciliationDocumentSchema, reconciliationDocument, statementDocument, StatementDocumentSchema, StatementSummarySchema } from '../settlement-document.js';
import { statementCsv, statementHtml } from '../settlement-formats.js';

const slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$' });
const month = Type.String({ pattern: '^2\\d{3}-(0[1-9]|1[0-2])$', description: 'YYYY-MM in the settlement time zone.' });
const revision = Type.Optional(Type.Integer({ minimum: 1, description: 'A revision; the newest when absent.' }));

const StatementQuery = Type.Object(
  {
    revision,
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html')], { description: 'Wins over Accept (text/csv, text/html).' })),
  },
  { additionalProperties: false },
);

const StatementResponse = {
  description: 'The statement: JSON, or CSV / printable HTML when asked for',
  content: {
    'application/json': { schema: StatementDocumentSchema },
    'text/csv': { schema: Type.String() },
    'text/html': { schema: Type.String() },
  },
};

const ListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 400, description: 'nextCursor of the previous page.' })),
    limit: Type.Integer({ minimum: 1, maximum: pageMax, default: 100 }),
  },
  { additionalProperties: false },
);

const StatementPageSchema = Type.Object({
  data: Type.Array(StatementSummarySchema),
  hasMore: Type.Boolean(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

type Format = 'json' | 'csv' | 'html';

/** The format a statement is asked for: `?format=` wins, then Accept, then JSON. */
function formatOf(request: FastifyRequest, format: Format | undefined): Format {
  if (format !== undefined) return format;
  const accept = request.headers.accept ?? '';
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes('text/html')) return 'html';
  return 'json';
}

function sendStatement(request: FastifyRequest, reply: FastifyReply, stored: StoredStatement, format: Format | undefined) {
  const document = statementDocument(stored);
  switch (formatOf(request, format)) {
    case 'csv':
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="statement-${document.providerId}-${document.month}-r${document.revision}.csv"`)
        .send(statementCsv(document));
    case 'html':
      // The page has no script and loads nothing; the policy makes sure of it even if a value slipped an escape.
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('x-content-type-options', 'nosniff')
        .send(statementHtml(document));
    case 'json':
      return reply.type('application/json; charset=utf-8').send(document);
  }
}

function summaryView(summary: StatementSummary) {
  return { providerId: summary.providerId, month: summary.month, revision: summary.revision, asOf: isoOf(summary.asOfMs), subsidyYen: summary.subsidyYen, createdAt: isoOf(summary.createdAtMs) };
}

export function registerSettlementRoutes(parent: FastifyInstance, ctx: AppContext, operatorToken: string): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', operatorAuth(ctx, operatorToken));
    const tags = ['operator'];
    const security = operatorSecurity;

    app.post('/v1/operator/settlements', {
      config: { idempotent: true, staffRoles: staffAccess.settlement },
      schema: {
        tags,
        security,
        summary: 'Run a provider’s statement for a month (a new revision each run; audited)',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            providerId: slug,
            month,
            asOf: Type.Optional(Type.String({ format: 'date-time', description: 'Count acknowledgements up to here; at least a minute ago (the default).' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: StatementDocumentSchema, ...errorResponses(400, 401, 404, 409) },
      },
      handler: async (request, reply) => {
        const { providerId, asOf } = request.body;
        const run = await runSettlement(ctx, request.actor!, { providerId, month: request.body.month, ...(asOf === undefined ? {} : { asOfMs: Date.parse(asOf) }) });
        if (!run.ok) return sendFailure(request, reply, run);
        return reply.code(201).send(statementDocument(run.value));
      },
    });

    app.get('/v1/operator/settlements', {
      config: { staffRoles: staffAccess.settlement },
      schema: {
        tags,
        security,
        summary: 'Statements in provider, month and revision order',
        querystring: Type.Object({ ...ListQuery.properties, providerId: Type.Optional(slug), month: Type.Optional(month) }, { additionalProperties: false }),
        response: { 200: StatementPageSchema, ...errorResponses(400, 401) },
      },
      handler: async (request, reply) => {
        const { providerId, month: monthFilter, after, limit } = request.query;
        const page = await listSettlementStatements(ctx, {
          limit,
          ...(providerId === undefined ? {} : { providerId }),
          ...(monthFilter === undefined ? {} : { month: monthFilter }),
          ...(after === undefined ? {} : { after }),
        });
        if (!page.ok) return sendFailure(request, reply, page);
        return { ...page.value, data: page.value.data.map(summaryView) };
      },
    });

    app.get('/v1/operator/settlements/:providerId/:month', {
      config: { staffRoles: staffAccess.settlement },
      schema: {
        tags,
        security,
        summary: 'A provider’s statement for a month (JSON, CSV or printable HTML)',
        params: Type.Object({ providerId: slug, month }),
        querystring: StatementQuery,
        response: { 200: StatementResponse, ...errorResponses(400, 401, 404) },
      },
      handler: async (request, reply) => {
        const stored = await readStatement(ctx, request.params.providerId, request.params.month, request.query.revision);
        if (!stored.ok) return sendFailure(request, reply, stored);
        return sendStatement(request, reply, stored.value, request.query.format);
      },
    });

    app.get('/v1/operator/settlements/:providerId/:month/reconciliation', {
      config: { staffRoles: staffAccess.settlement },
      schema: {
        tags,
        security,
        summary: 'A provider’s reconciliation report for a month',
        params: Type.Object({ providerId: slug, month }),
        querystring: Type.Object({ revision }, { additionalProperties: false }),
        response: { 200: ReconciliationDocumentSchema, ...errorResponses(400, 401, 404) },
      },
      handler: async (request, reply) => {
        const stored = await readReconciliation(ctx, request.params.providerId, request.params.month, request.query.revision);
        if (!stored.ok) return sendFailure(request, reply, stored);
        return reconciliationDocument(stored.value);
      },
    });
  });

  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', providerAuth(ctx));
    const tags = ['provider'];
    const security = providerSecurity;

    app.get('/v1/provider/settlements', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Your settlement statements, by month and revision',
        querystring: ListQuery,
        response: { 200: StatementPageSchema, ...errorResponses(400, 401) },
      },
      handler: async (request, reply) => {
        const { after, limit } = request.query;
        const page = await listSettlementStatements(ctx, { providerId: request.providerId!, limit, ...(after === undefined ? {} : { after }) });
        if (!page.ok) return sendFailure(request, reply, page);
        return { ...page.value, data: page.value.data.map(summaryView) };
      },
    });

    app.get('/v1/provider/settlements/:month', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Your statement for a month: JSON, CSV (Accept: text/csv or ?format=csv) or printable HTML (?format=html)',
        params: Type.Object({ month }),
        querystring: StatementQuery,
        response: { 200: StatementResponse, ...errorResponses(400, 401, 404) },
      },
      handler: async (request, reply) => {
        const stored = await readStatement(ctx, request.providerId!, request.params.month, request.query.revision);
        if (!stored.ok) return sendFailure(request, reply, stored);
        return sendStatement(request, reply, stored.value, request.query.format);
      },
    });

    app.post('/v1/provider/settlements/:month/reconciliation', {
      config: { idempotent: true, staffRoles: staffAccess.providerData },
      bodyLimit: reconciliationBodyBytesMax,
      schema: {
        tags,
        security,
        summary: `Upload what you credited for a month (up to ${reconciliationLinesMax.toLocaleString('en-US')} lines) and get the line-by-line differences`,
        headers: IdempotencyHeaders,
        params: Type.Object({ month }),
        body: Type.Object(
          {
            lines: Type.Array(
              Type.Object(
                {
                  grantId: Type.String({ minLength: 1, maxLength: eventIdCharsMax }),
                  points: Type.Integer({ minimum: -100_000_000, maximum: 100_000_000, description: 'Negative for a clawback you took back.' }),
                  creditedAt: Type.String({ format: 'date-time', maxLength: 40 }),
                },
                { additionalProperties: false },
              ),
              { maxItems: reconciliationLinesMax },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: ReconciliationDocumentSchema, ...errorResponses(400, 401, 409, 413) },
      },
      handler: async (request, reply) => {
        const result = await reconcileMonth(ctx, request.providerId!, request.params.month, request.body.lines);
        if (!result.ok) return sendFailure(request, reply, result);
        return reply.code(201).send(reconciliationDocument(result.value));
      },
    });

    app.get('/v1/provider/settlements/:month/reconciliation', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Your reconciliation report for a month (the newest upload by default)',
        params: Type.Object({ month }),
        querystring: Type.Object({ revision }, { additionalProperties: false }),
        response: { 200: ReconciliationDocumentSchema, ...errorResponses(400, 401, 404) },
      },
      handler: async (request, reply) => {
        const stored = await readReconciliation(ctx, request.providerId!, request.params.month, request.query.revision);
        if (!stored.ok) return sendFailure(request, reply, stored);
        return reconciliationDocument(stored.value);
      },
    });
  });
}
