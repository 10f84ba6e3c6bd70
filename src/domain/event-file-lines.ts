/**
 * Reading an event file (NDJSON or CSV) that arrives in chunks: splitting bytes into lines across chunk
 * boundaries with bounded memory, and turning one line into the plain value of one event (a JSON object, or a CSV
 * record mapped onto the header's columns). Pure: the caller keeps the cursor between chunks and checks each value
 * against the event schema.
 *
 * A line is one physical line, ended by LF (a CR before it is dropped). A CSV record is one line too: fields may be
 * quoted as RFC 4180 says (commas and doubled quotes inside quotes), but a line break inside a quoted field is not
 * accepted, so that line numbers in the report are the provider's own line numbers.
 */
import { fail, ok, type Result } from './result.js';

export const eventFileFormats = ['ndjson', 'csv'] as const;
export type EventFileFormat = (typeof eventFileFormats)[number];

const lineFeed = 0x0a;
const utf8Bom = [0xef, 0xbb, 0xbf];

/** Where the reading of a file stands between two chunks. */
export interface LineCursor {
  /** The bytes of the line in progress (received, but no line feed yet). */
  tail: Uint8Array;
  /** The line in progress was already reported as too long: its bytes up to the next line feed are dropped. */
  skippingLongLine: boolean;
  /** The number of the line in progress (1-based, every physical line counts, the header and blank ones too). */
  nextLineNo: number;
}

const empty = new Uint8Array(0);

export const startOfFile: LineCursor = { tail: empty, skippingLongLine: false, nextLineNo: 1 };

/**
 * A complete line of the file: its number, its bytes without the line feed (or `tooLong`), and `endOffset`, the
 * index in the chunk just after it, up to which the chunk is then consumed.
 */
export type RawLine = { lineNo: number; endOffset: number } & ({ bytes: Uint8Array } | { tooLong: true });

/**
 * Splits the next chunk of a file into complete lines, continuing from `cursor`, one line at a time (so a chunk of
 * many short lines never becomes an array of them); returns the cursor to continue from. With `final` (the file
 * ends with this chunk), a last line without a line feed is a line too. A line longer than `lineBytesMax` comes out
 * as `tooLong` as soon as that is known and its remaining bytes are dropped, so the cursor's tail never holds more
 * than `lineBytesMax` bytes whatever the file.
 *
 * @example
 * const lines = splitLines(startOfFile, Buffer.from('{"a":1}\n{"b"'), { final: false, lineBytesMax: 4096 });
 * lines.next() // { value: { lineNo: 1, endOffset: 8, bytes: '{"a":1}' }, done: false }
 * lines.next() // { value: { tail: '{"b"', skippingLongLine: false, nextLineNo: 2 }, done: true }
 */
export function* splitLines(cursor: LineCursor, chunk: Uint8Array, options: { final: boolean; lineBytesMax: number }): Generator<RawLine, LineCursor, undefined> {
  let lineNo = cursor.nextLineNo;
  let skipping = cursor.skippingLongLine;
  let tail = cursor.tail;
  let start = 0;
  for (let newline = chunk.indexOf(lineFeed); newline !== -1; newline = chunk.indexOf(lineFeed, start)) {
    const endOffset = newline + 1;
    if (skipping) {
      skipping = false; // the long line was reported when it overflowed
    } else if (tail.length + newline - start > options.lineBytesMax) {
      yield { lineNo, endOffset, tooLong: true };
    } else {
      yield { lineNo, endOffset, bytes: concat(tail, chunk.subarray(start, newline)) };
    }
    lineNo += 1;
    tail = empty;
    start = endOffset;
  }
  const rest = chunk.subarray(start);
  // A long line goes on past this chunk: dropped up to its line feed, or (final) ended by the end of the file.
  const afterLongLine = { tail: empty, skippingLongLine: !options.final, nextLineNo: options.final ? lineNo + 1 : lineNo };
  if (skipping) return afterLongLine;
  if (tail.length + rest.length > options.lineBytesMax) {
    yield { lineNo, endOffset: chunk.length, tooLong: true };
    return afterLongLine;
  }
  const pending = concat(tail, rest);
  if (options.final && pending.length > 0) {
    yield { lineNo, endOffset: chunk.length, bytes: pending };
    return { tail: empty, skippingLongLine: false, nextLineNo: lineNo + 1 };
  }
  return { tail: pending, skippingLongLine: false, nextLineNo: lineNo };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a line: strict UTF-8, without a trailing CR, and (on line 1) without a UTF-8 byte-order mark, which
 * spreadsheet programs put at the start of CSV files. Codes: file_line_invalid when the bytes are not UTF-8.
 */
export function lineText(bytes: Uint8Array, lineNo: number): Result<string, 'file_line_invalid'> {
  let start = 0;
  let end = bytes.length;
  if (lineNo === 1 && utf8Bom.every((byte, index) => bytes[index] === byte)) start = utf8Bom.length;
  if (end > start && bytes[end - 1] === 0x0d) end -= 1;
  try {
    return ok(strictUtf8.decode(bytes.subarray(start, end)));
  } catch {
    return fail('file_line_invalid', 'the line is not valid UTF-8');
  }
}

/** A blank line (nothing, or only spaces and tabs) is skipped: it gets no result. */
export function isBlankLine(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

/**
 * The fields of a CSV record on one line (RFC 4180 quoting). Codes: file_line_invalid for a quote inside an
 * unquoted field, text after a closing quote, or a quote left open.
 *
 * @example
 * parseCsvRecord('tx-1,"Shop ""A"", Tokyo",100') // ok(['tx-1', 'Shop "A", Tokyo', '100'])
 */
export function parseCsvRecord(text: string): Result<string[], 'file_line_invalid'> {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (text[at] === '"') {
      let value = '';
      let from = at + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return fail('file_line_invalid', `CSV: a quoted field is not closed (column ${fields.length + 1})`);
        value += text.slice(from, quote);
        if (text[quote + 1] !== '"') {
          at = quote + 1;
          break;
        }
        value += '"';
        from = quote + 2;
      }
      fields.push(value);
      if (at < text.length && text[at] !== ',') return fail('file_line_invalid', `CSV: text after a closing quote (column ${fields.length})`);
    } else {
      const comma = text.indexOf(',', at);
      const value = text.slice(at, comma === -1 ? text.length : comma);
      if (value.includes('"')) return fail('file_line_invalid', `CSV: a quote inside an unquoted field (column ${fields.length + 1})`);
      fields.push(value);
      at = comma === -1 ? text.length : comma;
    }
    if (at >= text.length) return ok(fields);
    at += 1; // the comma
    if (at === text.length) {
      fields.push('');
      return ok(fields);
    }
  }
}

/** A field of the event schema, as a CSV column needs it. */
export interface EventFieldSpec {
  name: string;
  /** The schema wants an integer (CSV cells are text: a cell of decimal digits becomes a number, nothing else does). */
  integer: boolean;
  required: boolean;
}

/**
 * The columns of a CSV event file from its header line: each a field of the event schema, none twice, every
 * required field present. Codes: csv_header_invalid.
 *
 * @example
 * parseCsvHeader('eventId,accountRef,kind,amountYen,occurredAt', fields) // ok([{ name: 'eventId', … }, …])
 */
export function parseCsvHeader(text: string, fields: readonly EventFieldSpec[]): Result<EventFieldSpec[], 'csv_header_invalid'> {
  const record = parseCsvRecord(text);
  if (!record.ok) return fail('csv_header_invalid', `the header line: ${record.message}`);
  const columns: EventFieldSpec[] = [];
  for (const name of record.value) {
    const field = fields.find((f) => f.name === name);
    if (field === undefined) return fail('csv_header_invalid', `unknown column "${name}"; the columns are ${fields.map((f) => f.name).join(', ')}`);
    if (columns.includes(field)) return fail('csv_header_invalid', `column "${name}" appears twice`);
    columns.push(field);
  }
  const missing = fields.filter((f) => f.required && !columns.includes(f)).map((f) => f.name);
  if (missing.length > 0) return fail('csv_header_invalid', `required columns missing: ${missing.join(', ')}`);
  return ok(columns);
}

const integerCell = /^-?[0-9]{1,15}$/;

/**
 * The plain value of a CSV line under the header's columns: an empty cell leaves its field out, an integer
 * column's cell of decimal digits becomes a number, and every other cell stays text (so the schema check, which
 * never coerces, refuses `12.5` or `1e3` for an integer). Codes: file_line_invalid (bad CSV, wrong cell count).
 */
export function csvLineValue(text: string, columns: readonly EventFieldSpec[]): Result<Record<string, unknown>, 'file_line_invalid'> {
  const record = parseCsvRecord(text);
  if (!record.ok) return record;
  if (record.value.length !== columns.length) {
    return fail('file_line_invalid', `CSV: ${record.value.length} cells where the header has ${columns.length} columns`);
  }
  const value: Record<string, unknown> = {};
  record.value.forEach((cell, index) => {
    const column = columns[index]!;
    if (cell === '') return;
    value[column.name] = column.integer && integerCell.test(cell) ? Number(cell) : cell;
  });
  return ok(value);
}

/** The plain value of an NDJSON line. Codes: file_line_invalid when it is not JSON. */
export function ndjsonLineValue(text: string): Result<unknown, 'file_line_invalid'> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return fail('file_line_invalid', 'the line is not valid JSON');
  }
}

/** The event id a line names, when it names a plausible one, so that even a rejected line's report names its event. */
export function eventIdOf(value: unknown, eventIdCharsMax: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const eventId = (value as { eventId?: unknown }).eventId;
  return typeof eventId === 'string' && eventId.length > 0 && eventId.length <= eventIdCharsMax ? eventId : undefined;
}
