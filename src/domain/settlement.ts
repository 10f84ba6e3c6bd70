/**
 * Settlement maths (DESIGN.md §2.7, DOMAIN.md §3.5): a provider's statement for one calendar month, computed from
 * its ledger lines alone, so that anyone holding the same lines (the provider's grant feed) recomputes the same
 * statement. The figures are sums over lines, so they do not depend on the order of the lines or on how they are
 * split into pages; the digest is over the lines in feed order and proves which lines were seen.
 *
 * A statement covers the provider's ledger entries created in the month (in the settlement time zone) at feed
 * positions up to `throughSeq` (the feed head when the statement was made), and counts an entry as acknowledged
 * when the provider acknowledged it at or before `asOfMs`. The subsidy owed is the acknowledged net points of those
 * entries, one yen per point. Breakage (失効率) is not deducted: docs/settlement.md says why.
 */
import { createHash, type Hash } from 'node:crypto';
import { isKnownTimeZone, isMonth, monthBoundsMs } from './calendar.js';
import { fail, ok, type Result } from './result.js';

/** What one point is worth to the provider claiming the subsidy. */
export const pointValueYen = 1;

/** The settlement time zone of a deployment that sets none (MYKEY_SETTLEMENT_TIME_ZONE). */
export const defaultSettlementTimeZone = 'Asia/Tokyo';

/** One ledger entry as settlement sees it (a grant, or a clawback when points are negative). */
export interface SettlementLine {
  grantId: string;
  /** Position in the provider's grant feed. */
  seq: number;
  campaignId: string;
  points: number;
  createdAtMs: number;
  /** When the provider acknowledged it, or null when it has not. */
  ackedAtMs: number | null;
}

/** What a statement is computed for; with the ledger, these determine it. */
export interface SettlementParams {
  providerId: string;
  /** `YYYY-MM` in `timeZone`. */
  month: string;
  timeZone: string;
  /** Acknowledgements at or before this instant count. */
  asOfMs: number;
  /** Entries at feed positions after this one are left out (they were not committed when the statement was made). */
  throughSeq: number;
}

/** Counts and point sums; clawback points are negative. Every field is a sum over lines. */
export interface Figures {
  grantsCount: number;
  grantsPoints: number;
  clawbacksCount: number;
  clawbacksPoints: number;
  netPoints: number;
  acknowledgedGrantsCount: number;
  acknowledgedGrantsPoints: number;
  acknowledgedClawbacksCount: number;
  acknowledgedClawbacksPoints: number;
  acknowledgedNetPoints: number;
  unacknowledgedGrantsCount: number;
  unacknowledgedGrantsPoints: number;
  unacknowledgedClawbacksCount: number;
  unacknowledgedClawbacksPoints: number;
  unacknowledgedNetPoints: number;
  /** acknowledgedNetPoints × pointValueYen; negative when acknowledged clawbacks outweigh grants (owed back). */
  subsidyYen: number;
}

export const figureNames = [
  'grantsCount',
  'grantsPoints',
  'clawbacksCount',
  'clawbacksPoints',
  'netPoints',
  'acknowledgedGrantsCount',
  'acknowledgedGrantsPoints',
  'acknowledgedClawbacksCount',
  'acknowledgedClawbacksPoints',
  'acknowledgedNetPoints',
  'unacknowledgedGrantsCount',
  'unacknowledgedGrantsPoints',
  'unacknowledgedClawbacksCount',
  'unacknowledgedClawbacksPoints',
  'unacknowledgedNetPoints',
  'subsidyYen',
] as const satisfies ReadonlyArray<keyof Figures>;
const everyFigureNamed: [Exclude<keyof Figures, (typeof figureNames)[number]>] extends [never] ? true : false = true;
void everyFigureNamed;

export interface FeedRange {
  /** How many entries the statement covers. */
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** sha256 (hex) of the canonical lines in feed order: see `canonicalLine`. */
  linesSha256: string;
}

export interface Statement extends SettlementParams {
  periodStartsAtMs: number;
  periodEndsAtMs: number;
  feed: FeedRange;
  total: Figures;
  /** One row per campaign with entries, by campaign id. */
  campaigns: Array<{ campaignId: string } & Figures>;
}

export function zeroFigures(): Figures {
  return {
    grantsCount: 0,
    grantsPoints: 0,
    clawbacksCount: 0,
    clawbacksPoints: 0,
    netPoints: 0,
    acknowledgedGrantsCount: 0,
    acknowledgedGrantsPoints: 0,
    acknowledgedClawbacksCount: 0,
    acknowledgedClawbacksPoints: 0,
    acknowledgedNetPoints: 0,
    unacknowledgedGrantsCount: 0,
    unacknowledgedGrantsPoints: 0,
    unacknowledgedClawbacksCount: 0,
    unacknowledgedClawbacksPoints: 0,
    unacknowledgedNetPoints: 0,
    subsidyYen: 0,
  };
}

/** Field-wise sum: statements add up. */
export function sumFigures(a: Figures, b: Figures): Figures {
  const sum = zeroFigures();
  for (const name of figureNames) sum[name] = a[name] + b[name];
  return sum;
}

/**
 * Adds one line to figures in place (the builder's hot loop: no object per line). A line of 0 points (none is
 * written today) counts as neither a grant nor a clawback.
 */
function addLine(figures: Figures, line: SettlementLine, asOfMs: number): void {
  const { points } = line;
  if (points === 0) return;
  const acknowledged = line.ackedAtMs !== null && line.ackedAtMs <= asOfMs;
  figures.netPoints += points;
  if (points > 0) {
    figures.grantsCount += 1;
    figures.grantsPoints += points;
    if (acknowledged) {
      figures.acknowledgedGrantsCount += 1;
      figures.acknowledgedGrantsPoints += points;
    } else {
      figures.unacknowledgedGrantsCount += 1;
      figures.unacknowledgedGrantsPoints += points;
    }
  } else {
    figures.clawbacksCount += 1;
    figures.clawbacksPoints += points;
    if (acknowledged) {
      figures.acknowledgedClawbacksCount += 1;
      figures.acknowledgedClawbacksPoints += points;
    } else {
      figures.unacknowledgedClawbacksCount += 1;
      figures.unacknowledgedClawbacksPoints += points;
    }
  }
  if (acknowledged) {
    figures.acknowledgedNetPoints += points;
    figures.subsidyYen += points * pointValueYen;
  } else {
    figures.unacknowledgedNetPoints += points;
  }
}

/**
 * The figures of one line.
 *
 * @example
 * figuresOfLine({ grantId: 'g', seq: 1, campaignId: 'c', points: 500, createdAtMs: 0, ackedAtMs: 10 }, 10).subsidyYen; // 500
 */
export function figuresOfLine(line: SettlementLine, asOfMs: number): Figures {
  const figures = zeroFigures();
  addLine(figures, line, asOfMs);
  return figures;
}

/**
 * The canonical text of a line for the digest: a JSON array of grant id, feed position, campaign, points, creation
 * instant (ms) and the acknowledgement instant if it counts (at or before asOf), else null.
 */
export function canonicalLine(line: SettlementLine, asOfMs: number): string {
  const countedAckMs = line.ackedAtMs !== null && line.ackedAtMs <= asOfMs ? line.ackedAtMs : null;
  return JSON.stringify([line.grantId, line.seq, line.campaignId, line.points, line.createdAtMs, countedAckMs]);
}

/** Codes: settlement_params_invalid when the month, zone, instant or feed position cannot be settled. */
export function checkSettlementParams(params: SettlementParams): Result<{ periodStartsAtMs: number; periodEndsAtMs: number }, 'settlement_params_invalid'> {
  if (!isMonth(params.month)) return fail('settlement_params_invalid', 'month must be YYYY-MM', 'month');
  if (!isKnownTimeZone(params.timeZone)) return fail('settlement_params_invalid', 'unknown IANA time zone', 'timeZone');
  if (!Number.isSafeInteger(params.asOfMs)) return fail('settlement_params_invalid', 'asOf must be an instant', 'asOf');
  if (!Number.isSafeInteger(params.throughSeq) || params.throughSeq < 0) return fail('settlement_params_invalid', 'throughSeq must be a feed position', 'throughSeq');
  const bounds = monthBoundsMs(params.month, params.timeZone);
  return ok({ periodStartsAtMs: bounds.startsAtMs, periodEndsAtMs: bounds.endsAtMs });
}

/**
 * Builds a statement from lines given in feed order (ascending seq), page by page: the server reads the ledger in
 * pages, a verifier reads the grant feed, and neither holds every line at once. Lines of other months or after
 * `throughSeq` are passed over, so a whole feed can be poured in.
 *
 * @example
 * const builder = new StatementBuilder(params); // params checked with checkSettlementParams
 * for (const page of pages) { const added = builder.add(page); if (!added.ok) return added; }
 * const statement = builder.finish();
 */
export class StatementBuilder {
  private readonly period: { periodStartsAtMs: number; periodEndsAtMs: number };
  private readonly hash: Hash = createHash('sha256');
  private readonly byCampaign = new Map<string, Figures>();
  private readonly total = zeroFigures();
  private lastSeenSeq = 0;
  private entries = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;

  constructor(private readonly params: SettlementParams) {
    const checked = checkSettlementParams(params);
    if (!checked.ok) throw new RangeError(`${checked.param}: ${checked.message}`);
    this.period = checked.value;
  }

  /** Codes: lines_out_of_order when a line's seq is not above every seq added before. */
  add(lines: Iterable<SettlementLine>): Result<void, 'lines_out_of_order'> {
    for (const line of lines) {
      if (line.seq <= this.lastSeenSeq) return fail('lines_out_of_order', `feed position ${line.seq} after ${this.lastSeenSeq}`, 'seq');
      this.lastSeenSeq = line.seq;
      if (line.seq > this.params.throughSeq) continue;
      if (line.createdAtMs < this.period.periodStartsAtMs || line.createdAtMs >= this.period.periodEndsAtMs) continue;
      let campaign = this.byCampaign.get(line.campaignId);
      if (campaign === undefined) {
        campaign = zeroFigures();
        this.byCampaign.set(line.campaignId, campaign);
      }
      addLine(campaign, line, this.params.asOfMs);
      addLine(this.total, line, this.params.asOfMs);
      this.hash.update(`${canonicalLine(line, this.params.asOfMs)}\n`);
      this.entries += 1;
      this.firstSeq ??= line.seq;
      this.lastSeq = line.seq;
    }
    return ok(undefined);
  }

  /** The statement of every line added; the builder cannot be used afterwards. */
  finish(): Statement {
    const campaigns = [...this.byCampaign.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([campaignId, figures]) => ({ campaignId, ...figures }));
    return {
      ...this.params,
      ...this.period,
      feed: { entries: this.entries, firstSeq: this.firstSeq, lastSeq: this.lastSeq, linesSha256: this.hash.digest('hex') },
      total: { ...this.total },
      campaigns,
    };
  }
}

/**
 * The statement of lines in any order (sorted by feed position first). Throws on two lines at one position.
 *
 * @example
 * computeStatement({ providerId: 'p', month: '2026-11', timeZone: 'Asia/Tokyo', asOfMs, throughSeq: 99 }, lines).total.subsidyYen;
 */
export function computeStatement(params: SettlementParams, lines: readonly SettlementLine[]): Statement {
  const builder = new StatementBuilder(params);
  const added = builder.add([...lines].sort((a, b) => a.seq - b.seq));
  if (!added.ok) throw new RangeError(added.message);
  return builder.finish();
}

export interface StatementDifference {
  /** e.g. `total.grantsPoints`, `campaigns.mynapoint-2020.subsidyYen`, `feed.linesSha256`, `asOfMs`. */
  field: string;
  stated: string | number | null;
  recomputed: string | number | null;
}

function flatten(statement: Statement): Map<string, string | number | null> {
  const fields = new Map<string, string | number | null>();
  for (const key of ['providerId', 'month', 'timeZone', 'asOfMs', 'throughSeq', 'periodStartsAtMs', 'periodEndsAtMs'] as const) fields.set(key, statement[key]);
  for (const key of ['entries', 'firstSeq', 'lastSeq', 'linesSha256'] as const) fields.set(`feed.${key}`, statement.feed[key]);
  for (const name of figureNames) fields.set(`total.${name}`, statement.total[name]);
  for (const row of statement.campaigns) for (const name of figureNames) fields.set(`campaigns.${row.campaignId}.${name}`, row[name]);
  return fields;
}

/**
 * Every field where two statements differ (empty when they agree), in a stable order. A campaign present in only
 * one of them shows each of its figures against null.
 */
export function compareStatements(stated: Statement, recomputed: Statement): StatementDifference[] {
  const a = flatten(stated);
  const b = flatten(recomputed);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields.flatMap((field) => {
    const left = a.get(field) ?? null;
    const right = b.get(field) ?? null;
    return left === right ? [] : [{ field, stated: left, recomputed: right }];
  });
}
