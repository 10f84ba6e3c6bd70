/**
 * The budget dashboard's daily series (DOMAIN.md §13.15): persons bound and net points granted per calendar day in
 * the campaign's time zone, with running totals. The store groups rows into 15-minute buckets of UTC time (engine
 * independent SQL); every time zone in use today is offset from UTC by a whole number of quarter hours, so each
 * bucket lies within one local day, which this module checks.
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

function byDate(buckets: readonly Bucketed[], timeZone: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { bucket, value } of buckets) {
    const startMs = bucket * dashboardBucketMs;
    const date = localDateOf(startMs, timeZone);
    assert.equal(localDateOf(startMs + dashboardBucketMs - 1, timeZone), date, `a quarter hour of ${timeZone} spans two days`);
    sums.set(date, (sums.get(date) ?? 0) + value);
  }
  return sums;
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
  const days: DashboardDay[] = [];
  let personsBoundCumulative = 0;
  let pointsGrantedCumulative = 0;
  for (let date = first; date <= last; date = nextDate(date)) {
    const personsBound = bound.get(date) ?? 0;
    const pointsGranted = granted.get(date) ?? 0;
    personsBoundCumulative += personsBound;
    pointsGrantedCumulative += pointsGranted;
    days.push({ date, personsBound, personsBoundCumulative, pointsGranted, pointsGrantedCumulative });
  }
  return days;
}
