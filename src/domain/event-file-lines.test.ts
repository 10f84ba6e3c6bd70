// Ensures the reading of event files: lines split across any chunk boundaries come out whole, numbered, with the
// offset where each ends; a line longer than the limit is reported once and its rest dropped, even across chunks;
// the last line without a line feed comes out only at the end of the file; CR, the UTF-8 byte-order mark and
// invalid UTF-8 are handled; CSV records follow RFC 4180 quoting on one line; headers and cells map onto the event
// fields. How: table tests, and fast-check cutting random files into random chunks and comparing with a plain split.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  csvLineValue,
  eventIdOf,
  isBlankLine,
  lineText,
  ndjsonLineValue,
  parseCsvHeader,
  parseCsvRecord,
  splitLines,
  startOfFile,
  type EventFieldSpec,
  type LineCursor,
  type RawLine,
} from './event-file-lines.js';

/** Reads a file cut at `cuts`, the way the upload does, and returns each line as text (or 'TOO LONG'). */
function readInChunks(file: Buffer, cuts: readonly number[], lineBytesMax: number): { lines: Array<[number, string]>; cursor: LineCursor } {
  const points = [...new Set([0, ...cuts.map((c) => Math.min(c, file.length)), file.length])].sort((a, b) => a - b);
  let cursor = startOfFile;
  const lines: Array<[number, string]> = [];
  const take = (chunk: Uint8Array, final: boolean) => {
    const reader = splitLines(cursor, chunk, { final, lineBytesMax });
    for (let item = reader.next(); ; item = reader.next()) {
      if (item.done === true) {
        cursor = item.value;
        return;
      }
      lines.push([item.value.lineNo, 'tooLong' in item.value ? 'TOO LONG' : Buffer.from(item.value.bytes).toString('latin1')]);
    }
  };
  for (let i = 1; i < points.length; i += 1) take(file.subarray(points[i - 1], points[i]), false);
  take(new Uint8Array(0), true);
  return { lines, cursor };
}

test('lines come out whole and numbered, with the offset where each ends', () => {
  const reader = splitLines(startOfFile, Buffer.from('ab\n\ncd\nef'), { final: false, lineBytesMax: 10 });
  const lines: RawLine[] = [];
  let item = reader.next();
  for (; item.done !== true; item = reader.next()) lines.push(item.value);
  assert.deepStrictEqual(
    lines.map((l) => [l.lineNo, l.endOffset, 'bytes' in l ? Buffer.from(l.bytes).toString() : 'TOO LONG']),
    [
      [1, 3, 'ab'],
      [2, 4, ''],
      [3, 7, 'cd'],
    ],
  );
  assert.deepStrictEqual({ ...item.value, tail: Buffer.from(item.value.tail).toString() }, { tail: 'ef', skippingLongLine: false, nextLineNo: 4 });
});

test('a long line is reported once, when it overflows, and dropped up to its line feed', () => {
  // Limit 4: "abcdef" overflows inside the first chunk, "ghijkl" only across chunks, "mnopq" at the end of the file.
  assert.deepStrictEqual(readInChunks(Buffer.from('abcdef\nxy\nghi'), [11, 12], 4).lines, [
    [1, 'TOO LONG'],
    [2, 'xy'],
    [3, 'ghi'],
  ]);
  const { lines, cursor } = readInChunks(Buffer.from('xy\nghijkl\nz\nmnopq'), [5, 7, 8], 4);
  assert.deepStrictEqual(lines, [
    [1, 'xy'],
    [2, 'TOO LONG'],
    [3, 'z'],
    [4, 'TOO LONG'],
  ]);
  assert.deepStrictEqual(cursor, { tail: new Uint8Array(0), skippingLongLine: false, nextLineNo: 5 });
  // Exactly the limit is not too long.
  assert.deepStrictEqual(readInChunks(Buffer.from('abcd\nabcde\n'), [2], 4).lines, [
    [1, 'abcd'],
    [2, 'TOO LONG'],
  ]);
});

test('the last line without a line feed comes out only at the end of the file', () => {
  assert.deepStrictEqual(readInChunks(Buffer.from('a\nb'), [], 10).lines, [
    [1, 'a'],
    [2, 'b'],
  ]);
  assert.deepStrictEqual(readInChunks(Buffer.from('a\nb\n'), [], 10), { lines: [[1, 'a'], [2, 'b']], cursor: { tail: new Uint8Array(0), skippingLongLine: false, nextLineNo: 3 } });
  assert.deepStrictEqual(readInChunks(Buffer.alloc(0), [], 10).lines, []);
});

test('any file cut into any chunks gives the lines of a plain split', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'b', '\n', '\r', 'é'), maxLength: 200 });
  fc.assert(
    fc.property(text, fc.array(fc.nat({ max: 300 }), { maxLength: 10 }), fc.integer({ min: 1, max: 12 }), (content, cuts, lineBytesMax) => {
      const file = Buffer.from(content, 'latin1');
      const parts = file.toString('latin1').split('\n');
      if (parts.at(-1) === '') parts.pop();
      const expected = parts.map((part, index): [number, string] => [index + 1, part.length > lineBytesMax ? 'TOO LONG' : part]);
      assert.deepStrictEqual(readInChunks(file, cuts, lineBytesMax).lines, expected);
    }),
  );
});

test('line text: strict UTF-8, no trailing CR, no byte-order mark on line 1', () => {
  assert.deepStrictEqual(lineText(Buffer.from('\ufeffeventId\r'), 1), { ok: true, value: 'eventId' });
  assert.deepStrictEqual(lineText(Buffer.from('\ufeffeventId'), 2), { ok: true, value: '\ufeffeventId' });
  assert.deepStrictEqual(lineText(Buffer.from('決済\r\r'), 3), { ok: true, value: '決済\r' });
  assert.strictEqual(lineText(Uint8Array.of(0x61, 0xff), 1).ok, false);
  assert.strictEqual(lineText(Buffer.from('決済').subarray(0, 4), 1).ok, false, 'a character cut in two');
  assert.deepStrictEqual(['', ' \t ', ' x'].map(isBlankLine), [true, true, false]);
});

test('CSV records: RFC 4180 quoting on one line', () => {
  const cases: Array<[string, string[] | 'invalid']> = [
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['', ['']],
    ['"a,b","say ""hi""",""', ['a,b', 'say "hi"', '']],
    ['"",x', ['', 'x']],
    [' "a" ', 'invalid'],
    ['"a"b', 'invalid'],
    ['"open', 'invalid'],
    ['a"b', 'invalid'],
  ];
  for (const [text, expected] of cases) {
    const record = parseCsvRecord(text);
    if (expected === 'invalid') assert.deepStrictEqual([text, record.ok ? record.value : record.code], [text, 'file_line_invalid']);
    else assert.deepStrictEqual([text, record.ok ? record.value : record.code], [text, expected]);
  }
});

const fields: EventFieldSpec[] = [
  { name: 'eventId', integer: false, required: true },
  { name: 'amountYen', integer: true, required: true },
  { name: 'note', integer: false, required: false },
];

test('CSV headers: known fields, none twice, every required one', () => {
  const header = parseCsvHeader('amountYen,"eventId"', fields);
  assert.ok(header.ok);
  assert.deepStrictEqual(header.value.map((c) => c.name), ['amountYen', 'eventId']);
  for (const text of ['eventId,amountYen,colour', 'eventId,eventId,amountYen', 'eventId,note', 'eventId,"amountYen']) {
    const refused = parseCsvHeader(text, fields);
    assert.deepStrictEqual(refused.ok ? 'ok' : refused.code, 'csv_header_invalid', text);
  }
});

test('CSV cells: digits become integers only in integer columns, empty cells are left out', () => {
  const columns = [fields[0]!, fields[1]!, fields[2]!];
  assert.deepStrictEqual(csvLineValue('123,100,', columns), { ok: true, value: { eventId: '123', amountYen: 100 } });
  assert.deepStrictEqual(csvLineValue('e,-5,7', columns), { ok: true, value: { eventId: 'e', amountYen: -5, note: '7' } });
  for (const cell of ['12.5', '1e3', ' 100', '0x10', '1234567890123456']) {
    assert.deepStrictEqual(csvLineValue(`e,${cell},`, columns), { ok: true, value: { eventId: 'e', amountYen: cell } }, `${cell} stays text`);
  }
  const short = csvLineValue('e,1', columns);
  assert.strictEqual(short.ok ? 'ok' : short.code, 'file_line_invalid');
});

test('NDJSON values and the event id a line names', () => {
  assert.deepStrictEqual(ndjsonLineValue('{"eventId":"e-1"}'), { ok: true, value: { eventId: 'e-1' } });
  const broken = ndjsonLineValue('{"eventId":');
  assert.strictEqual(broken.ok ? 'ok' : broken.code, 'file_line_invalid');
  assert.deepStrictEqual(
    [{ eventId: 'e-1' }, { eventId: '' }, { eventId: 'x'.repeat(129) }, { eventId: 7 }, ['e-1'], null, 'e-1'].map((v) => eventIdOf(v, 128)),
    ['e-1', undefined, undefined, undefined, undefined, undefined, undefined],
  );
});
