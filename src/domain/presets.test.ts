// Ensures every preset follows the published rules it stands for (DOMAIN.md §4–§7), by replaying them through the
// dry-run core (the same decisions as event ingest): Mynapoint 2020 (25 %, 5,000 per person reached at 20,000 yen,
// the earning window's edges in JST, nothing before 2020-09-01 even when bound in July); its extension (an event
// in 2021-06 counts under version 2, not version 1); the phase-2 card measure (a phase-1 person at 3,000 keeps
// earning to 5,000 and never beyond; a new card holder earns 5,000 from the binding on); the two 7,500 fixed awards
// (once per person, registrations made before the measure count, none after the window); and the municipal
// campaign (30 %, 1,000 per payment, 3,000 per calendar month in JST, its region code only, 9,000 per person, and
// its real 100,000,000-point budget ending with a partial grant, shown with 11,113 persons).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCampaign, validateNewVersion, type Campaign, type CampaignDefinition } from './campaign.js';
import { startDryRun, type DryRun, type DryRunEvent, type DryRunOutcome } from './dry-run.js';
import {
  municipalPresetRegion,
  municipalSpendBack,
  mynapoint2020,
  mynapoint2020Extended,
  mynapoint2022Card,
  mynapoint2022HealthInsurance,
  mynapoint2022PublicFundsAccount,
  presetDefinition,
  presetNames,
} from './presets.js';
import type { CapReason } from './points.js';

function validated(definition: CampaignDefinition): Campaign {
  const r = validateCampaign(definition, 1);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

function nextVersion(current: Campaign, definition: CampaignDefinition, run: DryRun): Campaign {
  const r = validateNewVersion(current, definition, run.report().points.net);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

let eventCounter = 0;
function pay(accountRef: string, amountYen: number, occurredAt: string, extra: Partial<DryRunEvent> = {}): DryRunEvent {
  eventCounter += 1;
  return { eventId: `e${eventCounter}`, accountRef, kind: 'payment', amountYen, occurredAt, ...extra };
}

function points(outcome: DryRunOutcome, name = ''): number {
  assert.equal(outcome.status, 'applied', `${name}: ${JSON.stringify(outcome)}`);
  return outcome.status === 'applied' ? outcome.points : NaN;
}

function cappedBy(outcome: DryRunOutcome): CapReason[] {
  assert.equal(outcome.status, 'applied', JSON.stringify(outcome));
  return outcome.status === 'applied' ? outcome.cappedBy : [];
}

function code(outcome: DryRunOutcome, name = ''): string {
  assert.equal(outcome.status, 'rejected', `${name}: ${JSON.stringify(outcome)}`);
  return outcome.status === 'rejected' ? outcome.code : '';
}

test('every preset validates', () => {
  for (const name of presetNames) validated(presetDefinition(name, Date.parse('2026-01-10T12:00:00+09:00')));
});

test('Mynapoint 2020: 25 % of payments and top-ups, 5,000 points per person, reached at 20,000 yen', () => {
  const run = startDryRun(validated(mynapoint2020()));
  assert.equal(points(run.apply(pay('A', 4_000, '2020-09-15T12:00:00+09:00'))), 1_000);
  assert.equal(points(run.apply({ ...pay('A', 3, '2020-09-15T12:01:00+09:00'), kind: 'topup' })), 0, '4,003 yen: still 1,000 (floor on the total)');
  assert.equal(points(run.apply(pay('A', 1, '2020-09-15T12:02:00+09:00'))), 1, '4,004 yen: 1,001');
  const b = [run.apply(pay('B', 19_996, '2020-10-01T10:00:00+09:00')), run.apply(pay('B', 4, '2020-10-01T10:01:00+09:00')), run.apply(pay('B', 4, '2020-10-01T10:02:00+09:00'))];
  assert.deepEqual(b.map((o) => points(o)), [4_999, 1, 0], '19,996 yen → 4,999; 20,000 yen → 5,000; beyond → nothing');
  assert.deepEqual(cappedBy(b[2]!), ['person_cap']);
  assert.equal(points(run.apply(pay('C', 20_000, '2020-12-24T18:00:00+09:00'))), 5_000, '20,000 yen at once reaches the cap exactly');
  assert.deepEqual(cappedBy(run.apply(pay('C', 10_000, '2021-01-05T09:00:00+09:00'))), ['person_cap']);
  const report = run.report();
  assert.deepEqual(report.persons, { seen: 3, granted: 3, atPersonCap: 2 });
  assert.equal(report.points.granted, 11_001);
  assert.deepEqual(report.byMonth.map((m) => [m.month, m.pointsNet]), [['2020-09', 1_001], ['2020-10', 5_000], ['2020-12', 5_000]]);
});

test('Mynapoint 2020: the earning window is 2020-09-01 to 2021-03-31 in JST; nothing before it counts, even when bound in July', () => {
  const run = startDryRun(validated(mynapoint2020()));
  assert.equal(run.apply({ accountRef: 'July', boundAt: '2020-07-01T09:00:00+09:00' }).status, 'bound', 'applications opened 2020-07-01');
  const cases: Array<[string, string, number | 'outside_earning_window']> = [
    ['bound in July, paid in August', '2020-08-20T12:00:00+09:00', 'outside_earning_window'],
    ['last millisecond of 2020-08-31 JST', '2020-08-31T23:59:59.999+09:00', 'outside_earning_window'],
    ['first millisecond of 2020-09-01 JST', '2020-09-01T00:00:00+09:00', 250],
    ['2020-08-31T15:00Z is already 2020-09-01 in JST', '2020-08-31T15:00:00Z', 250],
    ['last millisecond of 2021-03-31 JST', '2021-03-31T23:59:59.999+09:00', 250],
    ['first millisecond of 2021-04-01 JST', '2021-04-01T00:00:00+09:00', 'outside_earning_window'],
  ];
  for (const [name, occurredAt, expected] of cases) {
    const outcome = run.apply(pay('July', 1_000, occurredAt));
    if (typeof expected === 'number') assert.equal(points(outcome, name), expected, name);
    else assert.equal(code(outcome, name), expected, name);
  }
  assert.equal(run.apply({ accountRef: 'June', boundAt: '2020-06-30T23:59:59+09:00' }).status, 'rejected', 'before applications opened');
});

test('Mynapoint 2020 extended: an event of 2021-06 counts under version 2, not version 1; the end moves to 2021-12-31 JST', () => {
  const v1 = validated(mynapoint2020());
  const june = pay('A', 8_000, '2021-06-15T12:00:00+09:00');
  const run = startDryRun(v1);
  assert.equal(code(run.apply(june)), 'outside_earning_window', 'version 1 ended on 2021-03-31');
  const v2 = nextVersion(v1, mynapoint2020Extended(), run);
  assert.equal(v2.version, 2);
  run.publishVersion(v2);
  assert.equal(points(run.apply(june)), 2_000, 'the same event, sent again, counts under version 2 (a rejected event is not stored)');
  assert.equal(points(run.apply(pay('A', 4_000, '2021-12-31T23:59:59+09:00'))), 1_000);
  assert.equal(code(run.apply(pay('A', 4_000, '2022-01-01T00:00:00+09:00'))), 'outside_earning_window');
  assert.deepEqual(run.report().campaign, { id: 'mynapoint-2020', version: 2, kind: 'spend_back', timeZone: 'Asia/Tokyo' });
});

test('phase 2 card measure: a phase-1 person at 3,000 keeps earning to 5,000, never beyond; a new person earns 5,000', () => {
  const v1 = validated(mynapoint2020());
  const run = startDryRun(v1);
  assert.equal(points(run.apply(pay('phase1', 12_000, '2020-10-10T10:00:00+09:00'))), 3_000);
  assert.equal(code(run.apply(pay('phase1', 4_000, '2022-02-01T10:00:00+09:00'))), 'outside_earning_window', 'phase 1 alone has ended');
  const v2 = nextVersion(v1, mynapoint2020Extended(), run);
  run.publishVersion(v2);
  run.publishVersion(nextVersion(v2, mynapoint2022Card(), run));
  const topUp = run.apply(pay('phase1', 20_000, '2022-03-01T10:00:00+09:00'));
  assert.equal(points(topUp), 2_000, 'only what is left under the one 5,000 cap');
  assert.deepEqual(cappedBy(topUp), ['person_cap']);
  assert.equal(points(run.apply(pay('phase1', 40_000, '2023-05-01T10:00:00+09:00'))), 0);
  assert.equal(run.tallyOf('phase1')?.pointsGranted, 5_000);
  // A new card holder applies in 2022: spending before the application does not count, spending after does.
  assert.equal(run.apply({ accountRef: 'new', boundAt: '2022-02-01T09:00:00+09:00' }).status, 'bound');
  assert.equal(code(run.apply(pay('new', 1_000, '2022-01-20T10:00:00+09:00'))), 'outside_earning_window');
  assert.equal(points(run.apply(pay('new', 20_000, '2022-02-10T10:00:00+09:00'))), 5_000);
  assert.equal(points(run.apply(pay('new', 8_000, '2022-02-11T10:00:00+09:00'))), 0);
  assert.equal(code(run.apply(pay('new', 8_000, '2024-01-01T00:00:00+09:00'))), 'outside_earning_window');
  assert.deepEqual(run.report().persons, { seen: 2, granted: 2, atPersonCap: 2 });
  assert.equal(run.report().points.granted, 10_000);
});

test('phase 2 fixed awards: 7,500 once; registrations before the measure count, none after the window', () => {
  const cases = [
    { definition: mynapoint2022HealthInsurance(), kind: 'health_insurance_linked', other: 'public_funds_account_registered', opens: '2021-10-20T00:00:00+09:00', before: '2021-11-01T10:00:00+09:00' },
    { definition: mynapoint2022PublicFundsAccount(), kind: 'public_funds_account_registered', other: 'health_insurance_linked', opens: '2022-03-28T00:00:00+09:00', before: '2022-04-01T10:00:00+09:00' },
  ];
  for (const c of cases) {
    const run = startDryRun(validated(c.definition));
    const attest = (accountRef: string, attestedAt: string, attestationKind = c.kind) => run.apply({ accountRef, attestationKind, attestedAt });
    assert.equal(points(attest('A', c.before)), 7_500, `${c.kind}: registered before the measure started on 2022-06-30`);
    assert.equal(points(attest('A', '2022-08-01T10:00:00+09:00')), 0, `${c.kind}: once per person`);
    assert.equal(points(attest('B', c.opens)), 7_500, `${c.kind}: from the day registration opened`);
    assert.equal(points(attest('C', '2023-09-30T23:59:59.999+09:00')), 7_500, `${c.kind}: the last millisecond`);
    assert.equal(code(attest('D', '2023-10-01T00:00:00+09:00')), 'outside_earning_window', `${c.kind}: after the window`);
    assert.equal(code(attest('E', new Date(Date.parse(c.opens) - 1).toISOString())), 'outside_earning_window', `${c.kind}: before registration was possible`);
    assert.equal(code(attest('F', c.before, c.other)), 'event_kind_not_eligible', `${c.kind}: the other measure's attestation`);
    assert.equal(code(run.apply(pay('G', 20_000, '2022-08-01T10:00:00+09:00'))), 'event_kind_not_eligible', `${c.kind}: spending earns nothing`);
    assert.equal(code(run.apply({ accountRef: 'H', boundAt: '2022-06-29T23:59:59+09:00' })), 'campaign_application_closed', `${c.kind}: applications opened 2022-06-30`);
    const report = run.report();
    assert.equal(report.points.granted, 22_500);
    assert.equal(report.persons.atPersonCap, 3);
    // Granted when the binding (applications opened 2022-06-30) and the attestation both exist.
    assert.deepEqual(report.byMonth.map((m) => [m.month, m.pointsGranted]), [['2022-06', 15_000], ['2023-09', 7_500]], c.kind);
  }
});

/** Opens at 2026-01-10 00:00 JST for 91 days: January (from the 10th), February, March, April (to the 10th). */
const municipalAnchorMs = Date.parse('2026-01-10T12:00:00+09:00');

test('municipal: 30 % at merchants of its region, 1,000 per payment, 3,000 per month in JST, 9,000 per person', () => {
  const municipal = validated(municipalSpendBack(municipalAnchorMs));
  assert.equal(municipal.earningStartsAtMs, Date.parse('2026-01-10T00:00:00+09:00'));
  const run = startDryRun(municipal);
  const local = (accountRef: string, amountYen: number, occurredAt: string) => run.apply(pay(accountRef, amountYen, occurredAt, { merchantRegion: municipalPresetRegion }));
  assert.equal(points(local('A', 1_000, '2026-01-15T12:00:00+09:00')), 300, '30 %');
  const capped = local('B', 10_000, '2026-01-15T12:00:00+09:00');
  assert.deepEqual([points(capped), cappedBy(capped)], [1_000, ['event_cap']], '3,000 yen back would be 3,000: 1,000 per payment');
  assert.equal(code(run.apply(pay('A', 1_000, '2026-01-15T13:00:00+09:00', { merchantRegion: '27100' }))), 'merchant_region_not_eligible');
  assert.equal(code(run.apply(pay('A', 1_000, '2026-01-15T13:00:00+09:00'))), 'merchant_region_not_eligible', 'no region code');
  assert.equal(code(run.apply({ ...pay('A', 1_000, '2026-01-15T13:00:00+09:00', { merchantRegion: municipalPresetRegion }), kind: 'topup' })), 'event_kind_not_eligible');
  // M spends 3,334 yen (1,000 points) at a time.
  const monthOf = (occurredAts: string[]) => occurredAts.map((at) => points(local('M', 3_334, at), at));
  assert.deepEqual(monthOf(['2026-01-20T10:00:00+09:00', '2026-01-21T10:00:00+09:00', '2026-01-22T10:00:00+09:00']), [1_000, 1_000, 1_000]);
  const lastSecond = local('M', 3_334, '2026-01-31T23:59:59+09:00');
  assert.deepEqual([points(lastSecond), cappedBy(lastSecond)], [0, ['period_cap']], 'January is full');
  assert.deepEqual(monthOf(['2026-01-31T15:00:00Z', '2026-02-10T10:00:00+09:00', '2026-02-11T10:00:00+09:00', '2026-02-12T10:00:00+09:00']), [1_000, 1_000, 1_000, 0], '15:00Z on 01-31 is February in JST');
  assert.deepEqual(monthOf(['2026-03-01T10:00:00+09:00', '2026-03-02T10:00:00+09:00', '2026-03-03T10:00:00+09:00']), [1_000, 1_000, 1_000]);
  const april = local('M', 3_334, '2026-04-01T10:00:00+09:00');
  assert.deepEqual([points(april), cappedBy(april)], [0, ['person_cap']], 'a fresh month, but 9,000 per person');
  assert.equal(code(local('M', 3_334, '2026-04-11T00:00:00+09:00')), 'outside_earning_window');
  const report = run.report();
  assert.equal(run.tallyOf('M')?.pointsGranted, 9_000);
  assert.deepEqual(report.grantsLimitedBy, { event_cap: 1, period_cap: 2, person_cap: 1, budget: 0 });
  assert.deepEqual(report.byMonth.map((m) => [m.month, m.pointsGranted]), [['2026-01', 4_300], ['2026-02', 3_000], ['2026-03', 3_000]]);
  assert.deepEqual(report.budget, { budgetPoints: 100_000_000, usedPoints: 10_300, leftPoints: 99_989_700, exhaustedAt: null, exhaustedOn: null });
});

test('municipal: the real budget of 100,000,000 points runs out with a partial grant (11,113 persons)', () => {
  // P0 earns 300 first; then 11,112 persons each earn 1,000 three times a month. January and February take
  // 66,672,300; March has 33,327,700 left: 33,327 full grants, then one of 700, then nothing.
  const run = startDryRun(validated(municipalSpendBack(municipalAnchorMs)));
  const persons = 11_112;
  const local = (accountRef: string, amountYen: number, occurredAtMs: number) =>
    run.apply(pay(accountRef, amountYen, new Date(occurredAtMs).toISOString(), { merchantRegion: municipalPresetRegion }));
  assert.equal(points(local('P0', 1_001, Date.parse('2026-01-11T09:00:00+09:00'))), 300);
  const tail: Array<{ outcome: DryRunOutcome; occurredAtMs: number }> = [];
  for (const monthStart of ['2026-01-12', '2026-02-02', '2026-03-02']) {
    const startMs = Date.parse(`${monthStart}T00:00:00+09:00`);
    for (let person = 1; person <= persons; person += 1) {
      for (let payment = 0; payment < 3; payment += 1) {
        const occurredAtMs = startMs + person * 60_000 + payment * 10_000;
        const outcome = local(`P${person}`, 3_334, occurredAtMs);
        if (monthStart === '2026-03-02') tail.push({ outcome, occurredAtMs });
        else assert.equal(outcome.status === 'applied' && outcome.points, 1_000);
      }
    }
  }
  const grants = tail.map(({ outcome }) => points(outcome));
  const partialAt = grants.findIndex((p) => p !== 1_000);
  assert.equal(partialAt, 33_327);
  assert.equal(grants[partialAt], 700);
  assert.deepEqual(cappedBy(tail[partialAt]!.outcome), ['budget']);
  assert.ok(grants.slice(partialAt + 1).every((p) => p === 0), 'nothing after the budget ran out');
  const report = run.report();
  const exhaustedAtMs = tail[partialAt]!.occurredAtMs;
  assert.deepEqual(report.budget, {
    budgetPoints: 100_000_000,
    usedPoints: 100_000_000,
    leftPoints: 0,
    exhaustedAt: new Date(exhaustedAtMs).toISOString(),
    exhaustedOn: '2026-03-09',
  });
  assert.deepEqual(report.byMonth.map((m) => [m.month, m.pointsGranted]), [['2026-01', 33_336_300], ['2026-02', 33_336_000], ['2026-03', 33_327_700]]);
  assert.deepEqual(report.persons, { seen: persons + 1, granted: persons + 1, atPersonCap: 11_109 });
  assert.equal(report.grantsLimitedBy.budget, 1 + (grants.length - partialAt - 1));
  assert.equal(report.lines.eventsCounted, 1 + persons * 9);
});

test('every preset speaks to people in Japanese and English', () => {
  for (const name of presetNames) {
    const { names } = presetDefinition(name, Date.parse('2026-12-07T00:00:00Z'));
    assert.ok(names?.ja !== undefined && /[\u3040-\u30ff\u4e00-\u9fff]/.test(names.ja), `${name}: a Japanese name`);
    assert.ok(names?.en !== undefined && /^[\x20-\x7e①-③ ]+$/.test(names.en), `${name}: an English name`);
  }
});
