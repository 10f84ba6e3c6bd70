// Ensures the dashboard's daily series: quarter-hour buckets land on the campaign's local days (a bucket at 23:45
// JST on one day, 00:00 JST on the next), days without activity in between are filled with zeros, running totals
// accumulate, clawbacks lower the net, and no activity gives no days; counts per code (event rejections) per local
// day and in total, and the quarter hour an instant is counted in. How: table tests on hand-made buckets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStartMsOf, codeSeries, dailySeries, dashboardBucketMs } from './dashboard.js';

const bucketAt = (iso: string): number => Date.parse(iso) / dashboardBucketMs;

test('buckets become local days with running totals, gaps filled', () => {
  const days = dailySeries({
    bindings: [
      { bucket: bucketAt('2026-11-27T23:45:00+09:00'), value: 2 },
      { bucket: bucketAt('2026-11-28T00:00:00+09:00'), value: 1 },
    ],
    points: [
      { bucket: bucketAt('2026-11-27T23:45:00+09:00'), value: 1_000 },
      { bucket: bucketAt('2026-11-30T09:00:00+09:00'), value: 500 },
      { bucket: bucketAt('2026-11-30T10:15:00+09:00'), value: -200 },
    ],
    timeZone: 'Asia/Tokyo',
  });
  assert.deepEqual(days, [
    { date: '2026-11-27', personsBound: 2, personsBoundCumulative: 2, pointsGranted: 1_000, pointsGrantedCumulative: 1_000 },
    { date: '2026-11-28', personsBound: 1, personsBoundCumulative: 3, pointsGranted: 0, pointsGrantedCumulative: 1_000 },
    { date: '2026-11-29', personsBound: 0, personsBoundCumulative: 3, pointsGranted: 0, pointsGrantedCumulative: 1_000 },
    { date: '2026-11-30', personsBound: 0, personsBoundCumulative: 3, pointsGranted: 300, pointsGrantedCumulative: 1_300 },
  ]);
});

test('the same buckets fall on other days in another zone, and nothing gives no days', () => {
  const bindings = [{ bucket: bucketAt('2026-11-28T00:00:00+09:00'), value: 1 }];
  assert.deepEqual(dailySeries({ bindings, points: [], timeZone: 'Asia/Tokyo' }).map((d) => d.date), ['2026-11-28']);
  assert.deepEqual(dailySeries({ bindings, points: [], timeZone: 'UTC' }).map((d) => d.date), ['2026-11-27']);
  assert.deepEqual(dailySeries({ bindings, points: [], timeZone: 'Asia/Kathmandu' }).map((d) => d.date), ['2026-11-27']);
  assert.deepEqual(dailySeries({ bindings: [], points: [], timeZone: 'Asia/Tokyo' }), []);
});

test('codes are counted per local day and in total, the most frequent first', () => {
  const series = codeSeries(
    [
      { bucket: bucketAt('2026-11-27T23:45:00+09:00'), code: 'account_unknown', value: 2 },
      { bucket: bucketAt('2026-11-28T00:00:00+09:00'), code: 'account_unknown', value: 1 },
      { bucket: bucketAt('2026-11-28T00:15:00+09:00'), code: 'invalid_request', value: 4 },
      { bucket: bucketAt('2026-11-30T09:00:00+09:00'), code: 'account_unknown', value: 2 },
      { bucket: bucketAt('2026-11-30T09:00:00+09:00'), code: 'outside_earning_window', value: 1 },
    ],
    'Asia/Tokyo',
  );
  assert.deepEqual(series.codes, [
    { code: 'account_unknown', count: 5 },
    { code: 'invalid_request', count: 4 },
    { code: 'outside_earning_window', count: 1 },
  ]);
  assert.deepEqual(series.days, [
    { date: '2026-11-27', total: 2, byCode: { account_unknown: 2 } },
    { date: '2026-11-28', total: 5, byCode: { account_unknown: 1, invalid_request: 4 } },
    { date: '2026-11-29', total: 0, byCode: {} },
    { date: '2026-11-30', total: 3, byCode: { account_unknown: 2, outside_earning_window: 1 } },
  ]);
  assert.deepEqual(codeSeries([], 'Asia/Tokyo'), { codes: [], days: [] });
});

test('a count is kept in the quarter hour its instant lies in', () => {
  assert.equal(bucketStartMsOf(Date.parse('2026-11-27T09:14:59.999Z')), Date.parse('2026-11-27T09:00:00Z'));
  assert.equal(bucketStartMsOf(Date.parse('2026-11-27T09:15:00Z')), Date.parse('2026-11-27T09:15:00Z'));
});
