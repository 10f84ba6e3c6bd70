// Ensures campaign definitions are validated on input (each rule reached, with its param) and that the
// Mynapoint 2020 preset encodes its published windows in JST, that fixed awards and versions keep their own rules,
// and that calendar periods follow the campaign time zone, by table tests on validateCampaign and validateNewVersion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsProviderService, isApplicationOpen, periodKeyOf, validateCampaign, validateNewVersion, type CampaignDefinition } from './campaign.js';
import { mynapoint2020, mynapoint2020Extended, mynapoint2020Now, mynapoint2022HealthInsurance, presetDefinition, presetNames } from './presets.js';

test('the Mynapoint 2020 preset has its published rules', () => {
  const r = validateCampaign(mynapoint2020(), 1);
  assert.ok(r.ok);
  assert.strictEqual(r.value.earningStartsAtMs, Date.parse('2020-08-31T15:00:00Z'));
  assert.strictEqual(r.value.earningEndsAtMs, Date.parse('2021-03-31T15:00:00Z'));
  assert.deepStrictEqual(r.value.rate, { numerator: 25, denominator: 100 });
  assert.strictEqual(r.value.caps.perPersonPoints, 5_000);
  assert.deepStrictEqual(r.value.eligibleEventKinds, ['payment', 'topup']);
});

test('every preset validates, and the "now" preset is open today', () => {
  const nowMs = Date.parse('2026-11-27T05:00:00Z');
  for (const name of presetNames) assert.ok(validateCampaign(presetDefinition(name, nowMs), 1).ok, name);
  const r = validateCampaign(mynapoint2020Now(nowMs), 1);
  assert.ok(r.ok);
  assert.ok(isApplicationOpen(r.value, nowMs));
  assert.strictEqual(r.value.applicationWindow.startsAt, '2026-11-27T00:00:00+09:00');
});

test('invalid definitions are refused with the offending param', () => {
  const base = mynapoint2020();
  const cases: Array<[string, Partial<CampaignDefinition>, string]> = [
    ['bad id', { id: 'Bad Id' }, 'id'],
    ['no event kinds', { eligibleEventKinds: [] }, 'eligibleEventKinds'],
    ['repeated kinds', { eligibleEventKinds: ['payment', 'payment'] }, 'eligibleEventKinds'],
    ['no services', { eligibleProviderServices: [] }, 'eligibleProviderServices'],
    ['zero denominator', { rate: { numerator: 1, denominator: 0 } }, 'rate'],
    ['rate above 1', { rate: { numerator: 3, denominator: 2 } }, 'rate'],
    ['fractional rate', { rate: { numerator: 2.5, denominator: 10 } }, 'rate'],
    ['zero cap', { caps: { perPersonPoints: 0 } }, 'caps.perPersonPoints'],
    ['event cap above person cap', { caps: { perPersonPoints: 5_000, perEventPoints: 5_001 } }, 'caps.perEventPoints'],
    ['period cap of zero', { caps: { perPersonPoints: 5_000, perPeriod: { period: 'month', points: 0 } } }, 'caps.perPeriod'],
    ['fractional budget', { caps: { perPersonPoints: 5_000, budgetPoints: 1.5 } }, 'caps.budgetPoints'],
    ['no rate', { rate: undefined }, 'rate'],
    ['denominator too fine', { rate: { numerator: 1, denominator: 100_000 } }, 'rate'],
    ['award on a spend-back', { award: { attestationKind: 'health_insurance_linked', points: 100 } }, 'award'],
    ['shared accounts on a spend-back', { representatives: { minorsMayShareAccount: true } }, 'representatives'],
    ['empty regions', { eligibleMerchantRegions: [] }, 'eligibleMerchantRegions'],
    ['bad region', { eligibleMerchantRegions: ['13 101'] }, 'eligibleMerchantRegions'],
    ['unknown zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['no offset', { earningWindow: { startsAt: '2020-09-01T00:00:00', endsAt: '2021-04-01T00:00:00+09:00' } }, 'earningWindow.startsAt'],
    ['reversed window', { earningWindow: { startsAt: '2021-04-01T00:00:00+09:00', endsAt: '2020-09-01T00:00:00+09:00' } }, 'earningWindow'],
    ['applications after earning', { applicationWindow: { startsAt: '2022-01-01T00:00:00+09:00', endsAt: '2022-02-01T00:00:00+09:00' } }, 'applicationWindow'],
  ];
  for (const [name, change, param] of cases) {
    const r = validateCampaign({ ...base, ...change }, 1);
    assert.ok(!r.ok, name);
    assert.strictEqual(r.code, 'campaign_invalid', name);
    assert.strictEqual(r.param, param, name);
  }
});

test('provider services: "all" or a list', () => {
  const all = validateCampaign(mynapoint2020(), 1);
  const listed = validateCampaign({ ...mynapoint2020(), eligibleProviderServices: ['demo-pay'] }, 1);
  assert.ok(all.ok && listed.ok);
  assert.ok(acceptsProviderService(all.value, 'anything'));
  assert.ok(acceptsProviderService(listed.value, 'demo-pay'));
  assert.ok(!acceptsProviderService(listed.value, 'other-pay'));
});

test('fixed awards: no rate, no events, an award within the per-person cap', () => {
  const base = mynapoint2022HealthInsurance();
  assert.ok(validateCampaign(base, 1).ok);
  const cases: Array<[string, Partial<CampaignDefinition>, string]> = [
    ['events counted', { eligibleEventKinds: ['payment'] }, 'eligibleEventKinds'],
    ['a rate', { rate: { numerator: 1, denominator: 4 } }, 'rate'],
    ['no award', { award: undefined }, 'award'],
    ['award above the cap', { award: { attestationKind: 'health_insurance_linked', points: 7_501 } }, 'award.points'],
    ['bad kind', { award: { attestationKind: 'Health Insurance', points: 7_500 } }, 'award.attestationKind'],
    ['period cap', { caps: { perPersonPoints: 7_500, perPeriod: { period: 'day', points: 100 } } }, 'caps'],
    ['regions', { eligibleMerchantRegions: ['13101'] }, 'eligibleMerchantRegions'],
  ];
  for (const [name, change, param] of cases) {
    const r = validateCampaign({ ...base, ...change }, 1);
    assert.ok(!r.ok, name);
    assert.strictEqual(r.param, param, name);
  }
  assert.ok(validateCampaign({ ...base, representatives: { minorsMayShareAccount: true } }, 1).ok, 'fixed awards may share a representative account');
});

test('a new version keeps the id and kind and never budgets below what was granted', () => {
  const current = validateCampaign({ ...mynapoint2020(), caps: { perPersonPoints: 5_000, budgetPoints: 1_000_000 } }, 1);
  assert.ok(current.ok);
  const extended = validateNewVersion(current.value, { ...mynapoint2020Extended(), caps: { perPersonPoints: 5_000, budgetPoints: 2_000_000 } }, 999_999);
  assert.ok(extended.ok);
  assert.strictEqual(extended.value.version, 2);
  const changes = { ...mynapoint2020Extended(), caps: { perPersonPoints: 6_000, budgetPoints: 5_000_000 }, refundPolicy: 'none' as const, sameDayCancel: false };
  assert.ok(validateNewVersion(current.value, changes, 999_999).ok, 'windows, a higher per-person cap, a larger budget and policies may change');
  const cases: Array<[string, CampaignDefinition, string]> = [
    ['another id', { ...mynapoint2020(), id: 'other-campaign' }, 'id'],
    ['another kind', { ...mynapoint2022HealthInsurance(), id: 'mynapoint-2020' }, 'kind'],
    ['budget below grants', { ...mynapoint2020(), caps: { perPersonPoints: 5_000, budgetPoints: 999_998 } }, 'caps.budgetPoints'],
    ['another rate', { ...mynapoint2020(), rate: { numerator: 30, denominator: 100 } }, 'rate'],
    ['the same rate written otherwise', { ...mynapoint2020(), rate: { numerator: 1, denominator: 4 } }, 'rate'],
    ['a per-event cap added', { ...mynapoint2020(), caps: { perPersonPoints: 5_000, budgetPoints: 1_000_000, perEventPoints: 500 } }, 'caps.perEventPoints'],
    ['a period cap added', { ...mynapoint2020(), caps: { perPersonPoints: 5_000, budgetPoints: 1_000_000, perPeriod: { period: 'month', points: 1_000 } } }, 'caps.perPeriod'],
    ['another rounding', { ...mynapoint2020(), rounding: 'ceil' }, 'rounding'],
    ['a lower per-person cap', { ...mynapoint2020(), caps: { perPersonPoints: 4_999, budgetPoints: 1_000_000 } }, 'caps.perPersonPoints'],
  ];
  for (const [name, next, param] of cases) {
    const r = validateNewVersion(current.value, next, 999_999);
    assert.ok(!r.ok, name);
    assert.strictEqual(r.param, param, name);
  }
});

test('calendar periods are days and months of the campaign time zone', () => {
  const justBeforeMidnightJst = Date.parse('2020-09-30T23:59:59+09:00');
  assert.strictEqual(periodKeyOf(justBeforeMidnightJst, 'Asia/Tokyo', 'day'), '2020-09-30');
  assert.strictEqual(periodKeyOf(justBeforeMidnightJst + 1_000, 'Asia/Tokyo', 'day'), '2020-10-01');
  assert.strictEqual(periodKeyOf(justBeforeMidnightJst, 'Asia/Tokyo', 'month'), '2020-09');
  assert.strictEqual(periodKeyOf(justBeforeMidnightJst + 1_000, 'Asia/Tokyo', 'month'), '2020-10');
  assert.strictEqual(periodKeyOf(justBeforeMidnightJst + 1_000, 'UTC', 'month'), '2020-09', 'the same instant is still September in UTC');
});
