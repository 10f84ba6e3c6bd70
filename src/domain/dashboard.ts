/**
 * The dashboards' daily series (DOMAIN.md §13.15): persons bound and net points granted per calendar day in the
 * campaign's time zone, with running totals, and counts per code per day (event rejections). The store groups rows
 * into 15-minute buckets of UTC time (engine independent SQL); every time zone in use today is offset from UTC by a
 * whole number of quarter hours, so each bucket lies within one local day, which this module checks.
 */
import assert from 'node:assert/strict';
import { localDateOf, nextDate } from './calendar.js';

export const dashboardBucketMs = 15 * 60_000;

/** A count or sum over the rows created in bucket `bucket` (the instant `bucket × dashboardBucketMs` onwards). */
export interface Bucketed {
  bucket: number;
  value: number;
}

export interface DashboardDay {
  /** YYYY-MM-DD in the campaign's time zone. */
  date: string;
  personsBound: number;
  personsBoundCumulative: number;
  /** Net of clawbacks. */
  pointsGranted: number;
  pointsGrantedCumulative: number;
}

/** The local day a bucket lies in (asserting it lies in one). */
function dateOfBucket(bucket: number, timeZone: string): string {
  const startMs = bucket * dashboardBucketMs;
  const date = localDateOf(startMs, timeZone);
  assert.equal(localDateOf(startMs + dashboardBucketMs - 1, timeZone), date, `a quarter hour of ${timeZone} spans two days`);
  return date;
}

/**
 * The start of the bucket an instant lies in: where a count made at `atMs` is kept.
 *
 * @example
 * bucketStartMsOf(Date.parse('2026-11-27T09:14:59Z')); // Date.parse('2026-11-27T09:00:00Z')
 */
export function bucketStartMsOf(atMs: number): number {
  return Math.floor(atMs / dashboardBucketMs) * dashboardBucketMs;
}

function byDate(buckets: readonly Bucketed[], timeZone: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { bucket, value } of buckets) {
    const date = dateOfBucket(bucket, timeZone);
    sums.set(date, (sums.get(date) ?? 0) + value);
  }
  return sums;
}

/** Every date from the first to the last (YYYY-MM-DD, inclusive). */
function datesBetween(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let date = first; date <= last; date = nextDate(date)) dates.push(date);
  return dates;
}

/**
 * Every day from the first with a binding or a grant to the last, zeros included, with running totals.
 *
 * @example
 * dailySeries({ bindings: [{ bucket: 1_966_000, value: 2 }], points: [], timeZone: 'Asia/Tokyo' });
 * // [{ date: '2026-01-26', personsBound: 2, personsBoundCumulative: 2, pointsGranted: 0, pointsGrantedCumulative: 0 }]
 */
export function dailySeries(input: { bindings: readonly Bucketed[]; points: readonly Bucketed[]; timeZone: string }): DashboardDay[] {
  const bound = byDate(input.bindings, input.timeZone);
  const granted = byDate(input.points, input.timeZone);
  const dates = [...bound.keys(), ...granted.keys()].sort();
  const first = dates[0];
  const last = dates.at(-1);
  if (first === undefined || last === undefined) return [];
  let personsBoundCumulative = 0;
  let pointsGrantedCumulative = 0;
  return datesBetween(first, last).map((date) => {
    const personsBound = bound.get(date) ?? 0;
    const pointsGranted = granted.get(date) ?? 0;
    personsBoundCumulative += personsBound;
    pointsGrantedCumulative += pointsGranted;
    return { date, personsBound, personsBoundCumulative, pointsGranted, pointsGrantedCumulative };
  });
}

/** A count of one code in one bucket (event rejections: the code they were rejected with). */
export interface BucketedCode extends Bucketed {
  code: string;
}

export interface CodeDay {
  /** YYYY-MM-DD in the zone asked for. */
  date: string;
  /** Every code's count that day. */
  total: number;
  /** The codes met that day with their counts (codes not met are absent). */
  byCode: Record<string, number>;
}

export interface CodeSeries {
  /** Every code met, with its count over all days, the most frequent first (then by code). */
  codes: Array<{ code: string; count: number }>;
  /** Every day from the first with a count to the last, zeros included. */
  days: CodeDay[];
}

/**
 * Counts per code per local day of `timeZone`, and each code's total.
 *
 * @example
 * codeSeries([{ bucket: 1_966_000, code: 'account_unknown', value: 3 }], 'Asia/Tokyo');
 * // { codes: [{ code: 'account_unknown', count: 3 }], days: [{ date: '2026-01-26', total: 3, byCode: { account_unknown: 3 } }] }
 */
export function codeSeries(buckets: readonly BucketedCode[], timeZone: string): CodeSeries {
  const perDay = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  for (const { bucket, code, value } of buckets) {
    const date = dateOfBucket(bucket, timeZone);
    const day = perDay.get(date) ?? new Map<string, number>();
    day.set(code, (day.get(code) ?? 0) + value);
    perDay.set(date, day);
    totals.set(code, (totals.get(code) ?? 0) + value);
  }
  const codes = [...totals].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
  const dates = [...perDay.keys()].sort();
  const first = dates[0];
  const last = dates.at(-1);
  if (first === undefined || last === undefined) return { codes, days: [] };
  const days = datesBetween(first, last).map((date) => {
    const byCode = Object.fromEntries([...(perDay.get(date) ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1)));
    return { date, total: Object.values(byCode).reduce((sum, count) => sum + count, 0), byCode };
  });
  return { codes, days };
}
