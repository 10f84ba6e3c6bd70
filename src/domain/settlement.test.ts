// Ensures the settlement maths: which lines a statement covers (the month in the settlement zone, up to throughSeq),
// how each line counts (grant or clawback, acknowledged at or before asOf or not), the subsidy (acknowledged net
// points at one yen each), the feed range and the digest, and that a statement is the sum of its lines whatever
// their order and however they are split into pages. How: table tests on hand-made lines, and fast-check
// properties over random lines, orders and page splits.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  canonicalLine,
  compareStatements,
  computeStatement,
  figuresOfLine,
  StatementBuilder,
  sumFigures,
  zeroFigures,
  type SettlementLine,
  type SettlementParams,
} from './settlement.js';

const novemberStartMs = Date.parse('2026-11-01T00:00:00+09:00');
const decemberStartMs = Date.parse('2026-12-01T00:00:00+09:00');
const asOfMs = Date.parse('2026-12-05T00:00:00+09:00');
const params: SettlementParams = { providerId: 'pay', month: '2026-11', timeZone: 'Asia/Tokyo', asOfMs, throughSeq: 100 };

function line(seq: number, points: number, createdAtMs: number, ackedAtMs: number | null, campaignId = 'c-one'): SettlementLine {
  return { grantId: `g-${seq}`, seq, campaignId, points, createdAtMs, ackedAtMs };
}

test('a statement counts grants, clawbacks and acknowledgements at or before asOf, per campaign and in total', () => {
  const mid = Date.parse('2026-11-15T12:00:00+09:00');
  const lines = [
    line(1, 500, mid, mid + 1), // acknowledged grant
    line(2, 300, mid, asOfMs), // acknowledged exactly at asOf: counts
    line(3, 200, mid, asOfMs + 1), // acknowledged after asOf: does not count
    line(4, -100, mid, mid + 2), // acknowledged clawback
    line(5, -50, mid, null), // clawback not acknowledged
    line(6, 1_000, mid, null, 'c-two'), // another campaign, not acknowledged
  ];
  const statement = computeStatement(params, lines);
  assert.deepEqual(statement.total, {
    grantsCount: 4,
    grantsPoints: 2_000,
    clawbacksCount: 2,
    clawbacksPoints: -150,
    netPoints: 1_850,
    acknowledgedGrantsCount: 2,
    acknowledgedGrantsPoints: 800,
    acknowledgedClawbacksCount: 1,
    acknowledgedClawbacksPoints: -100,
    acknowledgedNetPoints: 700,
    unacknowledgedGrantsCount: 2,
    unacknowledgedGrantsPoints: 1_200,
    unacknowledgedClawbacksCount: 1,
    unacknowledgedClawbacksPoints: -50,
    unacknowledgedNetPoints: 1_150,
    subsidyYen: 700,
  });
  assert.deepEqual(
    statement.campaigns.map((c) => [c.campaignId, c.netPoints, c.subsidyYen]),
    [
      ['c-one', 850, 700],
      ['c-two', 1_000, 0],
    ],
  );
  assert.deepEqual(statement.feed.entries, 6);
  assert.equal(statement.feed.firstSeq, 1);
  assert.equal(statement.feed.lastSeq, 6);
  const expectedDigest = createHash('sha256')
    .update(lines.map((l) => `${canonicalLine(l, asOfMs)}\n`).join(''))
    .digest('hex');
  assert.equal(statement.feed.linesSha256, expectedDigest);
  assert.equal(canonicalLine(lines[2]!, asOfMs), JSON.stringify(['g-3', 3, 'c-one', 200, mid, null]), 'an acknowledgement after asOf is not in the digest');
  assert.equal(statement.periodStartsAtMs, novemberStartMs);
  assert.equal(statement.periodEndsAtMs, decemberStartMs);
});

test('the month is that of the settlement time zone, half-open, and lines after throughSeq are left out', () => {
  const lines = [
    line(1, 10, novemberStartMs - 1, null), // 2026-10-31 23:59:59.999 JST: October
    line(2, 20, novemberStartMs, null), // 2026-11-01 00:00 JST: November
    line(3, 40, decemberStartMs - 1, null), // 2026-11-30 23:59:59.999 JST: November
    line(4, 80, decemberStartMs, null), // 2026-12-01 00:00 JST: December
    line(101, 160, decemberStartMs - 2, null), // November, but after throughSeq 100
  ];
  const tokyo = computeStatement(params, lines);
  assert.equal(tokyo.total.grantsPoints, 60);
  assert.deepEqual([tokyo.feed.firstSeq, tokyo.feed.lastSeq, tokyo.feed.entries], [2, 3, 2]);
  // The same instants settled in UTC: 2026-11-01 00:00 JST is still October there, 2026-12-01 00:00 JST November.
  const utc = computeStatement({ ...params, timeZone: 'UTC' }, lines);
  assert.equal(utc.total.grantsPoints, 40 + 80);
});

test('an empty month has zero figures, no range and the digest of nothing', () => {
  const statement = computeStatement(params, []);
  assert.deepEqual(statement.total, zeroFigures());
  assert.deepEqual(statement.campaigns, []);
  assert.deepEqual(statement.feed, { entries: 0, firstSeq: null, lastSeq: null, linesSha256: createHash('sha256').digest('hex') });
});

test('a line of 0 points is covered but is neither a grant nor a clawback', () => {
  assert.deepEqual(figuresOfLine(line(1, 0, novemberStartMs, novemberStartMs), asOfMs), zeroFigures());
  const statement = computeStatement(params, [line(1, 0, novemberStartMs, null)]);
  assert.equal(statement.feed.entries, 1);
  assert.deepEqual(statement.total, zeroFigures());
});

test('the builder wants lines in feed order', () => {
  const builder = new StatementBuilder(params);
  assert.ok(builder.add([line(2, 10, novemberStartMs, null)]).ok);
  const added = builder.add([line(2, 10, novemberStartMs, null)]);
  assert.equal(added.ok ? undefined : added.code, 'lines_out_of_order');
  assert.throws(() => new StatementBuilder({ ...params, month: '2026-13' }), RangeError);
  assert.throws(() => new StatementBuilder({ ...params, timeZone: 'Nowhere/Void' }), RangeError);
});

test('compareStatements names exactly the fields that differ', () => {
  const statement = computeStatement(params, [line(1, 500, novemberStartMs, novemberStartMs), line(2, -20, novemberStartMs, null, 'c-two')]);
  assert.deepEqual(compareStatements(statement, structuredClone(statement)), []);
  const tampered = structuredClone(statement);
  tampered.total.subsidyYen += 1;
  tampered.campaigns[0]!.grantsPoints = 499;
  assert.deepEqual(compareStatements(tampered, statement), [
    { field: 'total.subsidyYen', stated: 501, recomputed: 500 },
    { field: 'campaigns.c-one.grantsPoints', stated: 499, recomputed: 500 },
  ]);
  const withoutCampaign = { ...structuredClone(statement), campaigns: statement.campaigns.slice(0, 1) };
  const differences = compareStatements(withoutCampaign, statement);
  assert.ok(differences.length > 0 && differences.every((d) => d.field.startsWith('campaigns.c-two.') && d.stated === null));
});

const lineArb = fc.record({
  points: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: -5_000, max: -1 })),
  createdAtMs: fc.integer({ min: novemberStartMs - 86_400_000, max: decemberStartMs + 86_400_000 }),
  ackedOffsetMs: fc.option(fc.integer({ min: 0, max: 10 * 86_400_000 }), { nil: null }),
  campaign: fc.constantFrom('c-one', 'c-two', 'c-three'),
});

const linesArb = fc.array(lineArb, { maxLength: 80 }).map((records) =>
  records.map((r, index) => line(index + 1, r.points, r.createdAtMs, r.ackedOffsetMs === null ? null : r.createdAtMs + r.ackedOffsetMs, r.campaign)),
);

test('property: a statement is the sum of its lines, in any order, and its campaigns add up to its total', () => {
  fc.assert(
    fc.property(linesArb.chain((lines) => fc.tuple(fc.constant(lines), fc.shuffledSubarray(lines, { minLength: lines.length }))), fc.nat(90), ([lines, shuffled], throughSeq) => {
      const p = { ...params, throughSeq };
      const statement = computeStatement(p, shuffled);
      assert.deepEqual(statement, computeStatement(p, lines));
      const covered = lines.filter((l) => l.seq <= throughSeq && l.createdAtMs >= novemberStartMs && l.createdAtMs < decemberStartMs);
      const sumOfLines = shuffled
        .filter((l) => covered.includes(l))
        .map((l) => figuresOfLine(l, asOfMs))
        .reduce(sumFigures, zeroFigures());
      assert.deepEqual(statement.total, sumOfLines);
      assert.deepEqual(statement.campaigns.map(({ campaignId: _c, ...figures }) => figures).reduce(sumFigures, zeroFigures()), statement.total);
      assert.equal(statement.feed.entries, covered.length);
    }),
  );
});

test('property: splitting a month’s lines into pages, or into two statements added up, changes nothing', () => {
  fc.assert(
    fc.property(linesArb, fc.array(fc.nat(80), { maxLength: 6 }), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (lines, cuts, sides) => {
      const whole = computeStatement(params, lines);
      // Pages: the lines in feed order cut at random places.
      const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), lines.length];
      const builder = new StatementBuilder(params);
      for (let i = 0; i + 1 < bounds.length; i += 1) assert.ok(builder.add(lines.slice(bounds[i], bounds[i + 1])).ok);
      assert.deepEqual(builder.finish(), whole);
      // Two halves (any partition): their figures add up to the whole's.
      const a = computeStatement(params, lines.filter((_, i) => sides[i]));
      const b = computeStatement(params, lines.filter((_, i) => !sides[i]));
      assert.deepEqual(sumFigures(a.total, b.total), whole.total);
      assert.equal(a.feed.entries + b.feed.entries, whole.feed.entries);
    }),
  );
});
