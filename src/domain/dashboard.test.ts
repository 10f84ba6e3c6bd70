// Ensures the dashboard's daily series: quarter-hour buckets land on the campaign's local days (a bucket at 23:45
// JST on one day, 00:00 JST on the next), days without activity in between are filled with zeros, running totals
// accumulate, clawbacks lower the net, and no activity gives no days. How: table tests on hand-made buckets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dailySeries, dashboardBucketMs } from './dashboard.js';

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
