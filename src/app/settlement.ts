/**
 * Settlement use cases (docs/settlement.md): the operator runs a provider's statement for a month (each run a new
 * revision, audited); operator and provider read statements; the provider uploads what it credited and gets a
 * line-by-line reconciliation report. The figures come from the pure core (src/domain/settlement.ts,
 * src/domain/reconciliation.ts), fed with the ledger page by page.
 */
import assert from 'node:assert/strict';
import { monthBoundsMs } from '../domain/calendar.js';
import { settlementAsOfLagMs, settlementLinesPageMax } from '../domain/limits.js';
import { looksLikeMyNumber } from '../domain/my-number.js';
import { reconcileCredits, type CreditedLine, type LedgerGrant } from '../domain/reconciliation.js';
import { fail, ok, type Result } from '../domain/result.js';
import { defaultSettlementTimeZone, StatementBuilder } from '../domain/settlement.js';
import { appendAudit } from '../store/audit-repo.js';
import { lockChain, type Tx } from '../store/db.js';
import {
  findFeedHead,
  findOwnGrants,
  findReconciliation,
  findStatement,
  insertReconciliation,
  insertStatement,
  listStatements,
  monthLinePages,
  type MonthQuery,
  type StatementKey,
  type StatementSummary,
  type StoredReconciliation,
  type StoredStatement,
} from '../store/settlement-repo.js';
import type { AppContext } from './context.js';

/** Serialises the numbering of statement and reconciliation revisions on PostgreSQL. */
const settlementLockId = 0x736c7474; // "sltt"

/** The zone whose calendar the platform's own months and days are counted in (statements, the dashboard). */
export function settlementTimeZoneOf(ctx: AppContext): string {
  return ctx.settlementTimeZone ?? defaultSettlementTimeZone;
}

/**
 * Runs a statement of the provider's month as of an instant (default: a minute ago, the latest allowed) and stores
 * it as the month's next revision, audited in the same transaction. Codes: settlement_as_of_too_recent,
 * settlement_period_not_started (the month begins after asOf), provider_not_found.
 *
 * @example
 * const run = await runSettlement(ctx, 'operator', { providerId: 'demo-pay', month: '2026-11' });
 * if (run.ok) run.value.statement.total.subsidyYen;
 */
export async function runSettlement(
  ctx: AppContext,
  actor: string,
  input: { providerId: string; month: string; asOfMs?: number },
): Promise<Result<StoredStatement, 'settlement_as_of_too_recent' | 'settlement_period_not_started' | 'provider_not_found'>> {
  const nowMs = ctx.clock.nowMs();
  const latestAsOfMs = nowMs - settlementAsOfLagMs;
  const asOfMs = input.asOfMs ?? latestAsOfMs;
  if (asOfMs > latestAsOfMs) return fail('settlement_as_of_too_recent', `asOf must be at least ${settlementAsOfLagMs / 1000} s in the past`, 'asOf');
  const timeZone = settlementTimeZoneOf(ctx);
  const period = monthBoundsMs(input.month, timeZone);
  if (asOfMs < period.startsAtMs) return fail('settlement_period_not_started', `${input.month} (${timeZone}) begins after asOf`, 'month');
  return ctx.store.transaction(async (tx) => {
    await lockChain(tx, settlementLockId);
    const throughSeq = await findFeedHead(tx, input.providerId);
    if (throughSeq === undefined) return fail('provider_not_found', 'no such provider', 'providerId');
    const builder = new StatementBuilder({ providerId: input.providerId, month: input.month, timeZone, asOfMs, throughSeq });
    for await (const page of monthLinePages(tx, { providerId: input.providerId, ...period, throughSeq }, settlementLinesPageMax)) {
      const added = builder.add(page);
      assert.ok(added.ok, 'the store pages the ledger in feed order');
    }
    const statement = builder.finish();
    const revision = await insertStatement(tx, { statement, createdBy: actor, nowMs });
    await appendAudit(tx, {
      atMs: nowMs,
      actor,
      action: 'settlement.run',
      subject: input.providerId,
      details: { month: input.month, revision, timeZone, asOfMs, throughSeq, entries: statement.feed.entries, linesSha256: statement.feed.linesSha256, subsidyYen: statement.total.subsidyYen },
    });
    return ok({ revision, statement, createdBy: actor, createdAtMs: nowMs });
  });
}

/** A revision of the provider's statement for the month (the newest by default). Codes: settlement_not_found. */
export async function readStatement(ctx: AppContext, providerId: string, month: string, revision?: number): Promise<Result<StoredStatement, 'settlement_not_found'>> {
  const stored = await ctx.store.transaction((tx) => findStatement(tx, providerId, month, revision));
  if (stored === undefined) return fail('settlement_not_found', `no statement${revision === undefined ? '' : ` revision ${revision}`} for ${month}`, 'month');
  return ok(stored);
}

const cursorPrefix = 's1:';

function encodeStatementCursor(key: StatementKey): string {
  return Buffer.from(`${cursorPrefix}${JSON.stringify([key.providerId, key.month, key.revision])}`).toString('base64url');
}

function decodeStatementCursor(cursor: string): StatementKey | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(cursorPrefix)) return undefined;
  try {
    const [providerId, month, revision] = JSON.parse(text.slice(cursorPrefix.length)) as unknown[];
    if (typeof providerId !== 'string' || typeof month !== 'string' || !Number.isSafeInteger(revision)) return undefined;
    const key = { providerId, month, revision: revision as number };
    return encodeStatementCursor(key) === cursor ? key : undefined;
  } catch {
    return undefined;
  }
}

export interface StatementPage {
  data: StatementSummary[];
  hasMore: boolean;
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Statements in (provider, month, revision) order, optionally of one provider and/or month. Codes: cursor_invalid. */
export async function listSettlementStatements(
  ctx: AppContext,
  input: { providerId?: string; month?: string; after?: string; limit: number },
): Promise<Result<StatementPage, 'cursor_invalid'>> {
  const after = input.after === undefined ? undefined : decodeStatementCursor(input.after);
  if (input.after !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not produced by this list', 'after');
  const rows = await ctx.store.transaction((tx) =>
    listStatements(tx, {
      ...(input.providerId === undefined ? {} : { providerId: input.providerId }),
      ...(input.month === undefined ? {} : { month: input.month }),
      ...(after === undefined ? {} : { after }),
      limit: input.limit + 1,
    }),
  );
  const data = rows.slice(0, input.limit);
  const hasMore = rows.length > input.limit;
  const last = data.at(-1);
  return ok({ data, hasMore, nextCursor: hasMore && last !== undefined ? encodeStatementCursor(last) : null });
}

async function monthLedger(tx: Tx, query: MonthQuery): Promise<LedgerGrant[]> {
  const grants: LedgerGrant[] = [];
  for await (const page of monthLinePages(tx, query, settlementLinesPageMax)) {
    grants.push(...page.map(({ ackedAtMs, ...line }) => ({ ...line, acknowledged: ackedAtMs !== null })));
  }
  return grants;
}

/**
 * Compares what the provider credited with its ledger lines of the month (everything committed now) and stores the
 * report as the month's next reconciliation revision. Codes: national_id_number_refused (a grant id that looks like
 * a My Number is refused, never stored), settlement_period_not_started.
 *
 * @example
 * const report = await reconcileMonth(ctx, 'demo-pay', '2026-11', [{ grantId, points: 500, creditedAt: '2026-11-28T10:00:00+09:00' }]);
 */
export async function reconcileMonth(
  ctx: AppContext,
  providerId: string,
  month: string,
  credited: readonly CreditedLine[],
): Promise<Result<StoredReconciliation, 'national_id_number_refused' | 'settlement_period_not_started'>> {
  const refusedIndex = credited.findIndex((line) => looksLikeMyNumber(line.grantId));
  if (refusedIndex !== -1) return fail('national_id_number_refused', 'a grant id looks like a My Number', `lines[${refusedIndex}].grantId`);
  const nowMs = ctx.clock.nowMs();
  const timeZone = settlementTimeZoneOf(ctx);
  const period = monthBoundsMs(month, timeZone);
  if (nowMs < period.startsAtMs) return fail('settlement_period_not_started', `${month} (${timeZone}) has not begun`, 'month');
  return ctx.store.transaction(async (tx) => {
    await lockChain(tx, settlementLockId);
    const throughSeq = await findFeedHead(tx, providerId);
    assert.ok(throughSeq !== undefined, 'an authenticated provider has a feed');
    const monthLines = await monthLedger(tx, { providerId, ...period, throughSeq });
    const inMonth = new Set(monthLines.map((line) => line.grantId));
    const otherIds = [...new Set(credited.map((line) => line.grantId).filter((id) => !inMonth.has(id)))];
    const outside = await findOwnGrants(tx, providerId, otherIds, throughSeq);
    const result = reconcileCredits({ monthLines, ownGrantsOutside: new Map(outside.map((grant) => [grant.grantId, grant])), credited, timeZone });
    const report = { providerId, month, timeZone, throughSeq, ...result };
    const revision = await insertReconciliation(tx, { report, nowMs });
    return ok({ revision, report, createdAtMs: nowMs });
  });
}

/** A reconciliation report of the provider's month (the newest by default). Codes: reconciliation_not_found. */
export async function readReconciliation(ctx: AppContext, providerId: string, month: string, revision?: number): Promise<Result<StoredReconciliation, 'reconciliation_not_found'>> {
  const stored = await ctx.store.transaction((tx) => findReconciliation(tx, providerId, month, revision));
  if (stored === undefined) return fail('reconciliation_not_found', `no reconciliation${revision === undefined ? '' : ` revision ${revision}`} for ${month}`, 'month');
  return ok(stored);
}
