/**
 * The settlement statement as a document (JSON): what the API serves, what a provider keeps, and what
 * `mykey settle verify` recomputes. Instants are ISO 8601 with the settlement zone's offset; everything else is
 * the Statement of src/domain/settlement.ts plus its revision and when it was made. Also the reconciliation
 * report's schema, and the CSV and HTML renderings live in settlement-formats.ts.
 */
import { Type, type Static } from 'typebox';
import { Check } from 'typebox/value';
import { isoInZone } from '../domain/calendar.js';
import { differenceKinds } from '../domain/reconciliation.js';
import { fail, ok, type Result } from '../domain/result.js';
import { figureNames, pointValueYen, type Figures, type Statement } from '../domain/settlement.js';
import type { ReconciliationReport, StoredReconciliation, StoredStatement } from '../store/settlement-repo.js';

export const statementFormat = 'mykey-settlement-statement/1';

const isoInstant = Type.String({ format: 'date-time' });
const count = Type.Integer({ minimum: 0 });

function figureSchema(name: (typeof figureNames)[number]) {
  if (name.endsWith('Count')) return count;
  return name.endsWith('ClawbacksPoints') || name === 'clawbacksPoints' ? Type.Integer({ maximum: 0, description: 'Points taken back: zero or negative.' }) : Type.Integer();
}

const figureProperties = Object.fromEntries(figureNames.map((name) => [name, figureSchema(name)])) as Record<(typeof figureNames)[number], ReturnType<typeof Type.Integer>>;

export const FiguresSchema = Type.Object(figureProperties, { additionalProperties: false });

export const StatementDocumentSchema = Type.Object(
  {
    format: Type.Literal(statementFormat),
    providerId: Type.String(),
    month: Type.String({ pattern: '^2\\d{3}-(0[1-9]|1[0-2])$', description: 'YYYY-MM in timeZone.' }),
    revision: Type.Integer({ minimum: 1, description: 'Each run of the month is a new revision; the newest is in force.' }),
    timeZone: Type.String({ description: 'The settlement time zone (IANA) whose calendar month this is.' }),
    periodStart: isoInstant,
    periodEnd: isoInstant,
    asOf: Type.String({ format: 'date-time', description: 'Acknowledgements at or before this instant count.' }),
    throughSeq: Type.Integer({ minimum: 0, description: 'Feed position up to which entries are covered (the feed head when the statement was made).' }),
    createdAt: isoInstant,
    pointValueYen: Type.Literal(pointValueYen),
    feed: Type.Object(
      {
        entries: count,
        firstSeq: Type.Union([Type.Integer(), Type.Null()]),
        lastSeq: Type.Union([Type.Integer(), Type.Null()]),
        linesSha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the canonical lines in feed order (docs/settlement.md).' }),
      },
      { additionalProperties: false },
    ),
    total: FiguresSchema,
    campaigns: Type.Array(Type.Object({ campaignId: Type.String(), ...figureProperties }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type StatementDocument = Static<typeof StatementDocumentSchema>;

function figuresOf(source: Figures): Figures {
  return Object.fromEntries(figureNames.map((name) => [name, source[name]])) as unknown as Figures;
}

/** The document of a stored statement. */
export function statementDocument(stored: StoredStatement): StatementDocument {
  const { statement } = stored;
  const iso = (ms: number): string => isoInZone(ms, statement.timeZone);
  return {
    format: statementFormat,
    providerId: statement.providerId,
    month: statement.month,
    revision: stored.revision,
    timeZone: statement.timeZone,
    periodStart: iso(statement.periodStartsAtMs),
    periodEnd: iso(statement.periodEndsAtMs),
    asOf: iso(statement.asOfMs),
    throughSeq: statement.throughSeq,
    createdAt: iso(stored.createdAtMs),
    pointValueYen,
    feed: { ...statement.feed },
    total: figuresOf(statement.total),
    campaigns: statement.campaigns.map(({ campaignId, ...figures }) => ({ campaignId, ...figuresOf(figures) })),
  };
}

/**
 * Reads a statement document (e.g. a file a provider saved) back into the Statement it states, with its revision.
 * Codes: statement_malformed when it is not a statement document of this format.
 */
export function parseStatementDocument(value: unknown): Result<{ statement: Statement; revision: number }, 'statement_malformed'> {
  if (!Check(StatementDocumentSchema, value)) return fail('statement_malformed', `not a ${statementFormat} document`);
  const instants = [value.periodStart, value.periodEnd, value.asOf].map((text) => Date.parse(text));
  if (instants.some((ms) => !Number.isSafeInteger(ms))) return fail('statement_malformed', 'an instant is not valid');
  const [periodStartsAtMs, periodEndsAtMs, asOfMs] = instants as [number, number, number];
  return ok({
    revision: value.revision,
    statement: {
      providerId: value.providerId,
      month: value.month,
      timeZone: value.timeZone,
      asOfMs,
      throughSeq: value.throughSeq,
      periodStartsAtMs,
      periodEndsAtMs,
      feed: value.feed,
      total: figuresOf(value.total),
      campaigns: value.campaigns.map(({ campaignId, ...figures }) => ({ campaignId, ...figuresOf(figures) })),
    },
  });
}

export const StatementSummarySchema = Type.Object({
  providerId: Type.String(),
  month: Type.String(),
  revision: Type.Integer(),
  asOf: isoInstant,
  subsidyYen: Type.Integer(),
  createdAt: isoInstant,
});

const tally = { count, points: Type.Integer() };

export const ReconciliationDocumentSchema = Type.Object(
  {
    providerId: Type.String(),
    month: Type.String(),
    revision: Type.Integer({ minimum: 1, description: 'Each upload of the month is a new report.' }),
    timeZone: Type.String(),
    throughSeq: Type.Integer({ minimum: 0, description: 'Your feed head when the upload was compared.' }),
    createdAt: isoInstant,
    summary: Type.Object(
      {
        creditedLines: count,
        ledgerLines: count,
        matched: Type.Object({ ...tally, unacknowledgedCount: count }),
        missing: Type.Object(tally),
        unknown: Type.Object(tally),
        pointsMismatch: Type.Object({ ...tally, grantedPoints: Type.Integer() }),
        outsidePeriod: Type.Object(tally),
        duplicate: Type.Object(tally),
      },
      { additionalProperties: false },
    ),
    differences: Type.Array(
      Type.Object(
        {
          kind: Type.Enum(differenceKinds),
          grantId: Type.String(),
          line: Type.Optional(Type.Integer({ minimum: 1, description: 'Line of your upload (1-based).' })),
          creditedPoints: Type.Optional(Type.Integer()),
          creditedAt: Type.Optional(Type.String()),
          seq: Type.Optional(Type.Integer()),
          campaignId: Type.Optional(Type.String()),
          grantedPoints: Type.Optional(Type.Integer()),
          grantMonth: Type.Optional(Type.String()),
          acknowledged: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type ReconciliationDocument = Static<typeof ReconciliationDocumentSchema>;

/** The document of a stored reconciliation report. */
export function reconciliationDocument(stored: StoredReconciliation): ReconciliationDocument {
  const report: ReconciliationReport = stored.report;
  return {
    providerId: report.providerId,
    month: report.month,
    revision: stored.revision,
    timeZone: report.timeZone,
    throughSeq: report.throughSeq,
    createdAt: isoInZone(stored.createdAtMs, report.timeZone),
    summary: report.summary,
    differences: report.differences,
  };
}
