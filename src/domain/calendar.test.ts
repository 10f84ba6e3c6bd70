// Ensures calendar months and days in a time zone: the month bounds of Asia/Tokyo (no DST) and of zones with DST
// changes inside the month and at midnight, the local date on either side of midnight, ISO instants with the
// zone's offset, and the month pattern. How: table tests against instants written by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKnownTimeZone, isMonth, isoInZone, localDateOf, localMonthOf, monthBoundsMs, nextDate } from './calendar.js';

test('month bounds are local midnights of the first days, half-open', () => {
  const cases: Array<[string, string, string, string]> = [
    ['2026-11', 'Asia/Tokyo', '2026-11-01T00:00:00+09:00', '2026-12-01T00:00:00+09:00'],
    ['2026-12', 'Asia/Tokyo', '2026-12-01T00:00:00+09:00', '2027-01-01T00:00:00+09:00'],
    ['2024-02', 'UTC', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    // DST starts inside March and ends inside November: the months are 31 days less or plus an hour.
    ['2026-03', 'America/New_York', '2026-03-01T00:00:00-05:00', '2026-04-01T00:00:00-04:00'],
    ['2026-11', 'America/New_York', '2026-11-01T00:00:00-04:00', '2026-12-01T00:00:00-05:00'],
    ['2026-04', 'Asia/Kolkata', '2026-04-01T00:00:00+05:30', '2026-05-01T00:00:00+05:30'],
    // Santiago moved to summer time inside September 2022: the month ends at another offset than it starts.
    ['2022-09', 'America/Santiago', '2022-09-01T00:00:00-04:00', '2022-10-01T00:00:00-03:00'],
  ];
  for (const [month, zone, start, end] of cases) {
    assert.deepEqual(monthBoundsMs(month, zone), { startsAtMs: Date.parse(start), endsAtMs: Date.parse(end) }, `${month} ${zone}`);
  }
});

test('a first of the month whose midnight does not exist starts at the first instant of that day', () => {
  // Cuba moved its clocks from 00:00 to 01:00 on 2012-04-01: that day began at 01:00 local time.
  const bounds = monthBoundsMs('2012-04', 'America/Havana');
  assert.equal(localDateOf(bounds.startsAtMs, 'America/Havana'), '2012-04-01');
  assert.equal(localDateOf(bounds.startsAtMs - 1, 'America/Havana'), '2012-03-31');
  assert.equal(isoInZone(bounds.startsAtMs, 'America/Havana'), '2012-04-01T01:00:00.000-04:00');
});

test('the local date and month flip at local midnight', () => {
  const lastMinute = Date.parse('2026-11-30T23:59:59.999+09:00');
  assert.equal(localDateOf(lastMinute, 'Asia/Tokyo'), '2026-11-30');
  assert.equal(localMonthOf(lastMinute, 'Asia/Tokyo'), '2026-11');
  assert.equal(localDateOf(lastMinute + 1, 'Asia/Tokyo'), '2026-12-01');
  assert.equal(localMonthOf(lastMinute + 1, 'Asia/Tokyo'), '2026-12');
  assert.equal(localDateOf(lastMinute + 1, 'UTC'), '2026-11-30');
});

test('ISO instants carry the zone offset and round-trip to the millisecond', () => {
  const ms = Date.parse('2026-11-30T14:59:59.123Z');
  assert.equal(isoInZone(ms, 'Asia/Tokyo'), '2026-11-30T23:59:59.123+09:00');
  assert.equal(isoInZone(ms, 'UTC'), '2026-11-30T14:59:59.123+00:00');
  assert.equal(isoInZone(ms, 'America/St_Johns'), '2026-11-30T11:29:59.123-03:30');
  for (const zone of ['Asia/Tokyo', 'America/St_Johns', 'Asia/Kathmandu']) assert.equal(Date.parse(isoInZone(ms, zone)), ms, zone);
});

test('months, dates and zones are checked', () => {
  for (const good of ['2026-01', '2026-12', '2000-01']) assert.ok(isMonth(good), good);
  for (const bad of ['2026-1', '2026-13', '2026-00', '1999-12', '26-11', '2026-11-01', '']) assert.ok(!isMonth(bad), bad);
  assert.equal(nextDate('2026-12-31'), '2027-01-01');
  assert.equal(nextDate('2028-02-28'), '2028-02-29');
  assert.ok(isKnownTimeZone('Asia/Tokyo'));
  assert.ok(!isKnownTimeZone('Mars/Olympus_Mons'));
});
