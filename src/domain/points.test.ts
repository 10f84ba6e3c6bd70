// Ensures the point rules: entitlement = min(cap, round(rate × eligible total)) with no drift, every cap type at its
// boundaries (per person, per event, per calendar day and month, budget), rounding modes, refunds (below and above
// caps), the earning window and binding date, merchant regions, fixed awards, and — by a property test — that
// totals never depend on the order of events and never exceed any cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateCampaign, type Campaign, type CampaignDefinition } from './campaign.js';
import { startDryRun, type DryRunEvent } from './dry-run.js';
import { municipalSpendBack, mynapoint2020, mynapoint2022HealthInsurance } from './presets.js';
import {
  awardEffect,
  decideEvent,
  entitlementPoints,
  periodKeyFor,
  zeroTally,
  type BindingEffect,
  type BindingStanding,
  type EventFacts,
  type PeriodTally,
  type Tally,
} from './points.js';

function campaign(overrides: Partial<CampaignDefinition> = {}, base: CampaignDefinition = mynapoint2020()): Campaign {
  const r = validateCampaign({ ...base, ...overrides }, 1);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

const mynapoint = campaign();
const septemberMs = Date.parse('2020-09-15T12:00:00+09:00');
const boundAtMs = Date.parse('2020-07-01T00:00:00+09:00');

/** A standing whose whole history is one period holding `eligibleYen`, with the points that history earned. */
function standing(eligibleYen: number, pointsGranted: number, c: Campaign = mynapoint, budgetLeftPoints?: number): BindingStanding {
  const units = eligibleYen * c.rate!.numerator;
  const earnedPoints = Math.floor(units / c.rate!.denominator);
  return {
    bindingId: 'b1',
    campaign: c,
    boundAtMs,
    tally: { eligibleYen, units, earnedPoints, pointsGranted },
    period: { key: '', units, points: earnedPoints },
    budgetLeftPoints,
  };
}

function only(r: ReturnType<typeof decideEvent>): BindingEffect {
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.strictEqual(r.value.length, 1);
  return r.value[0]!;
}

const payment = (amountYen: number, occurredAtMs = septemberMs): EventFacts => ({ kind: 'payment', amountYen, occurredAtMs });
const refund = (amountYen: number, originalNetYen: number, countedIn: string = mynapoint.id): EventFacts => ({
  kind: 'refund',
  amountYen,
  occurredAtMs: septemberMs,
  originalNetYen,
  originalCountedIn: new Set([countedIn]),
});

test('entitlement is floor(25 %) of the eligible total, capped at 5,000', () => {
  const cases: Array<[number, number]> = [
    [0, 0], [3, 0], [4, 1], [7, 1], [19_996, 4_999], [19_999, 4_999], [20_000, 5_000], [20_004, 5_000], [1_000_000, 5_000],
  ];
  for (const [eligibleYen, points] of cases) assert.strictEqual(entitlementPoints(mynapoint, eligibleYen), points, `${eligibleYen} yen`);
});

test('per-person cap: 4,999 / 5,000 / 5,001 points of entitlement', () => {
  const cases: Array<{ name: string; eligibleYen: number; paymentYen: number; points: number; capped: boolean }> = [
    { name: 'reaches 4,999', eligibleYen: 19_992, paymentYen: 4, points: 1, capped: false },
    { name: 'reaches exactly 5,000', eligibleYen: 19_996, paymentYen: 4, points: 1, capped: false },
    { name: 'would reach 5,001: partial', eligibleYen: 19_996, paymentYen: 8, points: 1, capped: true },
    { name: 'partial grant from far below', eligibleYen: 19_000, paymentYen: 4_000, points: 250, capped: true },
    { name: 'at the cap: nothing more', eligibleYen: 20_000, paymentYen: 10_000, points: 0, capped: true },
  ];
  for (const row of cases) {
    const effect = only(decideEvent(payment(row.paymentYen), [standing(row.eligibleYen, entitlementPoints(mynapoint, row.eligibleYen))]));
    assert.strictEqual(effect.points, row.points, row.name);
    assert.ok(effect.tally.pointsGranted <= 5_000, row.name);
    assert.strictEqual(effect.cappedBy.includes('person_cap'), row.capped, row.name);
  }
});

test('rounding is on totals: many small payments earn what one large one does', () => {
  let s = standing(0, 0);
  for (let i = 0; i < 7; i += 1) {
    const effect = only(decideEvent(payment(3), [s]));
    s = { ...s, tally: effect.tally, period: effect.period };
  }
  assert.strictEqual(s.tally.pointsGranted, 5, '7 × 3 yen = 21 yen → 5 points, not 7 × 0');
});

test('rounding modes: floor, half up, ceil', () => {
  const cases: Array<[CampaignDefinition['rounding'], number, number]> = [
    ['floor', 6, 1], ['half_up', 6, 2], ['ceil', 5, 2], ['half_up', 5, 1], ['ceil', 4, 1], ['floor', 7, 1],
  ];
  for (const [rounding, yen, points] of cases) {
    const c = campaign({ rounding });
    assert.strictEqual(only(decideEvent(payment(yen), [standing(0, 0, c)])).points, points, `${rounding} of ${yen} yen × 25 %`);
  }
});

const municipal = campaign({}, municipalSpendBack(Date.parse('2020-09-01T00:00:00+09:00')));
const inRegion = (amountYen: number, occurredAtMs: number): EventFacts => ({ kind: 'payment', amountYen, occurredAtMs, merchantRegion: '13101' });

function municipalStanding(tally: Tally, period: PeriodTally, budgetLeftPoints = 100_000_000): BindingStanding {
  return { bindingId: 'b1', campaign: municipal, boundAtMs: municipal.earningStartsAtMs, tally, period, budgetLeftPoints };
}

test('per-event cap: 1,000 points per payment at 30 %', () => {
  const atMs = municipal.earningStartsAtMs + 1_000;
  const key = periodKeyFor(municipal, atMs);
  const cases: Array<[number, number, boolean]> = [
    [3_333, 999, false],
    [3_334, 1_000, false],
    [3_336, 1_000, false],
    [3_337, 1_000, true],
    [100_000, 1_000, true],
  ];
  for (const [yen, points, capped] of cases) {
    const effect = only(decideEvent(inRegion(yen, atMs), [municipalStanding(zeroTally, { key, units: 0, points: 0 })]));
    assert.strictEqual(effect.points, points, `${yen} yen`);
    assert.strictEqual(effect.cappedBy.includes('event_cap'), capped, `${yen} yen`);
  }
  // Two capped payments earn two caps, never more: the cap bounds each event's units exactly.
  const first = only(decideEvent(inRegion(5_000, atMs), [municipalStanding(zeroTally, { key, units: 0, points: 0 })]));
  const second = only(decideEvent(inRegion(5_000, atMs), [municipalStanding(first.tally, first.period)]));
  assert.strictEqual(first.points + second.points, 2_000);
  // A refund of a capped payment that leaves it above the cap takes nothing back.
  const r = decideEvent({ kind: 'refund', amountYen: 1_000, occurredAtMs: atMs, originalNetYen: 5_000, originalCountedIn: new Set([municipal.id]) }, [
    municipalStanding(second.tally, second.period),
  ]);
  assert.strictEqual(only(r).points, 0);
});

test('per-month cap: 3,000 points in a calendar month of the campaign time zone, fresh the next month', () => {
  const lastSecondOfMonthMs = Date.parse('2020-09-30T23:59:59+09:00');
  const september = periodKeyFor(municipal, lastSecondOfMonthMs);
  const october = periodKeyFor(municipal, lastSecondOfMonthMs + 1_000);
  assert.deepStrictEqual([september, october], ['2020-09', '2020-10']);
  // 2,000 earned in September already.
  const tally: Tally = { eligibleYen: 6_668, units: 6_668 * 30, earnedPoints: 2_000, pointsGranted: 2_000 };
  const sep = { key: september, units: 6_668 * 30, points: 2_000 };
  const cases: Array<{ name: string; yen: number; atMs: number; period: PeriodTally; points: number; capped: boolean }> = [
    { name: 'to 2,999 in September', yen: 3_330, atMs: lastSecondOfMonthMs, period: sep, points: 999, capped: false },
    { name: 'to exactly 3,000', yen: 3_334, atMs: lastSecondOfMonthMs, period: sep, points: 1_000, capped: false },
    { name: 'crossing 3,000: partial', yen: 2_000, atMs: lastSecondOfMonthMs, period: { key: september, units: 250_000, points: 2_500 }, points: 500, capped: true },
    { name: 'a second later it is October: a fresh month', yen: 3_334, atMs: lastSecondOfMonthMs + 1_000, period: { key: october, units: 0, points: 0 }, points: 1_000, capped: false },
  ];
  for (const row of cases) {
    const t = { ...tally, earnedPoints: row.period.key === september ? row.period.points : tally.earnedPoints, pointsGranted: row.period.key === september ? row.period.points : tally.pointsGranted };
    const effect = only(decideEvent(inRegion(row.yen, row.atMs), [municipalStanding(t, row.period)]));
    assert.strictEqual(effect.points, row.points, row.name);
    assert.strictEqual(effect.cappedBy.includes('period_cap'), row.capped, row.name);
    assert.ok(effect.period.points <= 3_000, row.name);
  }
});

test('budget: the last grant is partial, then nothing; a clawback returns to the budget', () => {
  const cases: Array<[number, number, boolean]> = [
    [1_000, 1_000, false],
    [999, 999, true],
    [1, 1, true],
    [0, 0, true],
  ];
  for (const [left, points, capped] of cases) {
    const effect = only(decideEvent(payment(4_000), [standing(0, 0, mynapoint, left)]));
    assert.strictEqual(effect.points, points, `${left} left`);
    assert.strictEqual(effect.cappedBy.includes('budget'), capped, `${left} left`);
  }
  const clawback = only(decideEvent(refund(4_000, 4_000), [standing(4_000, 1_000, mynapoint, 0)]));
  assert.strictEqual(clawback.points, -1_000, 'a clawback needs no budget');
});

test('refunds lower the eligible total and claw back only below the cap', () => {
  const cases: Array<{ name: string; eligibleYen: number; refundYen: number; points: number }> = [
    { name: 'refund below the cap claws back', eligibleYen: 8_000, refundYen: 4_000, points: -1_000 },
    { name: 'refund of an odd amount rounds on the total', eligibleYen: 8_003, refundYen: 3, points: 0 },
    { name: 'refund after the cap was reached changes nothing', eligibleYen: 30_000, refundYen: 5_000, points: 0 },
    { name: 'refund crossing the cap claws back the part below it', eligibleYen: 24_000, refundYen: 8_000, points: -1_000 },
  ];
  for (const row of cases) {
    const effect = only(decideEvent(refund(row.refundYen, row.refundYen), [standing(row.eligibleYen, entitlementPoints(mynapoint, row.eligibleYen))]));
    assert.strictEqual(effect.points, row.points, row.name);
    assert.strictEqual(effect.eligibleDeltaYen, -row.refundYen, row.name);
  }
});

test('a refund after the earning window closed still reverses its original', () => {
  const afterCloseMs = mynapoint.earningEndsAtMs + 86_400_000;
  const effect = only(decideEvent({ ...refund(4_000, 4_000), occurredAtMs: afterCloseMs }, [standing(8_000, 2_000)]));
  assert.strictEqual(effect.points, -1_000);
});

test('a campaign without clawback never takes points back', () => {
  const noClawback = campaign({ refundPolicy: 'none' });
  const cancel: EventFacts = { kind: 'cancel', amountYen: 8_000, occurredAtMs: septemberMs, originalNetYen: 8_000, originalCountedIn: new Set([noClawback.id]) };
  const effect = only(decideEvent(cancel, [standing(8_000, 2_000, noClawback)]));
  assert.strictEqual(effect.points, 0);
  assert.strictEqual(effect.eligibleDeltaYen, -8_000);
});

test('the earning window is half-open in JST, and events before the binding do not count', () => {
  const startMs = Date.parse('2020-09-01T00:00:00+09:00');
  const endMs = Date.parse('2021-04-01T00:00:00+09:00');
  const cases: Array<{ name: string; occurredAtMs: number; boundAtMs?: number; code?: string }> = [
    { name: 'first millisecond of 2020-09-01 JST counts', occurredAtMs: startMs },
    { name: 'last millisecond of 2020-08-31 JST does not', occurredAtMs: startMs - 1, code: 'outside_earning_window' },
    { name: 'last millisecond of 2021-03-31 JST counts', occurredAtMs: endMs - 1 },
    { name: 'first millisecond of 2021-04-01 JST does not', occurredAtMs: endMs, code: 'outside_earning_window' },
    { name: 'before the binding does not', occurredAtMs: septemberMs - 1, boundAtMs: septemberMs, code: 'outside_earning_window' },
    { name: 'at the binding counts', occurredAtMs: septemberMs, boundAtMs: septemberMs },
  ];
  for (const row of cases) {
    const s = { ...standing(0, 0), boundAtMs: row.boundAtMs ?? boundAtMs };
    const r = decideEvent({ kind: 'topup', amountYen: 1_000, occurredAtMs: row.occurredAtMs }, [s]);
    if (row.code === undefined) {
      assert.strictEqual(only(r).points, 250, row.name);
    } else {
      assert.ok(!r.ok, row.name);
      assert.strictEqual(r.code, row.code, row.name);
    }
  }
});

test('an event kind or merchant region no bound campaign takes is rejected with its own code', () => {
  const paymentsOnly = campaign({ eligibleEventKinds: ['payment'] });
  const kind = decideEvent({ kind: 'topup', amountYen: 1_000, occurredAtMs: septemberMs }, [standing(0, 0, paymentsOnly)]);
  assert.ok(!kind.ok && kind.code === 'event_kind_not_eligible');
  const atMs = municipal.earningStartsAtMs;
  const s = municipalStanding(zeroTally, { key: periodKeyFor(municipal, atMs), units: 0, points: 0 });
  for (const merchantRegion of [undefined, '27100']) {
    const r = decideEvent({ kind: 'payment', amountYen: 1_000, occurredAtMs: atMs, ...(merchantRegion === undefined ? {} : { merchantRegion }) }, [s]);
    assert.ok(!r.ok && r.code === 'merchant_region_not_eligible', `region ${merchantRegion}`);
  }
  const fixed = campaign({}, mynapoint2022HealthInsurance());
  const award = decideEvent(payment(1_000), [{ ...standing(0, 0), campaign: fixed }]);
  assert.ok(!award.ok && award.code === 'event_kind_not_eligible', 'a fixed award counts no payments');
});

test('a refund reverses exactly the campaigns its original was counted in, whatever the account is bound to now', () => {
  const later = campaign({ id: 'bound-later' });
  const standings = [standing(1_000, 250), { ...standing(8_000, 2_000, later), bindingId: 'b2' }];
  const none = decideEvent({ kind: 'refund', amountYen: 100, occurredAtMs: septemberMs, originalNetYen: 1_000, originalCountedIn: new Set() }, standings);
  assert.ok(none.ok);
  assert.deepStrictEqual(none.value, []);
  const first = decideEvent(refund(1_000, 1_000), standings);
  assert.ok(first.ok);
  assert.deepStrictEqual(first.value.map((e) => [e.campaignId, e.points]), [[mynapoint.id, -250]]);
});

test('one event applies to every campaign bound to the account', () => {
  const second = campaign({ id: 'town-bonus', rate: { numerator: 10, denominator: 100 }, caps: { perPersonPoints: 300 } });
  const r = decideEvent(payment(4_000), [standing(0, 0), { ...standing(0, 0, second), bindingId: 'b2' }]);
  assert.ok(r.ok);
  assert.deepStrictEqual(r.value.map((e) => [e.campaignId, e.points]), [['mynapoint-2020', 1_000], ['town-bonus', 300]]);
});

test('a fixed award is granted once, and partially when the budget runs short', () => {
  const fixed = campaign({}, mynapoint2022HealthInsurance());
  const fresh = { ...standing(0, 0), campaign: fixed, tally: zeroTally };
  const first = awardEffect(fresh);
  assert.strictEqual(first.points, 7_500);
  assert.strictEqual(awardEffect({ ...fresh, tally: first.tally }).points, 0, 'a second attestation grants nothing');
  const short = awardEffect({ ...fresh, budgetLeftPoints: 1_200 });
  assert.deepStrictEqual([short.points, short.cappedBy], [1_200, ['budget']]);
});

test('property: totals depend only on the set of events, never on their order, and stay within every cap', () => {
  const c = municipal;
  const dayMs = 86_400_000;
  const payments = fc.array(fc.record({ yen: fc.integer({ min: 1, max: 12_000 }), day: fc.integer({ min: 0, max: 80 }) }), { minLength: 1, maxLength: 25 });
  fc.assert(
    fc.property(payments, fc.array(fc.record({ of: fc.nat(), yen: fc.integer({ min: 1, max: 12_000 }) }), { maxLength: 8 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (pays, refunds, shuffle) => {
      const events: DryRunEvent[] = pays.map((p, id) => ({
        eventId: `p${id}`,
        accountRef: 'A',
        kind: 'payment',
        amountYen: p.yen,
        occurredAt: new Date(c.earningStartsAtMs + p.day * dayMs + 3_600_000).toISOString(),
        merchantRegion: '13101',
      }));
      // Refunds never exceed their original in total, so every order applies all of them.
      const leftYen = pays.map((p) => p.yen);
      refunds.forEach((r, i) => {
        const of = r.of % pays.length;
        const amountYen = Math.min(r.yen, leftYen[of]!);
        if (amountYen === 0) return;
        leftYen[of]! -= amountYen;
        events.push({ eventId: `r${i}`, accountRef: 'A', kind: 'refund', amountYen, occurredAt: events[of]!.occurredAt, originalEventId: `p${of}` });
      });
      // Refunds after their originals (a provider cannot refund what it has not reported), otherwise any order.
      const shuffled = events.map((e) => ({ e, k: shuffle.next().value as number })).sort((a, b) => a.k - b.k).map(({ e }) => e);
      const orders = [events, [...shuffled.filter((e) => e.originalEventId === undefined), ...shuffled.filter((e) => e.originalEventId !== undefined)]];
      const tallies = orders.map((order) => {
        const run = startDryRun(c);
        const grants = order.map((e) => {
          const outcome = run.apply(e);
          assert.equal(outcome.status, 'applied', JSON.stringify(outcome));
          return outcome.status === 'applied' ? outcome.points : 0;
        });
        const tally = run.tallyOf('A')!;
        assert.strictEqual(grants.reduce((x, y) => x + y, 0), tally.pointsGranted, 'grants sum to the balance');
        assert.ok(tally.pointsGranted >= 0 && tally.pointsGranted <= c.caps.perPersonPoints);
        return tally;
      });
      assert.strictEqual(tallies[0]!.pointsGranted, tallies[1]!.pointsGranted);
      assert.strictEqual(tallies[0]!.eligibleYen, tallies[1]!.eligibleYen);
    }),
    { numRuns: 300 },
  );
});
