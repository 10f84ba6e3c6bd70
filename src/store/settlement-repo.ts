/**
 * Settlement reads of the ledger (a provider's month in feed order, its grants by id, acknowledgement times) and the
 * stored statements and reconciliation reports, each numbered by revision per provider and month.
 */
import type { LedgerGrant, ReconciliationResult } from '../domain/reconciliation.js';
import type { SettlementLine, Statement } from '../domain/settlement.js';
import type { Tx } from './db.js';

/** The provider's feed head (its last feed position), or undefined when there is no such provider. */
export async function findFeedHead(tx: Tx, providerId: string): Promise<number | undefined> {
  const row = await tx.db.selectFrom('provider_feed_heads').select('last_seq').where('provider_id', '=', providerId).executeTakeFirst();
  return row?.last_seq;
}

export interface MonthQuery {
  providerId: string;
  startsAtMs: number;
  endsAtMs: number;
  throughSeq: number;
}

/** The lowest and highest feed positions of the provider's entries created in [startsAtMs, endsAtMs), up to throughSeq. */
async function monthSeqRange(tx: Tx, query: MonthQuery): Promise<{ minSeq: number; maxSeq: number } | undefined> {
  const row = await tx.db
    .selectFrom('ledger_entries')
    .select(({ fn }) => [fn.min<number>('provider_seq').as('minSeq'), fn.max<number>('provider_seq').as('maxSeq')])
    .where('provider_id', '=', query.providerId)
    .where('created_at_ms', '>=', query.startsAtMs)
    .where('created_at_ms', '<', query.endsAtMs)
    .where('provider_seq', '<=', query.throughSeq)
    .executeTakeFirstOrThrow();
  // Aggregates come back as numbers, strings or null depending on the engine.
  return row.minSeq === null ? undefined : { minSeq: Number(row.minSeq), maxSeq: Number(row.maxSeq) };
}

/**
 * The provider's ledger lines created in the period up to throughSeq, in feed order, page by page (keyset on the
 * feed position, within the month's range of positions, so each page is one index range).
 */
export async function* monthLinePages(tx: Tx, query: MonthQuery, pageSize: number): AsyncGenerator<SettlementLine[]> {
  const range = await monthSeqRange(tx, query);
  if (range === undefined) return;
  let afterSeq = range.minSeq - 1;
  for (;;) {
    const rows = await tx.db
      .selectFrom('ledger_entries as l')
      .leftJoin('grant_acks as k', 'k.ledger_entry_id', 'l.id')
      .select(['l.id as grantId', 'l.provider_seq as seq', 'l.campaign_id as campaignId', 'l.points', 'l.created_at_ms as createdAtMs', 'k.acked_at_ms as ackedAtMs'])
      .where('l.provider_id', '=', query.providerId)
      .where('l.provider_seq', '>', afterSeq)
      .where('l.provider_seq', '<=', range.maxSeq)
      .where('l.created_at_ms', '>=', query.startsAtMs)
      .where('l.created_at_ms', '<', query.endsAtMs)
      .orderBy('l.provider_seq')
      .limit(pageSize)
      .execute();
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    afterSeq = rows.at(-1)!.seq;
  }
}

/** The provider's own ledger entries among these ids, up to throughSeq (ids of other providers are absent). */
export async function findOwnGrants(tx: Tx, providerId: string, grantIds: readonly string[], throughSeq: number): Promise<LedgerGrant[]> {
  const grants: LedgerGrant[] = [];
  // Chunks keep each statement far below both engines' limits on bound parameters.
  for (let start = 0; start < grantIds.length; start += 1_000) {
    const rows = await tx.db
      .selectFrom('ledger_entries as l')
      .leftJoin('grant_acks as k', 'k.ledger_entry_id', 'l.id')
      .select(['l.id as grantId', 'l.provider_seq as seq', 'l.campaign_id as campaignId', 'l.points', 'l.created_at_ms as createdAtMs', 'k.acked_at_ms as ackedAtMs'])
      .where('l.provider_id', '=', providerId)
      .where('l.provider_seq', '<=', throughSeq)
      .where('l.id', 'in', grantIds.slice(start, start + 1_000))
      .execute();
    grants.push(...rows.map(({ ackedAtMs, ...grant }) => ({ ...grant, acknowledged: ackedAtMs !== null })));
  }
  return grants;
}

/** When each of these grants was acknowledged (unacknowledged ones are absent). */
export async function findAckTimes(tx: Tx, grantIds: readonly string[]): Promise<Map<string, number>> {
  if (grantIds.length === 0) return new Map();
  const rows = await tx.db.selectFrom('grant_acks').select(['ledger_entry_id as grantId', 'acked_at_ms as ackedAtMs']).where('ledger_entry_id', 'in', grantIds).execute();
  return new Map(rows.map((row) => [row.grantId, row.ackedAtMs]));
}

export interface StoredStatement {
  revision: number;
  statement: Statement;
  createdBy: string;
  createdAtMs: number;
}

/** The next revision number of a provider's month in a revisioned table. */
async function nextRevision(tx: Tx, table: 'settlement_statements' | 'settlement_reconciliations', providerId: string, month: string): Promise<number> {
  const row = await tx.db
    .selectFrom(table)
    .select(({ fn }) => fn.max<number>('revision').as('revision'))
    .where('provider_id', '=', providerId)
    .where('month', '=', month)
    .executeTakeFirstOrThrow();
  return row.revision === null ? 1 : Number(row.revision) + 1;
}

/** Stores a statement as the next revision of its provider and month; returns the revision. */
export async function insertStatement(tx: Tx, input: { statement: Statement; createdBy: string; nowMs: number }): Promise<number> {
  const { statement } = input;
  const revision = await nextRevision(tx, 'settlement_statements', statement.providerId, statement.month);
  await tx.db
    .insertInto('settlement_statements')
    .values({
      provider_id: statement.providerId,
      month: statement.month,
      revision,
      as_of_ms: statement.asOfMs,
      subsidy_yen: statement.total.subsidyYen,
      statement: JSON.stringify(statement),
      created_by: input.createdBy,
      created_at_ms: input.nowMs,
    })
    .execute();
  return revision;
}

/** A revision of the provider's month, or the newest when `revision` is undefined. */
export async function findStatement(tx: Tx, providerId: string, month: string, revision: number | undefined): Promise<StoredStatement | undefined> {
  let query = tx.db
    .selectFrom('settlement_statements')
    .select(['revision', 'statement', 'created_by as createdBy', 'created_at_ms as createdAtMs'])
    .where('provider_id', '=', providerId)
    .where('month', '=', month);
  if (revision !== undefined) query = query.where('revision', '=', revision);
  const row = await query.orderBy('revision', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? undefined : { ...row, statement: JSON.parse(row.statement) as Statement };
}

export interface StatementSummary {
  providerId: string;
  month: string;
  revision: number;
  asOfMs: number;
  subsidyYen: number;
  createdBy: string;
  createdAtMs: number;
}

/** The position of a statement in the list order (provider, month, revision). */
export interface StatementKey {
  providerId: string;
  month: string;
  revision: number;
}

/** Statements in (provider, month, revision) order after `after`, optionally of one provider and/or month. */
export async function listStatements(
  tx: Tx,
  input: { providerId?: string; month?: string; after?: StatementKey; limit: number },
): Promise<StatementSummary[]> {
  let query = tx.db
    .selectFrom('settlement_statements')
    .select(['provider_id as providerId', 'month', 'revision', 'as_of_ms as asOfMs', 'subsidy_yen as subsidyYen', 'created_by as createdBy', 'created_at_ms as createdAtMs']);
  if (input.providerId !== undefined) query = query.where('provider_id', '=', input.providerId);
  if (input.month !== undefined) query = query.where('month', '=', input.month);
  const after = input.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('provider_id', '>', after.providerId),
        eb.and([eb('provider_id', '=', after.providerId), eb('month', '>', after.month)]),
        eb.and([eb('provider_id', '=', after.providerId), eb('month', '=', after.month), eb('revision', '>', after.revision)]),
      ]),
    );
  }
  return query.orderBy('provider_id').orderBy('month').orderBy('revision').limit(input.limit).execute();
}

export interface StoredReconciliation {
  revision: number;
  report: ReconciliationReport;
  createdAtMs: number;
}

/** What a reconciliation compared and found. */
export interface ReconciliationReport extends ReconciliationResult {
  providerId: string;
  month: string;
  timeZone: string;
  /** The provider's feed head when the upload was compared: ledger lines after it were not committed yet. */
  throughSeq: number;
}

export async function insertReconciliation(tx: Tx, input: { report: ReconciliationReport; nowMs: number }): Promise<number> {
  const { report } = input;
  const revision = await nextRevision(tx, 'settlement_reconciliations', report.providerId, report.month);
  await tx.db
    .insertInto('settlement_reconciliations')
    .values({ provider_id: report.providerId, month: report.month, revision, report: JSON.stringify(report), created_at_ms: input.nowMs })
    .execute();
  return revision;
}

export async function findReconciliation(tx: Tx, providerId: string, month: string, revision: number | undefined): Promise<StoredReconciliation | undefined> {
  let query = tx.db
    .selectFrom('settlement_reconciliations')
    .select(['revision', 'report', 'created_at_ms as createdAtMs'])
    .where('provider_id', '=', providerId)
    .where('month', '=', month);
  if (revision !== undefined) query = query.where('revision', '=', revision);
  const row = await query.orderBy('revision', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? undefined : { ...row, report: JSON.parse(row.report) as ReconciliationReport };
}
