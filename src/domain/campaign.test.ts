// Ensures campaign definitions are validated on input (each rule reached, with its param) and that the
// Mynapoint 2020 preset encodes its published windows in JST, by table tests on validateCampaign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsProviderService, isApplicationOpen, validateCampaign, type CampaignDefinition } from './campaign.js';
import { mynapoint2020, mynapoint2020Now, presetDefinition, presetNames } from './presets.js';

test('the Mynapoint 2020 preset has its published rules', () => {
  const r = validateCampaign(mynapoint2020(), 1);
  assert.ok(r.ok);
  assert.strictEqual(r.value.earningStartsAtMs, Date.parse('2020-08-31T15:00:00Z'));
  assert.strictEqual(r.value.earningEndsAtMs, Date.parse('2021-03-31T15:00:00Z'));
  assert.deepStrictEqual(r.value.rate, { numerator: 25, denominator: 100 });
  assert.strictEqual(r.value.pointsPerPersonMax, 5_000);
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
    ['zero cap', { pointsPerPersonMax: 0 }, 'pointsPerPersonMax'],
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
