// Ensures a provider's reconciliation file is read as the provider console reads it before sending: CSV with the
// three columns in any order (quoted or not, with a byte-order mark, extra columns ignored) and NDJSON give the
// same lines; each wrong line is named with its line number and reason, at most ten of them; a header alone is
// an honest "credited nothing", an empty file is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditedLineProblemsMax, creditedLinesFormatOf, parseCreditedLines } from './credited-lines.js';

const expected = [
  { grantId: 'g-1', points: 1_000, creditedAt: '2026-11-28T10:00:00+09:00' },
  { grantId: 'g-2', points: -250, creditedAt: '2026-11-29T01:02:03.5Z' },
];

describe('parseCreditedLines', () => {
  it('reads CSV with its columns in any order, quotes, a BOM, CRLF and extra columns', () => {
    const csv = '\uFEFFpoints,"creditedAt",note,GrantId\r\n1000,2026-11-28T10:00:00+09:00,x,g-1\r\n\r\n"-250",2026-11-29T01:02:03.5Z,,"g-2"\r\n';
    assert.deepEqual(parseCreditedLines(csv, 'csv'), { ok: true, lines: expected });
  });

  it('reads NDJSON to the same lines', () => {
    const ndjson = `${expected.map((line) => JSON.stringify(line)).join('\n')}\n`;
    assert.deepEqual(parseCreditedLines(ndjson, 'ndjson'), { ok: true, lines: expected });
  });

  it('takes a CSV header alone as nothing credited, and refuses an empty file', () => {
    assert.deepEqual(parseCreditedLines('grantId,points,creditedAt\n', 'csv'), { ok: true, lines: [] });
    assert.deepEqual(parseCreditedLines(' \n', 'csv'), { ok: false, problems: [{ line: 0, code: 'no_lines' }] });
    assert.deepEqual(parseCreditedLines('', 'ndjson'), { ok: false, problems: [{ line: 0, code: 'no_lines' }] });
  });

  it('names each wrong line with its reason', () => {
    const csv = ['grantId,points,creditedAt', 'g-1,1000,2026-11-28T10:00:00Z', ',5,2026-11-28T10:00:00Z', 'g-3,1.5,2026-11-28T10:00:00Z', 'g-4,10,yesterday', 'g-5,10', 'g-6,200000000,2026-11-28T10:00:00Z'].join('\n');
    assert.deepEqual(parseCreditedLines(csv, 'csv'), {
      ok: false,
      problems: [
        { line: 3, code: 'grant_id_missing' },
        { line: 4, code: 'points_invalid' },
        { line: 5, code: 'credited_at_invalid' },
        { line: 6, code: 'columns_missing' },
        { line: 7, code: 'points_invalid' },
      ],
    });
    assert.deepEqual(parseCreditedLines('id,points\nx,1', 'csv'), { ok: false, problems: [{ line: 1, code: 'header_missing' }] });
    const ndjson = ['{"grantId":"g","points":1,"creditedAt":"2026-11-28T10:00:00Z"}', 'not json', '[1]', '{"grantId":"g","points":"1","creditedAt":"2026-11-28T10:00:00Z"}'].join('\n');
    assert.deepEqual(parseCreditedLines(ndjson, 'ndjson'), { ok: false, problems: [{ line: 2, code: 'not_json' }, { line: 3, code: 'not_json' }, { line: 4, code: 'points_invalid' }] });
  });

  it('reports at most ten problems', () => {
    const csv = ['grantId,points,creditedAt', ...Array.from({ length: 50 }, (_, index) => `g-${index},x,2026-11-28T10:00:00Z`)].join('\n');
    const parsed = parseCreditedLines(csv, 'csv');
    assert.equal(parsed.ok, false);
    assert.equal(parsed.ok ? 0 : parsed.problems.length, creditedLineProblemsMax);
    assert.equal(parsed.ok ? 0 : parsed.problems[0]!.line, 2);
  });

  it('knows the format from the file name', () => {
    assert.equal(creditedLinesFormatOf('credits-2026-11.ndjson'), 'ndjson');
    assert.equal(creditedLinesFormatOf('credits.JSONL'), 'ndjson');
    assert.equal(creditedLinesFormatOf('credits.csv'), 'csv');
  });
});
