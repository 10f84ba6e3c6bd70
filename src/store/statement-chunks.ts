/**
 * Multi-row statements in pieces: a batch's rows go to the store a thousand a statement, far under SQLite's 32,766
 * and PostgreSQL's 65,535 parameters whatever the table's width, and few statements for any batch the API takes.
 */
export const rowsPerStatementMax = 1_000;

/** The items in order, in pieces of at most rowsPerStatementMax. */
export function statementChunks<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += rowsPerStatementMax) chunks.push(items.slice(start, start + rowsPerStatementMax));
  return chunks;
}
