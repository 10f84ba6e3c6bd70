// Ensures the dry-run core keeps the platform's per-event rules that are not point maths: repeats (the same
// payload, also written with another offset, is a duplicate; another payload is a conflict), every reversal
// check, My Number refusal, binding lines (only before the account's first line, only while applications are
// open, and events before them do not count), a report whose line counts add up and name each reason's first line,
// clawbacks counted in the month of the refund, a budget that a larger new version reopens, and the line splitter.
// How: table tests on small runs of Mynapoint 2020 rules; the rules themselves are in presets.test.ts and the
// equivalence with real ingest in test/store/dry-run-parity.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCampaign, type Campaign, type CampaignDefinition } from './campaign.js';
import { startDryRun, textLines, type DryRunEvent, type DryRunOutcome } from './dry-run.js';
import { mynapoint2020 } from './presets.js';

function campaign(overrides: Partial<CampaignDefinition> = {}, version = 1): Campaign {
  const r = validateCampaign({ ...mynapoint2020(), ...overrides }, version);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

const pay = (eventId: string, accountRef: string, amountYen: number, occurredAt = '2020-09-15T12:00:00+09:00'): DryRunEvent => ({ eventId, accountRef, kind: 'payment', amountYen, occurredAt });
const refund = (eventId: string, accountRef: string, amountYen: number, originalEventId: string, occurredAt = '2020-10-05T12:00:00+09:00'): DryRunEvent => ({
  eventId,
  accountRef,
  kind: 'refund',
  amountYen,
  occurredAt,
  originalEventId,
});

function summary(outcome: DryRunOutcome): string | number {
  if (outcome.status === 'applied') return outcome.points;
  return outcome.status === 'rejected' ? outcome.code : outcome.status;
}

test('repeats: the same payload is a duplicate (whatever the offset), another payload a conflict', () => {
  const run = startDryRun(campaign());
  const cases: Array<[string, DryRunEvent, string | number]> = [
    ['first', pay('e1', 'A', 4_000, '2020-09-15T12:00:00+09:00'), 1_000],
    ['same payload', pay('e1', 'A', 4_000, '2020-09-15T12:00:00+09:00'), 'duplicate'],
    ['same instant in UTC', pay('e1', 'A', 4_000, '2020-09-15T03:00:00Z'), 'duplicate'],
    ['another amount', pay('e1', 'A', 4_001, '2020-09-15T12:00:00+09:00'), 'idempotency_conflict'],
    ['another account', pay('e1', 'B', 4_000, '2020-09-15T12:00:00+09:00'), 'idempotency_conflict'],
    ['a merchant region added', { ...pay('e1', 'A', 4_000), merchantRegion: '13101' }, 'idempotency_conflict'],
    ['a rejected event is decided afresh', pay('e2', 'A', 4_000, '2020-08-15T12:00:00+09:00'), 'outside_earning_window'],
    ['… under the same id', pay('e2', 'A', 4_000, '2020-09-16T12:00:00+09:00'), 1_000],
  ];
  for (const [name, event, expected] of cases) assert.equal(summary(run.apply(event)), expected, name);
  assert.equal(run.tallyOf('A')?.pointsGranted, 2_000);
});

test('reversals: the checks of ingest, in its order', () => {
  const run = startDryRun(campaign());
  run.apply(pay('p1', 'A', 8_000));
  run.apply(pay('p2', 'B', 8_000));
  const cases: Array<[string, DryRunEvent, string | number]> = [
    ['a refund without its original', { ...refund('r0', 'A', 1, 'p1'), originalEventId: undefined } as DryRunEvent, 'original_event_required'],
    ['a payment naming an original', { ...pay('x', 'A', 1), originalEventId: 'p1' }, 'original_event_not_allowed'],
    ['a My Number for an account', pay('x', '1234-5678-9018', 1), 'national_id_number_refused'],
    ['not an instant', pay('x', 'A', 1, 'yesterday'), 'invalid_request'],
    ['an original never applied', refund('r1', 'A', 1_000, 'nope'), 'original_event_unknown'],
    ['an original of another account', refund('r1', 'A', 1_000, 'p2'), 'original_event_mismatch'],
    ['more than the original', refund('r1', 'A', 8_001, 'p1'), 'refund_exceeds_original'],
    ['part of it, below the cap: a clawback', refund('r1', 'A', 4_000, 'p1'), -1_000],
    ['a refund of a refund', refund('r2', 'A', 1, 'r1'), 'original_event_mismatch'],
    ['more than what is left', refund('r2', 'A', 4_001, 'p1'), 'refund_exceeds_original'],
    ['the rest, as a cancel after the window closed', { ...refund('r2', 'A', 4_000, 'p1', '2021-05-01T00:00:00+09:00'), kind: 'cancel' }, -1_000],
  ];
  for (const [name, event, expected] of cases) assert.equal(summary(run.apply(event)), expected, name);
  const report = run.report();
  assert.deepEqual(report.points, { granted: 4_000, clawedBack: 2_000, net: 2_000, eligibleYen: 8_000 });
  assert.deepEqual(report.byMonth, [
    { month: '2020-09', pointsGranted: 4_000, pointsClawedBack: 0, pointsNet: 4_000 },
    { month: '2020-10', pointsGranted: 0, pointsClawedBack: 1_000, pointsNet: -1_000 },
    { month: '2021-05', pointsGranted: 0, pointsClawedBack: 1_000, pointsNet: -1_000 },
  ]);
});

test('binding lines: before the account’s first line, while applications are open; earlier events do not count', () => {
  const run = startDryRun(campaign());
  const cases: Array<[string, Parameters<typeof run.apply>[0], string | number]> = [
    ['bound in October', { accountRef: 'A', boundAt: '2020-10-01T00:00:00+09:00' }, 'bound'],
    ['paid in September: before the binding', pay('p1', 'A', 4_000, '2020-09-30T23:59:59+09:00'), 'outside_earning_window'],
    ['paid at the binding', pay('p2', 'A', 4_000, '2020-10-01T00:00:00+09:00'), 1_000],
    ['bound twice', { accountRef: 'A', boundAt: '2020-10-02T00:00:00+09:00' }, 'binding_already_exists'],
    ['bound after a first event', pay('p3', 'B', 4_000), 1_000],
    ['… is too late', { accountRef: 'B', boundAt: '2020-10-02T00:00:00+09:00' }, 'binding_already_exists'],
    ['bound when applications had closed', { accountRef: 'C', boundAt: '2021-04-01T00:00:00+09:00' }, 'campaign_application_closed'],
    ['a My Number', { accountRef: '123456789018', boundAt: '2020-10-01T00:00:00+09:00' }, 'national_id_number_refused'],
  ];
  for (const [name, line, expected] of cases) assert.equal(summary(run.apply(line)), expected, name);
});

test('the report: line counts add up, each reason names its first line, persons at the cap are counted', () => {
  const run = startDryRun(campaign());
  run.reject('invalid_request', 'not JSON', 1);
  run.apply(pay('p1', 'A', 20_000), 3);
  run.apply(pay('p1', 'A', 20_000), 4);
  run.apply(pay('p2', 'B', 400, '2020-08-01T00:00:00+09:00'), 5);
  run.reject('invalid_request', 'not JSON', 6);
  run.apply({ accountRef: 'C', attestationKind: 'health_insurance_linked', attestedAt: '2020-10-01T00:00:00+09:00' }, 7);
  const report = run.report();
  assert.deepEqual(report.lines, {
    read: 6,
    eventsCounted: 1,
    reversalsApplied: 0,
    duplicates: 1,
    bindings: 0,
    attestationsRecorded: 0,
    rejected: {
      event_kind_not_eligible: { lines: 1, firstLineNo: 7 },
      invalid_request: { lines: 2, firstLineNo: 1 },
      outside_earning_window: { lines: 1, firstLineNo: 5 },
    },
  });
  assert.deepEqual(report.persons, { seen: 3, granted: 1, atPersonCap: 1 });
  assert.equal(report.budget, null);
});

test('a budget that ran out is reopened by a larger new version', () => {
  const run = startDryRun(campaign({ caps: { perPersonPoints: 5_000, budgetPoints: 1_500 } }));
  assert.deepEqual([run.apply(pay('p1', 'A', 4_000)), run.apply(pay('p2', 'B', 4_000)), run.apply(pay('p3', 'C', 4_000))].map(summary), [1_000, 500, 0]);
  assert.equal(run.report().budget?.exhaustedAt, new Date(Date.parse('2020-09-15T12:00:00+09:00')).toISOString());
  assert.equal(run.report().budget?.exhaustedOn, '2020-09-15');
  assert.equal(run.report().grantsLimitedBy.budget, 2);
  run.publishVersion(campaign({ caps: { perPersonPoints: 5_000, budgetPoints: 3_000 } }, 2));
  assert.equal(run.report().budget?.exhaustedAt, null);
  assert.equal(summary(run.apply(pay('p4', 'D', 4_000))), 1_000);
  assert.deepEqual(run.report().budget, { budgetPoints: 3_000, usedPoints: 2_500, leftPoints: 500, exhaustedAt: null, exhaustedOn: null });
});

test('textLines: LF and CRLF, blank lines kept, no last empty line', () => {
  assert.deepEqual([...textLines('a\r\n\nb\n')], ['a', '', 'b']);
  assert.deepEqual([...textLines('a')], ['a']);
  assert.deepEqual([...textLines('')], []);
});
