// Ensures POST /v1/operator/campaigns/dry-run: a preset or a definition evaluated against NDJSON events answers the
// report (counts by reason, persons, points, caps, budget, cost by month), refuses a bad source or body with its
// code, needs the operator token, takes bodies up to its own limit and no larger — and writes nothing, whatever it
// answers. How: through `app.inject()` on the real app, on both engines, the row count of every table of
// src/store/schema.ts (`countRows`, every table of `storeTables`) is taken before and after all the requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { municipalPresetRegion, municipalSpendBack } from '../../src/domain/presets.js';
import { dryRunBodyBytesMax } from '../../src/domain/limits.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { countRows, injectJson, operatorInject, startHttpWorld } from '../helpers/http.js';

const url = '/v1/operator/campaigns/dry-run';

const ndjson = (lines: unknown[]): string => lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');

const mynapointFile = ndjson([
  { eventId: 'p1', accountRef: 'A1', kind: 'payment', amountYen: 8_000, occurredAt: '2020-09-15T12:00:00+09:00' },
  { eventId: 'p2', accountRef: 'A2', kind: 'topup', amountYen: 30_000, occurredAt: '2020-10-01T09:00:00+09:00' },
  '',
  { eventId: 'r1', accountRef: 'A1', kind: 'refund', amountYen: 4_000, occurredAt: '2020-10-02T09:00:00+09:00', originalEventId: 'p1' },
  { eventId: 'p1', accountRef: 'A1', kind: 'payment', amountYen: 8_000, occurredAt: '2020-09-15T03:00:00Z' },
  { eventId: 'p3', accountRef: 'A3', kind: 'payment', amountYen: 1_000, occurredAt: '2020-08-31T23:59:59+09:00' },
  { eventId: 'p4', accountRef: 'A3', kind: 'payment', amountYen: '1000', occurredAt: '2020-09-30T10:00:00+09:00' },
  'not json',
]);

for (const engine of await enginesUnderTest()) {
  test(`campaign dry run over HTTP on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const http = await startHttpWorld({ engine });
    t.after(() => http.close());
    const before = await countRows(http.opened.store);

    await t.test('a preset against NDJSON events: the report', async () => {
      const response = await operatorInject(http.app, { method: 'POST', url, json: { campaign: { preset: 'mynapoint-2020' }, events: mynapointFile } });
      assert.equal(response.statusCode, 200, response.body);
      const report = response.json();
      assert.deepEqual(report.campaign, { id: 'mynapoint-2020', version: 1, kind: 'spend_back', timeZone: 'Asia/Tokyo' });
      assert.deepEqual(report.lines, {
        read: 7,
        eventsCounted: 2,
        reversalsApplied: 1,
        duplicates: 1,
        bindings: 0,
        attestationsRecorded: 0,
        rejected: { invalid_request: { lines: 2, firstLineNo: 7 }, outside_earning_window: { lines: 1, firstLineNo: 6 } },
      });
      assert.deepEqual(report.persons, { seen: 3, granted: 2, atPersonCap: 1 });
      assert.deepEqual(report.points, { granted: 7_000, clawedBack: 1_000, net: 6_000, eligibleYen: 34_000 });
      assert.deepEqual(report.grantsLimitedBy, { event_cap: 0, period_cap: 0, person_cap: 1, budget: 0 });
      assert.equal(report.budget, null);
      assert.deepEqual(report.byMonth, [
        { month: '2020-09', pointsGranted: 2_000, pointsClawedBack: 0, pointsNet: 2_000 },
        { month: '2020-10', pointsGranted: 5_000, pointsClawedBack: 1_000, pointsNet: 4_000 },
      ]);
    });

    await t.test('a definition with a budget: when it runs out', async () => {
      const definition = { ...municipalSpendBack(Date.parse('2026-01-10T12:00:00+09:00')), caps: { perPersonPoints: 9_000, perEventPoints: 1_000, perPeriod: { period: 'month', points: 3_000 }, budgetPoints: 2_500 } };
      const events = ndjson(
        ['B1', 'B2', 'B3'].map((accountRef, i) => ({ eventId: `m${i}`, accountRef, kind: 'payment', amountYen: 5_000, occurredAt: `2026-02-0${i + 1}T23:30:00+09:00`, merchantRegion: municipalPresetRegion })),
      );
      const response = await operatorInject(http.app, { method: 'POST', url, json: { campaign: { definition }, events } });
      assert.equal(response.statusCode, 200, response.body);
      const report = response.json();
      assert.deepEqual(report.budget, { budgetPoints: 2_500, usedPoints: 2_500, leftPoints: 0, exhaustedAt: '2026-02-03T14:30:00.000Z', exhaustedOn: '2026-02-03' });
      assert.deepEqual(report.grantsLimitedBy, { event_cap: 3, period_cap: 0, person_cap: 0, budget: 1 });
    });

    await t.test('refusals: unknown preset, invalid campaign, bad body, no token, too large', async () => {
      const cases: Array<{ name: string; json: unknown; token?: false; status: number; code: string }> = [
        { name: 'unknown preset', json: { campaign: { preset: 'mynapoint-1999' }, events: '' }, status: 400, code: 'preset_unknown' },
        { name: 'an id the schema refuses', json: { campaign: { preset: 'mynapoint-2020', id: 'X' }, events: '' }, status: 400, code: 'invalid_request' },
        { name: 'a rule of the model', json: { campaign: { definition: { ...municipalSpendBack(0), rate: { numerator: 3, denominator: 2 } } }, events: '' }, status: 400, code: 'campaign_invalid' },
        { name: 'no events', json: { campaign: { preset: 'mynapoint-2020' } }, status: 400, code: 'invalid_request' },
        { name: 'no operator token', json: { campaign: { preset: 'mynapoint-2020' }, events: '' }, token: false, status: 401, code: 'operator_token_invalid' },
      ];
      for (const c of cases) {
        const response =
          c.token === false ? await injectJson(http.app, { method: 'POST', url, json: c.json }) : await operatorInject(http.app, { method: 'POST', url, json: c.json });
        assert.equal(response.statusCode, c.status, `${c.name}: ${response.body}`);
        assert.equal(response.json().code, c.code, c.name);
      }
      const line = `${JSON.stringify({ eventId: 'e', accountRef: 'A', kind: 'payment', amountYen: 1, occurredAt: '2020-09-15T12:00:00+09:00' })}\n`;
      // Inside the JSON body each line is escaped: count it as it will be sent.
      const fitting = line.repeat(Math.floor((dryRunBodyBytesMax - 200) / (JSON.stringify(line).length - 2)));
      const large = await operatorInject(http.app, { method: 'POST', url, json: { campaign: { preset: 'mynapoint-2020' }, events: fitting } });
      assert.equal(large.statusCode, 200, 'a body just under the limit is taken');
      assert.equal(large.json().lines.duplicates, large.json().lines.read - 1);
      const tooLarge = await operatorInject(http.app, { method: 'POST', url, json: { campaign: { preset: 'mynapoint-2020' }, events: fitting + line.repeat(200) } });
      assert.equal(tooLarge.statusCode, 413);
      assert.equal(tooLarge.json().code, 'body_too_large');
    });

    assert.deepEqual(await countRows(http.opened.store), before, 'a dry run writes nothing');
  });
}
