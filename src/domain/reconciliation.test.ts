// Ensures the reconciliation of a provider's credited lines against its ledger month: each kind of difference
// (missing, unknown, points_mismatch, outside_period, duplicate) is found with the ledger side filled in, matches
// are counted (and those not yet acknowledged), and the summary adds up. How: a table of hand-made lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcileCredits, type LedgerGrant } from './reconciliation.js';

const inNovember = Date.parse('2026-11-20T10:00:00+09:00');
const inOctober = Date.parse('2026-10-31T23:59:59+09:00');

function grant(seq: number, points: number, acknowledged = true, createdAtMs = inNovember): LedgerGrant {
  return { grantId: `g-${seq}`, seq, campaignId: 'c-one', points, createdAtMs, acknowledged };
}

test('every kind of difference, and the matches', () => {
  const monthLines = [grant(10, 500), grant(11, 300, false), grant(12, -100), grant(13, 250), grant(14, 700, true), grant(15, 40, false)];
  const october = grant(3, 900, true, inOctober);
  const at = '2026-11-21T09:00:00+09:00';
  const result = reconcileCredits({
    monthLines,
    ownGrantsOutside: new Map([[october.grantId, october]]),
    credited: [
      { grantId: 'g-10', points: 500, creditedAt: at }, // matched
      { grantId: 'g-11', points: 300, creditedAt: at }, // matched, not acknowledged
      { grantId: 'g-12', points: -100, creditedAt: at }, // matched clawback
      { grantId: 'g-13', points: 200, creditedAt: at }, // points_mismatch
      { grantId: 'g-3', points: 900, creditedAt: at }, // outside_period (October)
      { grantId: 'g-nobody', points: 70, creditedAt: at }, // unknown
      { grantId: 'g-10', points: 500, creditedAt: at }, // duplicate
    ],
    timeZone: 'Asia/Tokyo',
  });
  assert.deepEqual(result.summary, {
    creditedLines: 7,
    ledgerLines: 6,
    matched: { count: 3, points: 700, unacknowledgedCount: 1 },
    missing: { count: 2, points: 740 },
    unknown: { count: 1, points: 70 },
    pointsMismatch: { count: 1, points: 200, grantedPoints: 250 },
    outsidePeriod: { count: 1, points: 900 },
    duplicate: { count: 1, points: 500 },
  });
  assert.deepEqual(result.differences, [
    { kind: 'points_mismatch', grantId: 'g-13', line: 4, creditedPoints: 200, creditedAt: at, seq: 13, campaignId: 'c-one', grantedPoints: 250 },
    { kind: 'outside_period', grantId: 'g-3', line: 5, creditedPoints: 900, creditedAt: at, seq: 3, campaignId: 'c-one', grantedPoints: 900, grantMonth: '2026-10' },
    { kind: 'unknown', grantId: 'g-nobody', line: 6, creditedPoints: 70, creditedAt: at },
    { kind: 'duplicate', grantId: 'g-10', line: 7, creditedPoints: 500, creditedAt: at },
    { kind: 'missing', grantId: 'g-14', seq: 14, campaignId: 'c-one', grantedPoints: 700, acknowledged: true },
    { kind: 'missing', grantId: 'g-15', seq: 15, campaignId: 'c-one', grantedPoints: 40, acknowledged: false },
  ]);
});

test('an empty upload leaves every ledger line missing; an exact one has no difference', () => {
  const monthLines = [grant(2, 10), grant(1, 20)];
  const empty = reconcileCredits({ monthLines, ownGrantsOutside: new Map(), credited: [], timeZone: 'Asia/Tokyo' });
  assert.deepEqual(empty.differences.map((d) => [d.kind, d.seq]), [['missing', 1], ['missing', 2]]);
  const exact = reconcileCredits({
    monthLines,
    ownGrantsOutside: new Map(),
    credited: monthLines.map((g) => ({ grantId: g.grantId, points: g.points, creditedAt: '2026-11-30T00:00:00Z' })),
    timeZone: 'Asia/Tokyo',
  });
  assert.deepEqual(exact.differences, []);
  assert.deepEqual(exact.summary.matched, { count: 2, points: 30, unacknowledgedCount: 0 });
});
