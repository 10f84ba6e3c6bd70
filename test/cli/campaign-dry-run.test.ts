// Ensures `mykey campaign dry-run`, run as a real process with no server: a preset (also one anchored with
// --anchor) or a definition file (bare or as {definition}) against an events file or stdin prints the same report
// as the dry run in process (--json) or a readable one, and each failure has its exit code — usage 64, refused
// campaign 2, unreadable file 3 — with one line on stderr.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dryRunCampaign } from '../../src/app/dry-run.js';
import { textLines } from '../../src/domain/dry-run.js';
import { municipalPresetRegion, municipalSpendBack } from '../../src/domain/presets.js';
import { checkDryRunLine } from '../../src/http/dry-run-schema.js';
import { runMykey } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mykey-dry-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const mynapointEvents = [
  { eventId: 'p1', accountRef: 'A1', kind: 'payment', amountYen: 8_000, occurredAt: '2020-09-15T12:00:00+09:00' },
  { accountRef: 'A2', boundAt: '2020-10-01T00:00:00+09:00' },
  { eventId: 'p2', accountRef: 'A2', kind: 'topup', amountYen: 30_000, occurredAt: '2020-09-20T09:00:00+09:00' },
  { eventId: 'p3', accountRef: 'A2', kind: 'topup', amountYen: 30_000, occurredAt: '2020-10-01T09:00:00+09:00' },
  { eventId: 'r1', accountRef: 'A1', kind: 'refund', amountYen: 4_000, occurredAt: '2020-10-02T09:00:00+09:00', originalEventId: 'p1' },
]
  .map((line) => JSON.stringify(line))
  .join('\r\n');
const eventsPath = join(dir, 'events.ndjson');
writeFileSync(eventsPath, `${mynapointEvents}\r\n\r\n{"eventId": 1}\r\n`);

async function inProcess(source: Parameters<typeof dryRunCampaign>[0], text: string, nowMs = 0) {
  const report = await dryRunCampaign(source, textLines(text), checkDryRunLine, nowMs);
  assert.ok(report.ok);
  return report.value;
}

test('a preset against a file: --json is the in-process report; the readable report says the same', async () => {
  const json = await runMykey(['campaign', 'dry-run', '--preset', 'mynapoint-2020', '--events', eventsPath, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(report, await inProcess({ preset: 'mynapoint-2020' }, `${mynapointEvents}\n\n{"eventId": 1}\n`));
  assert.deepEqual([report.lines.read, report.lines.bindings, report.lines.rejected.outside_earning_window?.lines, report.lines.rejected.invalid_request?.firstLineNo], [6, 1, 1, 7]);
  assert.equal(report.points.net, 6_000);
  const text = await runMykey(['campaign', 'dry-run', '--preset', 'mynapoint-2020', '--events', eventsPath]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^points +7,000 granted, 1,000 clawed back, 6,000 net/m);
  assert.match(text.stdout, /^ {4}outside_earning_window +1 +\(first: line 3\)$/m);
  assert.match(text.stdout, /^ {2}2020-10 +5,000 +1,000 +4,000$/m);
});

test('a definition file (bare or wrapped), events on stdin; a preset that opens "now" anchored with --anchor', async () => {
  const definition = { ...municipalSpendBack(Date.parse('2026-01-10T12:00:00+09:00')), id: 'town-dry-run' };
  const events = ['2026-01-20T10:00:00+09:00', '2026-02-20T10:00:00+09:00']
    .map((occurredAt, i) => JSON.stringify({ eventId: `m${i}`, accountRef: 'T1', kind: 'payment', amountYen: 10_000, occurredAt, merchantRegion: municipalPresetRegion }))
    .join('\n');
  const expected = await inProcess({ definition }, events);
  assert.equal(expected.points.granted, 2_000);
  for (const [name, content] of [['bare.json', definition], ['wrapped.json', { definition }]] as const) {
    writeFileSync(join(dir, name), JSON.stringify(content));
    const run = await runMykey(['campaign', 'dry-run', '--definition', join(dir, name), '--events', '-', '--json'], { input: events });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), expected, name);
  }
  const anchored = await runMykey(['campaign', 'dry-run', '--preset', 'municipal-30', '--anchor', '2026-01-10T12:00:00+09:00', '--events', '-', '--json'], { input: events });
  assert.equal(anchored.status, 0, anchored.stderr);
  assert.equal(JSON.parse(anchored.stdout).points.granted, 2_000);
});

test('failures: one line on stderr and the exit code of their kind', async () => {
  const badDefinition = join(dir, 'bad.json');
  writeFileSync(badDefinition, JSON.stringify({ ...municipalSpendBack(0), caps: {} }));
  const ruleBroken = join(dir, 'rule.json');
  writeFileSync(ruleBroken, JSON.stringify({ ...municipalSpendBack(0), rate: { numerator: 3, denominator: 2 } }));
  const cases: Array<[string, string[], number, RegExp]> = [
    ['no events', ['--preset', 'mynapoint-2020'], 64, /give --events/],
    ['preset and definition', ['--preset', 'mynapoint-2020', '--definition', badDefinition, '--events', eventsPath], 64, /one of --preset, --definition/],
    ['bad anchor', ['--preset', 'municipal-30', '--anchor', 'tomorrow', '--events', eventsPath], 64, /--anchor/],
    ['unknown preset', ['--preset', 'mynapoint-1999', '--events', eventsPath], 2, /preset_unknown/],
    ['definition not of the schema', ['--definition', badDefinition, '--events', eventsPath], 2, /invalid_request: .*caps/],
    ['definition breaking a rule', ['--definition', ruleBroken, '--events', eventsPath], 2, /campaign_invalid: .*\(rate\)/],
    ['no such events file', ['--preset', 'mynapoint-2020', '--events', join(dir, 'missing.ndjson')], 3, /cannot read/],
    ['no such definition file', ['--definition', join(dir, 'missing.json'), '--events', eventsPath], 3, /cannot read/],
  ];
  for (const [name, args, status, message] of cases) {
    const run = await runMykey(['campaign', 'dry-run', ...args]);
    assert.equal(run.status, status, `${name}: ${run.stderr}`);
    assert.match(run.stderr.split('\n')[0]!, message, name);
    assert.equal(run.stdout, '', name);
  }
});
