/**
 * Reconciliation (DESIGN.md §2.7): a provider says which grants it credited to its users in a month; the platform
 * compares that, line by line, with its ledger of the provider's grants created in that month, and reports each
 * difference. Pure: the caller loads the month's ledger lines and, for credited ids outside it, the provider's own
 * grants with those ids.
 */
import { localMonthOf } from './calendar.js';

/** One line of the provider's upload. */
export interface CreditedLine {
  grantId: string;
  points: number;
  /** As the provider wrote it (ISO 8601 with an offset); echoed in differences. */
  creditedAt: string;
}

/** A ledger entry of the provider, as reconciliation needs it. */
export interface LedgerGrant {
  grantId: string;
  seq: number;
  campaignId: string;
  points: number;
  createdAtMs: number;
  acknowledged: boolean;
}

export const differenceKinds = ['missing', 'unknown', 'points_mismatch', 'outside_period', 'duplicate'] as const;
export type DifferenceKind = (typeof differenceKinds)[number];

/**
 * One difference. `line` is the 1-based line of the upload (absent for `missing`, which is a ledger line nobody
 * credited); the ledger side (`seq`, `campaignId`, `grantedPoints`, `grantMonth`, `acknowledged`) is present when
 * the grant is one of the provider's.
 */
export interface Difference {
  kind: DifferenceKind;
  grantId: string;
  line?: number;
  creditedPoints?: number;
  creditedAt?: string;
  seq?: number;
  campaignId?: string;
  grantedPoints?: number;
  /** For outside_period: the month (settlement time zone) the grant belongs to. */
  grantMonth?: string;
  /** For missing: whether the provider acknowledged the grant although it did not credit it. */
  acknowledged?: boolean;
}

export interface Tally {
  count: number;
  points: number;
}

export interface ReconciliationSummary {
  creditedLines: number;
  /** Ledger lines of the month (the provider's grants and clawbacks created in it, up to throughSeq). */
  ledgerLines: number;
  /** Credited with the granted points; `unacknowledgedCount` of them the provider has not acknowledged yet. */
  matched: Tally & { unacknowledgedCount: number };
  /** Granted in the month, not credited (points granted). */
  missing: Tally;
  /** Credited, but no grant of this provider has that id (points credited). */
  unknown: Tally;
  /** Credited with other points than granted (points credited; `grantedPoints` the ledger's). */
  pointsMismatch: Tally & { grantedPoints: number };
  /** Credited, a grant of this provider, created in another month (points credited). */
  outsidePeriod: Tally;
  /** The same grant id credited again after its first line (points credited). */
  duplicate: Tally;
}

export interface ReconciliationResult {
  summary: ReconciliationSummary;
  /** Upload-line differences in upload order, then missing grants in feed order. */
  differences: Difference[];
}

function addTo(tally: Tally, points: number): void {
  tally.count += 1;
  tally.points += points;
}

/**
 * Compares the credited lines with the month's ledger lines. `ownGrantsOutside` holds the provider's grants among
 * the credited ids that are not in the month (any other credited id is unknown to this provider).
 *
 * @example
 * reconcileCredits({ monthLines: [g1], ownGrantsOutside: new Map(), credited: [{ grantId: g1.grantId, points: g1.points, creditedAt }], timeZone: 'Asia/Tokyo' })
 *   .summary.matched.count; // 1
 */
export function reconcileCredits(input: {
  monthLines: readonly LedgerGrant[];
  ownGrantsOutside: ReadonlyMap<string, LedgerGrant>;
  credited: readonly CreditedLine[];
  timeZone: string;
}): ReconciliationResult {
  const byId = new Map(input.monthLines.map((grant) => [grant.grantId, grant]));
  const summary: ReconciliationSummary = {
    creditedLines: input.credited.length,
    ledgerLines: input.monthLines.length,
    matched: { count: 0, points: 0, unacknowledgedCount: 0 },
    missing: { count: 0, points: 0 },
    unknown: { count: 0, points: 0 },
    pointsMismatch: { count: 0, points: 0, grantedPoints: 0 },
    outsidePeriod: { count: 0, points: 0 },
    duplicate: { count: 0, points: 0 },
  };
  const differences: Difference[] = [];
  const seen = new Set<string>();
  for (const [index, credit] of input.credited.entries()) {
    const credited = { grantId: credit.grantId, line: index + 1, creditedPoints: credit.points, creditedAt: credit.creditedAt };
    if (seen.has(credit.grantId)) {
      addTo(summary.duplicate, credit.points);
      differences.push({ kind: 'duplicate', ...credited });
      continue;
    }
    seen.add(credit.grantId);
    const grant = byId.get(credit.grantId);
    if (grant !== undefined) {
      const ledger = { seq: grant.seq, campaignId: grant.campaignId, grantedPoints: grant.points };
      if (grant.points === credit.points) {
        addTo(summary.matched, credit.points);
        if (!grant.acknowledged) summary.matched.unacknowledgedCount += 1;
      } else {
        addTo(summary.pointsMismatch, credit.points);
        summary.pointsMismatch.grantedPoints += grant.points;
        differences.push({ kind: 'points_mismatch', ...credited, ...ledger });
      }
      continue;
    }
    const outside = input.ownGrantsOutside.get(credit.grantId);
    if (outside !== undefined) {
      addTo(summary.outsidePeriod, credit.points);
      differences.push({
        kind: 'outside_period',
        ...credited,
        seq: outside.seq,
        campaignId: outside.campaignId,
        grantedPoints: outside.points,
        grantMonth: localMonthOf(outside.createdAtMs, input.timeZone),
      });
      continue;
    }
    addTo(summary.unknown, credit.points);
    differences.push({ kind: 'unknown', ...credited });
  }
  for (const grant of [...input.monthLines].sort((a, b) => a.seq - b.seq)) {
    if (seen.has(grant.grantId)) continue;
    addTo(summary.missing, grant.points);
    differences.push({ kind: 'missing', grantId: grant.grantId, seq: grant.seq, campaignId: grant.campaignId, grantedPoints: grant.points, acknowledged: grant.acknowledged });
  }
  return { summary, differences };
}
