/**
 * Calendar dates and months in an IANA time zone, for settlement periods (a month in the settlement time zone)
 * and dashboards (days in a campaign's time zone). Pure: the zone rules come from the runtime's ICU data through
 * Intl, which does no IO. Instants are epoch milliseconds; a month is `YYYY-MM`, a date `YYYY-MM-DD`.
 */
import assert from 'node:assert/strict';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function intlLocalTimeOf(atMs: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(atMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

function intlOffsetMs(atMs: number, timeZone: string): number {
  const local = intlLocalTimeOf(atMs, timeZone);
  const asUtcMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtcMs - (atMs - (((atMs % 1000) + 1000) % 1000));
}

/**
 * Intl is slow (a formatToParts per event is a tenth of an ingest batch), and a zone's offset stays put for months:
 * the offset of each 15-minute span is asked of Intl once, at its first and last millisecond. Where the two agree
 * (every span but the one holding a transition; transitions are rarer than one per 15 minutes) the span's instants
 * are local time at that offset; else Intl answers for the instant itself.
 */
const offsetSpanMs = 15 * 60_000;
const spanOffsetsMax = 100_000;
const spanOffsets = new Map<string, number | null>();

function spanOffsetMs(atMs: number, timeZone: string): number | null {
  const spanStartMs = Math.floor(atMs / offsetSpanMs) * offsetSpanMs;
  const key = `${timeZone}\u0000${spanStartMs}`;
  let offsetMs = spanOffsets.get(key);
  if (offsetMs === undefined) {
    const first = intlOffsetMs(spanStartMs, timeZone);
    offsetMs = first === intlOffsetMs(spanStartMs + offsetSpanMs - 1, timeZone) ? first : null;
    if (spanOffsets.size >= spanOffsetsMax) spanOffsets.clear();
    spanOffsets.set(key, offsetMs);
  }
  return offsetMs;
}

function localTimeOf(atMs: number, timeZone: string): LocalTime {
  const offsetMs = spanOffsetMs(atMs, timeZone);
  if (offsetMs === null) return intlLocalTimeOf(atMs, timeZone);
  const local = new Date(atMs + offsetMs);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes(), second: local.getUTCSeconds() };
}

/** Whether the runtime knows the IANA zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at the instant, in milliseconds (+9 h for Asia/Tokyo), to the second. */
export function zoneOffsetMs(atMs: number, timeZone: string): number {
  return spanOffsetMs(atMs, timeZone) ?? intlOffsetMs(atMs, timeZone);
}

/**
 * The first instant of a local calendar day (local midnight, or the first instant after it where a DST change
 * skips midnight). Two passes: the offset at the first guess can differ from the offset at the answer.
 */
function startOfLocalDayMs(year: number, month: number, day: number, timeZone: string): number {
  const wallMs = Date.UTC(year, month - 1, day);
  let guessMs = wallMs - zoneOffsetMs(wallMs, timeZone);
  guessMs = wallMs - zoneOffsetMs(guessMs, timeZone);
  // Where midnight does not exist (a DST jump at 00:00), the guess lands on the previous day: step to the next hour.
  while (localDateOf(guessMs, timeZone) < formatDate(year, month, day)) guessMs += 3_600_000;
  return guessMs;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The local calendar date `YYYY-MM-DD` of the instant in the zone. */
export function localDateOf(atMs: number, timeZone: string): string {
  const local = localTimeOf(atMs, timeZone);
  return formatDate(local.year, local.month, local.day);
}

/** The local month `YYYY-MM` of the instant in the zone. */
export function localMonthOf(atMs: number, timeZone: string): string {
  return localDateOf(atMs, timeZone).slice(0, 7);
}

const monthPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Whether the text is a month `YYYY-MM` (years 2000–2999: a settlement never falls outside them). */
export function isMonth(text: string): boolean {
  const match = monthPattern.exec(text);
  return match !== null && Number(match[1]) >= 2000 && Number(match[1]) <= 2999;
}

/**
 * The half-open interval [startsAtMs, endsAtMs) of a calendar month in the zone.
 *
 * @example
 * monthBoundsMs('2026-11', 'Asia/Tokyo'); // { startsAtMs: Date.parse('2026-10-31T15:00:00Z'), endsAtMs: Date.parse('2026-11-30T15:00:00Z') }
 */
export function monthBoundsMs(month: string, timeZone: string): { startsAtMs: number; endsAtMs: number } {
  const match = monthPattern.exec(month);
  assert.ok(match !== null && isMonth(month), `not a month: ${month}`);
  const year = Number(match[1]);
  const monthNumber = Number(match[2]);
  const next = monthNumber === 12 ? { year: year + 1, month: 1 } : { year, month: monthNumber + 1 };
  return { startsAtMs: startOfLocalDayMs(year, monthNumber, 1, timeZone), endsAtMs: startOfLocalDayMs(next.year, next.month, 1, timeZone) };
}

/** The date after a `YYYY-MM-DD` date (calendar arithmetic, no zone involved). */
export function nextDate(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** The instant as ISO 8601 with the zone's offset at that instant, e.g. `2026-11-01T00:00:00.000+09:00`. */
export function isoInZone(atMs: number, timeZone: string): string {
  const offsetMs = zoneOffsetMs(atMs, timeZone);
  const local = new Date(atMs + offsetMs).toISOString().slice(0, 23);
  const sign = offsetMs < 0 ? '-' : '+';
  const offsetMinutes = Math.abs(offsetMs) / 60_000;
  return `${local}${sign}${pad(Math.floor(offsetMinutes / 60), 2)}:${pad(offsetMinutes % 60, 2)}`;
}
