/**
 * Event files and their per-line results. A file moves forward only by a compare-and-set on `received_bytes`, so
 * of two requests that read the same state, one moves it and the other learns it lost; a line's result is written
 * in the transaction that moves the file past the line.
 */
import type { Selectable } from 'kysely';
import type { EventFileFormat, LineCursor } from '../domain/event-file-lines.js';
import type { Tx } from './db.js';
import type { EventFilesTable } from './schema.js';

export type EventFileState = 'receiving' | 'completed' | 'digest_mismatch';
export type LineStatus = 'applied' | 'duplicate' | 'rejected';

export interface EventFileRow {
  fileId: string;
  providerId: string;
  fileName: string;
  format: EventFileFormat;
  declaredSizeBytes: number | null;
  declaredSha256: string | null;
  state: EventFileState;
  receivedBytes: number;
  cursor: LineCursor;
  /** Field names of the CSV header, once read. */
  csvColumns: string[] | null;
  sha256State: string | null;
  linesApplied: number;
  linesDuplicate: number;
  linesRejected: number;
  createdAtMs: number;
  closedAtMs: number | null;
}

export interface LineResultRow {
  lineNo: number;
  eventId: string | null;
  status: LineStatus;
  code: string | null;
  message: string | null;
}

export async function insertEventFile(
  tx: Tx,
  file: Pick<EventFileRow, 'fileId' | 'providerId' | 'fileName' | 'format' | 'declaredSizeBytes' | 'declaredSha256' | 'sha256State'>,
  nowMs: number,
): Promise<void> {
  await tx.db
    .insertInto('event_files')
    .values({
      id: file.fileId,
      provider_id: file.providerId,
      file_name: file.fileName,
      format: file.format,
      declared_size_bytes: file.declaredSizeBytes,
      declared_sha256: file.declaredSha256,
      state: 'receiving',
      received_bytes: 0,
      tail_base64: '',
      skipping_long_line: 0,
      next_line_no: 1,
      csv_columns: null,
      sha256_state: file.sha256State,
      lines_applied: 0,
      lines_duplicate: 0,
      lines_rejected: 0,
      created_at_ms: nowMs,
      updated_at_ms: nowMs,
      closed_at_ms: null,
    })
    .execute();
}

type EventFileTableRow = Selectable<EventFilesTable>;

function fileOfRow(row: EventFileTableRow): EventFileRow {
  return {
    fileId: row.id,
    providerId: row.provider_id,
    fileName: row.file_name,
    format: row.format as EventFileFormat,
    declaredSizeBytes: row.declared_size_bytes === null ? null : Number(row.declared_size_bytes),
    declaredSha256: row.declared_sha256,
    state: row.state as EventFileState,
    receivedBytes: Number(row.received_bytes),
    cursor: { tail: Buffer.from(row.tail_base64, 'base64'), skippingLongLine: row.skipping_long_line === 1, nextLineNo: Number(row.next_line_no) },
    csvColumns: row.csv_columns === null ? null : (JSON.parse(row.csv_columns) as string[]),
    sha256State: row.sha256_state,
    linesApplied: Number(row.lines_applied),
    linesDuplicate: Number(row.lines_duplicate),
    linesRejected: Number(row.lines_rejected),
    createdAtMs: Number(row.created_at_ms),
    closedAtMs: row.closed_at_ms === null ? null : Number(row.closed_at_ms),
  };
}

/** The file, if it is one of this provider's (another provider's file is as good as absent). */
export async function findEventFile(tx: Tx, providerId: string, fileId: string): Promise<EventFileRow | undefined> {
  const row = await tx.db.selectFrom('event_files').selectAll().where('id', '=', fileId).where('provider_id', '=', providerId).executeTakeFirst();
  return row === undefined ? undefined : fileOfRow(row);
}

/** Where a page of a provider's files ends: the last file's creation instant and id. */
export interface EventFileKey {
  createdAtMs: number;
  fileId: string;
}

/**
 * A page of the provider's files, newest first (creation instant, then id, both descending), after `before` (the
 * last file of the previous page). Uses the (provider_id, created_at_ms) index.
 */
export async function listEventFiles(tx: Tx, providerId: string, input: { before?: EventFileKey; limit: number }): Promise<EventFileRow[]> {
  let query = tx.db.selectFrom('event_files').selectAll().where('provider_id', '=', providerId);
  const before = input.before;
  if (before !== undefined) {
    query = query.where((eb) => eb.or([eb('created_at_ms', '<', before.createdAtMs), eb.and([eb('created_at_ms', '=', before.createdAtMs), eb('id', '<', before.fileId)])]));
  }
  const rows = await query.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
  return rows.map(fileOfRow);
}

export interface FileAdvance {
  fileId: string;
  /** The offset the caller read; the update happens only if the file is still there and still receiving. */
  expectedReceivedBytes: number;
  receivedBytes: number;
  cursor: LineCursor;
  csvColumns: string[] | null;
  sha256State: string | null;
  /** Results of the lines read by this step, in line order. */
  results: readonly LineResultRow[];
  /** A new state closes the file. */
  state: EventFileState;
  nowMs: number;
}

/**
 * Moves the file forward and stores the results of the lines it read, or does nothing and returns false when
 * another request moved the file first (or closed it).
 */
export async function advanceEventFile(tx: Tx, step: FileAdvance): Promise<boolean> {
  const count = (status: LineStatus) => step.results.filter((r) => r.status === status).length;
  const updated = await tx.db
    .updateTable('event_files')
    .set((eb) => ({
      state: step.state,
      received_bytes: step.receivedBytes,
      tail_base64: Buffer.from(step.cursor.tail).toString('base64'),
      skipping_long_line: step.cursor.skippingLongLine ? 1 : 0,
      next_line_no: step.cursor.nextLineNo,
      csv_columns: step.csvColumns === null ? null : JSON.stringify(step.csvColumns),
      sha256_state: step.sha256State,
      lines_applied: eb('lines_applied', '+', count('applied')),
      lines_duplicate: eb('lines_duplicate', '+', count('duplicate')),
      lines_rejected: eb('lines_rejected', '+', count('rejected')),
      updated_at_ms: step.nowMs,
      closed_at_ms: step.state === 'receiving' ? null : step.nowMs,
    }))
    .where('id', '=', step.fileId)
    .where('state', '=', 'receiving')
    .where('received_bytes', '=', step.expectedReceivedBytes)
    .executeTakeFirst();
  if ((updated.numUpdatedRows ?? 0n) === 0n) return false;
  if (step.results.length > 0) {
    await tx.db
      .insertInto('event_file_lines')
      .values(
        step.results.map((r) => ({ file_id: step.fileId, line_no: r.lineNo, event_id: r.eventId, status: r.status, code: r.code, message: r.message })),
      )
      .execute();
  }
  return true;
}

/** A page of line results after a line number, in line order, optionally of one status. */
export async function listLineResults(
  tx: Tx,
  fileId: string,
  input: { afterLineNo: number; limit: number; status: LineStatus | undefined },
): Promise<LineResultRow[]> {
  let query = tx.db
    .selectFrom('event_file_lines')
    .select(['line_no as lineNo', 'event_id as eventId', 'status', 'code', 'message'])
    .where('file_id', '=', fileId)
    .where('line_no', '>', input.afterLineNo);
  if (input.status !== undefined) query = query.where('status', '=', input.status);
  const rows = await query.orderBy('line_no').limit(input.limit).execute();
  return rows.map((row) => ({ ...row, lineNo: Number(row.lineNo), status: row.status as LineStatus }));
}
