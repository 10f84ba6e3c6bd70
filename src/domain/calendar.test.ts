// Ensures calendar months and days in a time zone: the month bounds of Asia/Tokyo (no DST) and of zones with DST
// changes inside the month and at midnight, the local date on either side of midnight, ISO instants with the
// zone's offset, and the month pattern; and that the offsets kept per 15-minute span give every instant the same
// local time and offset as asking Intl for it, at and around transitions too. How: table tests against instants
// written by hand, and a property test against Intl in zones with DST, half-hour and 45-minute offsets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isKnownTimeZone, isMonth, isoInZone, localDateOf, localMonthOf, monthBoundsMs, nextDate, zoneOffsetMs } from './calendar.js';

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

/** The offset as Intl tells it for the instant itself: the reference the span cache must match. */
function intlOffsetMs(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(atMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wholeSecondMs = atMs - (((atMs % 1000) + 1000) % 1000);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - wholeSecondMs;
}

test('offsets kept per 15-minute span match Intl for every instant, transitions included', () => {
  const zones = ['Asia/Tokyo', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Santiago', 'America/Havana', 'UTC'];
  // Around New York's 2026 spring and autumn changes, and two changes in the middle of a span (Monrovia from
  // -0:44:30 to UTC at 00:44:30 UTC, Kiritimati from -10:40 to -10:00), to the millisecond.
  const transitions: Array<[string, string]> = [
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Africa/Monrovia', '1972-01-07T00:44:30Z'],
    ['Pacific/Kiritimati', '1979-10-01T10:40:00Z'],
  ];
  for (const [zone, at] of transitions) {
    for (const deltaMs of [-900_001, -1_000, -1, 0, 1, 1_000, 899_999]) assert.equal(zoneOffsetMs(Date.parse(at) + deltaMs, zone), intlOffsetMs(Date.parse(at) + deltaMs, zone), `${zone} ${at} ${deltaMs}`);
  }
  fc.assert(
    fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }), (zone, atMs) => {
      assert.equal(zoneOffsetMs(atMs, zone), intlOffsetMs(atMs, zone));
      assert.equal(localDateOf(atMs, zone), new Date(atMs + intlOffsetMs(atMs, zone)).toISOString().slice(0, 10));
    }),
    { numRuns: 2_000 },
  );
});
