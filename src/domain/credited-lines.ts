/**
 * The file a provider uploads for a month's reconciliation (docs/settlement.md#reconciliation): what it credited,
 * one line per grant, as CSV with a header naming `grantId`, `points` and `creditedAt` (in any order; other
 * columns are ignored) or as NDJSON (one `{ "grantId", "points", "creditedAt" }` object a line). Pure: the provider
 * console parses the chosen file with it before anything is sent, and says which lines are wrong; the platform
 * checks the lines again when they arrive. No Node.js API here, so the browser can use it.
 */

export interface CreditedLine {
  grantId: string;
  /** Negative for a clawback the provider took back. */
  points: number;
  creditedAt: string;
}

export type CreditedLineProblemCode = 'header_missing' | 'columns_missing' | 'not_json' | 'grant_id_missing' | 'points_invalid' | 'credited_at_invalid' | 'no_lines';

export interface CreditedLineProblem {
  /** 1-based line of the file (the header is line 1 of a CSV file); 0 for the whole file. */
  line: number;
  code: CreditedLineProblemCode;
}

export type CreditedLinesParse = { ok: true; lines: CreditedLine[] } | { ok: false; problems: CreditedLineProblem[] };

export type CreditedLinesFormat = 'csv' | 'ndjson';

/** The problems a parse reports at most: enough to fix a file, not a wall of text. */
export const creditedLineProblemsMax = 10;

const pointsAbsMax = 100_000_000;
const grantIdCharsMax = 128;
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const requiredColumns = ['grantId', 'points', 'creditedAt'] as const;

export function creditedLinesFormatOf(fileName: string): CreditedLinesFormat {
  return /\.(ndjson|jsonl)$/i.test(fileName) ? 'ndjson' : 'csv';
}

function lineOf(lineNumber: number, grantId: unknown, points: unknown, creditedAt: unknown): CreditedLine | CreditedLineProblem {
  if (typeof grantId !== 'string' || grantId === '' || grantId.length > grantIdCharsMax) return { line: lineNumber, code: 'grant_id_missing' };
  if (typeof points !== 'number' || !Number.isInteger(points) || Math.abs(points) > pointsAbsMax) return { line: lineNumber, code: 'points_invalid' };
  if (typeof creditedAt !== 'string' || !isoInstant.test(creditedAt) || Number.isNaN(Date.parse(creditedAt))) return { line: lineNumber, code: 'credited_at_invalid' };
  return { grantId, points, creditedAt };
}

function unquoted(cell: string): string {
  const trimmed = cell.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replaceAll('""', '"') : trimmed;
}

function parseCsv(rows: Array<{ line: number; text: string }>): Array<CreditedLine | CreditedLineProblem> {
  const [header, ...body] = rows as [{ line: number; text: string }, ...Array<{ line: number; text: string }>];
  const names = header.text.split(',').map((cell) => unquoted(cell).toLowerCase());
  const positions = requiredColumns.map((column) => names.indexOf(column.toLowerCase()));
  if (positions.some((position) => position < 0)) return [{ line: header.line, code: 'header_missing' }];
  const [grantAt, pointsAt, creditedAt] = positions as [number, number, number];
  return body.map(({ line, text }) => {
    const cells = text.split(',').map(unquoted);
    if (cells.length < names.length) return { line, code: 'columns_missing' };
    const points = cells[pointsAt]!;
    return lineOf(line, cells[grantAt], /^-?\d{1,9}$/.test(points) ? Number(points) : Number.NaN, cells[creditedAt]);
  });
}

function parseNdjson(rows: Array<{ line: number; text: string }>): Array<CreditedLine | CreditedLineProblem> {
  return rows.map(({ line, text }) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { line, code: 'not_json' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, code: 'not_json' };
    const record = value as Record<string, unknown>;
    return lineOf(line, record.grantId, record.points, record.creditedAt);
  });
}

/**
 * The lines of a reconciliation file, or its first problems (each with its line number). Blank lines are skipped;
 * a CSV file with its header alone says the provider credited nothing; an empty file is refused (`no_lines`).
 */
export function parseCreditedLines(text: string, format: CreditedLinesFormat): CreditedLinesParse {
  const rows = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((row, index) => ({ line: index + 1, text: row }))
    .filter((row) => row.text.trim() !== '');
  if (rows.length === 0) return { ok: false, problems: [{ line: 0, code: 'no_lines' }] };
  const parsed = format === 'csv' ? parseCsv(rows) : parseNdjson(rows);
  const problems = parsed.filter((item): item is CreditedLineProblem => 'code' in item);
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, creditedLineProblemsMax) };
  return { ok: true, lines: parsed as CreditedLine[] };
}
