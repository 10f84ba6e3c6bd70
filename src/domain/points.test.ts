// Ensures the spend-back rule: entitlement = min(cap, floor(rate × eligible total)), partial grant at the cap,
// refunds lowering the total and clawing back, the earning window's edges and the binding date, by table tests
// on the pure functions with the Mynapoint 2020 preset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCampaign, type Campaign } from './campaign.js';
import { mynapoint2020 } from './presets.js';
import { applyEffect, decideEvent, entitlementPoints, type BindingStanding } from './points.js';

function campaign(overrides: Partial<ReturnType<typeof mynapoint2020>> = {}): Campaign {
  const r = validateCampaign({ ...mynapoint2020(), ...overrides }, 1);
  assert.ok(r.ok);
  return r.value;
}

const mynapoint = campaign();
const septemberMs = Date.parse('2020-09-15T12:00:00+09:00');

function standing(eligibleYen: number, pointsGranted: number, c: Campaign = mynapoint): BindingStanding {
  return { bindingId: 'b1', campaign: c, boundAtMs: Date.parse('2020-07-01T00:00:00+09:00'), eligibleYen, pointsGranted };
}

test('entitlement is floor(25 %) of the eligible total, capped at 5,000', () => {
  const cases: Array<[number, number]> = [
    [0, 0], [3, 0], [4, 1], [7, 1], [19_996, 4_999], [19_999, 4_999], [20_000, 5_000], [20_004, 5_000], [1_000_000, 5_000],
  ];
  for (const [eligibleYen, points] of cases) assert.strictEqual(entitlementPoints(mynapoint, eligibleYen), points, `${eligibleYen} yen`);
});

test('grants at the cap boundary: 4,999 / 5,000 / 5,001 points of entitlement', () => {
  // Each row: already granted (from an eligible total), a payment, the expected grant.
  const cases: Array<{ name: string; eligibleYen: number; paymentYen: number; points: number }> = [
    { name: 'reaches 4,999', eligibleYen: 19_992, paymentYen: 4, points: 1 },
    { name: 'reaches exactly 5,000', eligibleYen: 19_996, paymentYen: 4, points: 1 },
    { name: 'would reach 5,001: partial', eligibleYen: 19_996, paymentYen: 8, points: 1 },
    { name: 'partial grant from far below', eligibleYen: 19_000, paymentYen: 4_000, points: 250 },
    { name: 'at the cap: nothing more', eligibleYen: 20_000, paymentYen: 10_000, points: 0 },
  ];
  for (const row of cases) {
    const before = standing(row.eligibleYen, entitlementPoints(mynapoint, row.eligibleYen));
    const r = decideEvent({ kind: 'payment', amountYen: row.paymentYen, occurredAtMs: septemberMs }, [before]);
    assert.ok(r.ok, row.name);
    assert.strictEqual(r.value[0]!.points, row.points, row.name);
    const after = applyEffect(before, r.value[0]!);
    assert.ok(after.pointsGranted <= 5_000, row.name);
  }
});

test('refunds lower the eligible total and claw back only below the cap', () => {
  const originalCountedIn = new Set([mynapoint.id]);
  const cases: Array<{ name: string; eligibleYen: number; refundYen: number; points: number }> = [
    { name: 'refund below the cap claws back', eligibleYen: 8_000, refundYen: 4_000, points: -1_000 },
    { name: 'refund of an odd amount rounds on the total', eligibleYen: 8_003, refundYen: 3, points: 0 },
    { name: 'refund above the cap changes nothing', eligibleYen: 30_000, refundYen: 5_000, points: 0 },
    { name: 'refund crossing the cap claws back the part below it', eligibleYen: 24_000, refundYen: 8_000, points: -1_000 },
  ];
  for (const row of cases) {
    const before = standing(row.eligibleYen, entitlementPoints(mynapoint, row.eligibleYen));
    const r = decideEvent({ kind: 'refund', amountYen: row.refundYen, occurredAtMs: septemberMs, originalCountedIn }, [before]);
    assert.ok(r.ok, row.name);
    assert.strictEqual(r.value[0]!.points, row.points, row.name);
    assert.strictEqual(r.value[0]!.eligibleDeltaYen, -row.refundYen, row.name);
  }
});

test('a campaign without clawback never takes points back', () => {
  const noClawback = campaign({ refundPolicy: 'none' });
  const before = standing(8_000, 2_000, noClawback);
  const r = decideEvent({ kind: 'cancel', amountYen: 8_000, occurredAtMs: septemberMs, originalCountedIn: new Set([noClawback.id]) }, [before]);
  assert.ok(r.ok);
  assert.strictEqual(r.value[0]!.points, 0);
  assert.strictEqual(r.value[0]!.eligibleDeltaYen, -8_000);
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
    const s = { ...standing(0, 0), boundAtMs: row.boundAtMs ?? standing(0, 0).boundAtMs };
    const r = decideEvent({ kind: 'topup', amountYen: 1_000, occurredAtMs: row.occurredAtMs }, [s]);
    if (row.code === undefined) {
      assert.ok(r.ok, row.name);
      assert.strictEqual(r.value[0]!.points, 250, row.name);
    } else {
      assert.ok(!r.ok, row.name);
      assert.strictEqual(r.code, row.code, row.name);
    }
  }
});

test('an event kind no bound campaign takes is rejected with its own code', () => {
  const paymentsOnly = campaign({ eligibleEventKinds: ['payment'] });
  const r = decideEvent({ kind: 'topup', amountYen: 1_000, occurredAtMs: septemberMs }, [standing(0, 0, paymentsOnly)]);
  assert.ok(!r.ok);
  assert.strictEqual(r.code, 'event_kind_not_eligible');
});

test('a refund reverses exactly the campaigns its original was counted in, whatever the account is bound to now', () => {
  const later = campaign({ id: 'bound-later' });
  const standings = [standing(1_000, 250), { ...standing(8_000, 2_000, later), bindingId: 'b2' }];
  const none = decideEvent({ kind: 'refund', amountYen: 100, occurredAtMs: septemberMs, originalCountedIn: new Set() }, standings);
  assert.ok(none.ok);
  assert.deepStrictEqual(none.value, []);
  const first = decideEvent({ kind: 'refund', amountYen: 1_000, occurredAtMs: septemberMs, originalCountedIn: new Set([mynapoint.id]) }, standings);
  assert.ok(first.ok);
  assert.deepStrictEqual(first.value.map((e) => [e.campaignId, e.points]), [[mynapoint.id, -250]]);
});

test('one event applies to every campaign bound to the account', () => {
  const second = campaign({ id: 'town-bonus', rate: { numerator: 10, denominator: 100 }, pointsPerPersonMax: 300 });
  const r = decideEvent({ kind: 'payment', amountYen: 4_000, occurredAtMs: septemberMs }, [
    standing(0, 0),
    { ...standing(0, 0, second), bindingId: 'b2' },
  ]);
  assert.ok(r.ok);
  assert.deepStrictEqual(r.value.map((e) => [e.campaignId, e.points]), [['mynapoint-2020', 1_000], ['town-bonus', 300]]);
});
