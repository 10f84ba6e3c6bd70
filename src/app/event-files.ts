/**
 * Event files (DESIGN.md §6): a provider uploads NDJSON or CSV events of any size in chunks, each appended at the
 * offset where the previous one ended. The complete lines of a chunk are read, checked with the same schema as the
 * batch API, applied through `ingestEvents` in batches, and each line's result is stored with the file's new
 * position in one transaction per batch. So an interrupted upload resumes from `receivedBytes`, a chunk sent twice
 * changes nothing the second time, and memory stays bounded by one chunk and one line whatever the file's size.
 *
 * A line is applied by `ingestEvents` in its own transaction, before the transaction that records it: if the
 * process dies between the two, the file has not moved, and the lines are read again on resume. Their events are
 * then `duplicate` (an event id is its own idempotency key), never applied twice.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  csvLineValue,
  eventIdOf,
  isBlankLine,
  lineText,
  ndjsonLineValue,
  parseCsvHeader,
  splitLines,
  type EventFieldSpec,
  type EventFileFormat,
  type RawLine,
} from '../domain/event-file-lines.js';
import { bucketStartMsOf } from '../domain/dashboard.js';
import { eventFileLineBytesMax, eventFileLinesPerBatchMax, eventIdCharsMax } from '../domain/limits.js';
import { ResumableSha256 } from '../domain/resumable-sha256.js';
import { fail, ok, type Result } from '../domain/result.js';
import {
  advanceEventFile,
  findEventFile,
  insertEventFile,
  listEventFiles as listEventFileRows,
  listLineResults,
  type EventFileKey,
  type EventFileRow,
  type EventFileState,
  type LineResultRow,
  type LineStatus,
} from '../store/event-files-repo.js';
import { addEventRejections } from '../store/event-rejections-repo.js';
import type { AppContext } from './context.js';
import { ingestEvents, type ProviderEvent } from './ingest-events.js';

/** The event schema as the edge knows it: its fields (for CSV headers) and the strict check of one event. */
export interface EventSchemaCheck {
  fields: readonly EventFieldSpec[];
  /** Codes: file_line_invalid when the value is not an event of the batch API's schema (no coercion). */
  check(value: unknown): Result<ProviderEvent, 'file_line_invalid'>;
}

export interface EventFileView {
  fileId: string;
  fileName: string;
  format: EventFileFormat;
  sizeBytes: number | null;
  sha256: string | null;
  state: EventFileState;
  /** Send the next chunk from here. */
  receivedBytes: number;
  /** Physical lines read to the end (the CSV header and blank lines included). */
  linesRead: number;
  linesApplied: number;
  linesDuplicate: number;
  linesRejected: number;
  createdAtMs: number;
  closedAtMs: number | null;
}

function viewOf(file: EventFileRow): EventFileView {
  return {
    fileId: file.fileId,
    fileName: file.fileName,
    format: file.format,
    sizeBytes: file.declaredSizeBytes,
    sha256: file.declaredSha256,
    state: file.state,
    receivedBytes: file.receivedBytes,
    linesRead: file.cursor.nextLineNo - 1,
    linesApplied: file.linesApplied,
    linesDuplicate: file.linesDuplicate,
    linesRejected: file.linesRejected,
    createdAtMs: file.createdAtMs,
    closedAtMs: file.closedAtMs,
  };
}

/**
 * Opens an upload. `sizeBytes` and `sha256` (lowercase hex), when given, are checked: every chunk against the
 * size, and the whole file against both at completion.
 *
 * @example
 * const file = await createEventFile(ctx, 'demo-pay', { fileName: 'events-2026-11-27.ndjson', format: 'ndjson' });
 */
export async function createEventFile(
  ctx: AppContext,
  providerId: string,
  input: { fileName: string; format: EventFileFormat; sizeBytes?: number; sha256?: string },
): Promise<EventFileView> {
  const fileId = randomUUID();
  const row = {
    fileId,
    providerId,
    fileName: input.fileName,
    format: input.format,
    declaredSizeBytes: input.sizeBytes ?? null,
    declaredSha256: input.sha256 ?? null,
    sha256State: input.sha256 === undefined ? null : (await ResumableSha256.start()).save(),
  };
  const file = await ctx.store.transaction(async (tx) => {
    await insertEventFile(tx, row, ctx.clock.nowMs());
    return findEventFile(tx, providerId, fileId);
  });
  assert.ok(file !== undefined, 'the file was just inserted');
  return viewOf(file);
}

function notFound(): Result<never, 'event_file_not_found'> {
  return fail('event_file_not_found', 'no event file with this id among your files', 'fileId');
}

/** The file's state and counts. Codes: event_file_not_found (also for another provider's file). */
export async function getEventFile(ctx: AppContext, providerId: string, fileId: string): Promise<Result<EventFileView, 'event_file_not_found'>> {
  const file = await ctx.store.transaction((tx) => findEventFile(tx, providerId, fileId));
  return file === undefined ? notFound() : ok(viewOf(file));
}

const fileCursorPrefix = 'f1:';

function encodeFileCursor(key: EventFileKey): string {
  return Buffer.from(`${fileCursorPrefix}${JSON.stringify([key.createdAtMs, key.fileId])}`).toString('base64url');
}

function decodeFileCursor(cursor: string): EventFileKey | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(fileCursorPrefix)) return undefined;
  try {
    const [createdAtMs, fileId] = JSON.parse(text.slice(fileCursorPrefix.length)) as unknown[];
    if (!Number.isSafeInteger(createdAtMs) || typeof fileId !== 'string') return undefined;
    const key = { createdAtMs: createdAtMs as number, fileId };
    return encodeFileCursor(key) === cursor ? key : undefined;
  } catch {
    return undefined;
  }
}

export interface EventFilePage {
  data: EventFileView[];
  hasMore: boolean;
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * The provider's own files, newest first, a page after `after` (a previous page's nextCursor). Another provider's
 * files are never listed. Codes: cursor_invalid.
 *
 * @example
 * const page = await listEventFiles(ctx, 'demo-pay', { limit: 20 });
 */
export async function listEventFiles(ctx: AppContext, providerId: string, input: { after?: string; limit: number }): Promise<Result<EventFilePage, 'cursor_invalid'>> {
  const before = input.after === undefined ? undefined : decodeFileCursor(input.after);
  if (input.after !== undefined && before === undefined) return fail('cursor_invalid', 'the cursor was not produced by this list', 'after');
  const rows = await ctx.store.transaction((tx) => listEventFileRows(tx, providerId, { ...(before === undefined ? {} : { before }), limit: input.limit + 1 }));
  const data = rows.slice(0, input.limit);
  const last = data.at(-1);
  const hasMore = rows.length > input.limit;
  return ok({ data: data.map(viewOf), hasMore, nextCursor: hasMore && last !== undefined ? encodeFileCursor(last) : null });
}

export type ChunkCode = 'event_file_not_found' | 'event_file_closed' | 'upload_offset_mismatch' | 'upload_size_mismatch' | 'csv_header_invalid';

/**
 * Appends a chunk that starts at `offsetBytes`: bytes before the file's `receivedBytes` are skipped (a re-sent
 * chunk is harmless), the rest is read, applied and recorded. Codes, none of which changes anything:
 * event_file_not_found; event_file_closed (completed or failed); upload_offset_mismatch (the chunk starts after
 * `receivedBytes`, or another request moved the file on meanwhile); upload_size_mismatch (beyond the declared
 * size); csv_header_invalid (the chunk ends the header line, and it is not a header of event fields).
 *
 * @example
 * const r = await appendEventFileChunk(ctx, providerId, { fileId, offsetBytes: 0, chunk }, schema);
 * if (r.ok) nextOffset = r.value.receivedBytes;
 */
export async function appendEventFileChunk(
  ctx: AppContext,
  providerId: string,
  input: { fileId: string; offsetBytes: number; chunk: Uint8Array },
  schema: EventSchemaCheck,
): Promise<Result<EventFileView, ChunkCode>> {
  const file = await ctx.store.transaction((tx) => findEventFile(tx, providerId, input.fileId));
  if (file === undefined) return notFound();
  if (file.state !== 'receiving') return fail('event_file_closed', `the file is ${file.state}; it takes no more content`, 'fileId');
  if (input.offsetBytes > file.receivedBytes) return offsetMismatch(file.receivedBytes);
  const fresh = input.chunk.subarray(Math.min(file.receivedBytes - input.offsetBytes, input.chunk.length));
  if (fresh.length === 0) return ok(viewOf(file));
  if (file.declaredSizeBytes !== null && file.receivedBytes + fresh.length > file.declaredSizeBytes) {
    return fail('upload_size_mismatch', `the file was declared with ${file.declaredSizeBytes} bytes; this chunk goes beyond`, 'offset');
  }
  return readOn(ctx, file, fresh, false, schema);
}

export type CompleteCode = 'event_file_not_found' | 'upload_offset_mismatch' | 'upload_size_mismatch' | 'upload_digest_mismatch' | 'csv_header_invalid';

/**
 * Ends the upload: checks the declared size and sha256, reads the last line if it has no line feed, and closes the
 * file. Completing a completed file answers its state again. Codes: event_file_not_found; upload_size_mismatch
 * (fewer bytes than declared: send the rest, nothing changes); upload_digest_mismatch (the bytes received are not
 * the declared file: the file is closed, its last line unread; lines read before stay applied, each event being
 * independent); csv_header_invalid; upload_offset_mismatch (a chunk landed meanwhile: complete again).
 */
export async function completeEventFile(ctx: AppContext, providerId: string, fileId: string, schema: EventSchemaCheck): Promise<Result<EventFileView, CompleteCode>> {
  const file = await ctx.store.transaction((tx) => findEventFile(tx, providerId, fileId));
  if (file === undefined) return notFound();
  if (file.state === 'completed') return ok(viewOf(file));
  if (file.state === 'digest_mismatch') return digestMismatch();
  if (file.declaredSizeBytes !== null && file.receivedBytes !== file.declaredSizeBytes) {
    return fail('upload_size_mismatch', `${file.receivedBytes} of the declared ${file.declaredSizeBytes} bytes were received; send the rest from there`, 'sizeBytes');
  }
  if (file.declaredSha256 !== null && (await ResumableSha256.resume(file.sha256State!)).digestHex() !== file.declaredSha256) {
    const closed = await ctx.store.transaction((tx) =>
      advanceEventFile(tx, { ...unchanged(file), state: 'digest_mismatch', results: [], nowMs: ctx.clock.nowMs() }),
    );
    return closed ? digestMismatch() : offsetMismatch(undefined);
  }
  return readOn(ctx, file, new Uint8Array(0), true, schema);
}

function digestMismatch(): Result<never, 'upload_digest_mismatch'> {
  return fail('upload_digest_mismatch', 'the sha256 of the bytes received is not the declared sha256; the file is closed, upload it again as a new file', 'sha256');
}

function offsetMismatch(receivedBytes: number | undefined): Result<never, 'upload_offset_mismatch'> {
  const where = receivedBytes === undefined ? 'another request moved this file on' : `this file has ${receivedBytes} bytes`;
  return fail('upload_offset_mismatch', `${where}; send from receivedBytes (the Upload-Offset header)`, 'offset');
}

function unchanged(file: EventFileRow) {
  return {
    fileId: file.fileId,
    expectedReceivedBytes: file.receivedBytes,
    receivedBytes: file.receivedBytes,
    cursor: file.cursor,
    csvColumns: file.csvColumns,
    sha256State: file.sha256State,
  };
}

/** One line, read: nothing to record (blank, or the CSV header), an event to apply, or a rejection. */
type ReadLine = { kind: 'skip' } | { kind: 'event'; lineNo: number; event: ProviderEvent } | { kind: 'rejected'; result: LineResultRow };

function rejectedLine(lineNo: number, eventId: string | undefined, failure: { code: string; message: string }): ReadLine {
  return { kind: 'rejected', result: { lineNo, eventId: eventId ?? null, status: 'rejected', code: failure.code, message: failure.message } };
}

function readLine(format: EventFileFormat, columns: readonly EventFieldSpec[] | null, line: RawLine, schema: EventSchemaCheck): ReadLine {
  if ('tooLong' in line) return rejectedLine(line.lineNo, undefined, { code: 'file_line_invalid', message: `the line is longer than ${eventFileLineBytesMax} bytes` });
  const text = lineText(line.bytes, line.lineNo);
  if (!text.ok) return rejectedLine(line.lineNo, undefined, text);
  if (isBlankLine(text.value) || (format === 'csv' && line.lineNo === 1)) return { kind: 'skip' };
  const value = format === 'ndjson' ? ndjsonLineValue(text.value) : csvLineValue(text.value, columns!);
  if (!value.ok) return rejectedLine(line.lineNo, undefined, value);
  const event = schema.check(value.value);
  if (!event.ok) return rejectedLine(line.lineNo, eventIdOf(value.value, eventIdCharsMax), event);
  return { kind: 'event', lineNo: line.lineNo, event: event.value };
}

/** Applies the events of the lines read in one ingest batch, and returns each line's result in line order. */
async function applyLines(ctx: AppContext, providerId: string, read: ReadonlyArray<Exclude<ReadLine, { kind: 'skip' }>>): Promise<LineResultRow[]> {
  const events = read.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
  const outcomes = events.length === 0 ? [] : await ingestEvents(ctx, providerId, events, { countRejections: false });
  let next = 0;
  return read.map((r): LineResultRow => {
    if (r.kind === 'rejected') return r.result;
    const outcome = outcomes[next]!;
    next += 1;
    if (outcome.status === 'rejected') return { lineNo: r.lineNo, eventId: outcome.eventId, status: 'rejected', code: outcome.code, message: outcome.message };
    return { lineNo: r.lineNo, eventId: outcome.eventId, status: outcome.status, code: null, message: null };
  });
}

/** The columns of a CSV file: from the stored header, or from line 1 if it is the first line of this step. */
function csvColumnsOf(file: EventFileRow, first: RawLine | undefined, fields: readonly EventFieldSpec[]): Result<EventFieldSpec[] | null, 'csv_header_invalid'> {
  if (file.format !== 'csv') return ok(null);
  if (file.csvColumns !== null) return ok(file.csvColumns.map((name) => fields.find((f) => f.name === name)!));
  if (first === undefined) return ok(null);
  if ('tooLong' in first) return fail('csv_header_invalid', `the header line is longer than ${eventFileLineBytesMax} bytes`);
  const text = lineText(first.bytes, first.lineNo);
  if (!text.ok) return fail('csv_header_invalid', 'the header line is not valid UTF-8');
  return parseCsvHeader(text.value, fields);
}

/**
 * Reads `fresh` (the new bytes after `file.receivedBytes`) on from the file's cursor, in batches of at most
 * `eventFileLinesPerBatchMax` lines with a result, each applied and then recorded with the file's new position;
 * with `final`, the last line too, and the file is completed. Blank lines cost no batch room, and only one batch
 * of lines is held at a time.
 */
async function readOn(
  ctx: AppContext,
  file: EventFileRow,
  fresh: Uint8Array,
  final: boolean,
  schema: EventSchemaCheck,
): Promise<Result<EventFileView, 'upload_offset_mismatch' | 'csv_header_invalid'>> {
  const lines = splitLines(file.cursor, fresh, { final, lineBytesMax: eventFileLineBytesMax });
  let item = lines.next();
  const columns = csvColumnsOf(file, item.done === true ? undefined : item.value, schema.fields);
  if (!columns.ok) return columns;
  const csvColumns = columns.value === null ? null : columns.value.map((c) => c.name);
  const hash = file.sha256State === null ? undefined : await ResumableSha256.resume(file.sha256State);
  let current = file;
  let consumed = 0;
  for (;;) {
    const batch: Array<Exclude<ReadLine, { kind: 'skip' }>> = [];
    let lastLine: RawLine | undefined;
    while (item.done !== true && batch.length < eventFileLinesPerBatchMax) {
      const read = readLine(file.format, columns.value, item.value, schema);
      if (read.kind !== 'skip') batch.push(read);
      lastLine = item.value;
      item = lines.next();
    }
    const results = await applyLines(ctx, file.providerId, batch);
    // Between batches the file stops after the batch's last line; after the last batch, at the end of the chunk.
    const endOffset = item.done === true ? fresh.length : lastLine!.endOffset;
    hash?.update(fresh.subarray(consumed, endOffset));
    consumed = endOffset;
    const step = {
      fileId: file.fileId,
      expectedReceivedBytes: current.receivedBytes,
      receivedBytes: file.receivedBytes + endOffset,
      cursor: item.done === true ? item.value : { tail: new Uint8Array(0), skippingLongLine: false, nextLineNo: lastLine!.lineNo + 1 },
      csvColumns,
      sha256State: hash?.save() ?? null,
      results,
      state: item.done === true && final ? ('completed' as const) : ('receiving' as const),
      nowMs: ctx.clock.nowMs(),
    };
    const rejectedCodes = results.flatMap((r) => (r.status === 'rejected' && r.code !== null ? [r.code] : []));
    const advanced = await ctx.store.transaction(async (tx) => {
      if (!(await advanceEventFile(tx, step))) return false;
      // Counted with the lines they belong to: a line read again after an interruption is not counted again.
      if (rejectedCodes.length > 0) await addEventRejections(tx, { providerId: file.providerId, bucketStartMs: bucketStartMsOf(step.nowMs), codes: rejectedCodes });
      return true;
    });
    if (!advanced) return offsetMismatch(undefined);
    const count = (status: LineStatus) => results.filter((r) => r.status === status).length;
    current = {
      ...current,
      receivedBytes: step.receivedBytes,
      cursor: step.cursor,
      csvColumns,
      sha256State: step.sha256State,
      state: step.state,
      linesApplied: current.linesApplied + count('applied'),
      linesDuplicate: current.linesDuplicate + count('duplicate'),
      linesRejected: current.linesRejected + count('rejected'),
      closedAtMs: step.state === 'completed' ? step.nowMs : null,
    };
    if (item.done === true) return ok(viewOf(current));
  }
}

export interface LineReportPage {
  data: LineResultRow[];
  hasMore: boolean;
  /** The last line number of the page, as text: pass it as `after` for the next page. */
  nextCursor: string;
}

/**
 * A page of the file's per-line results in line order, after line `after` (a previous page's nextCursor),
 * optionally only one status. Codes: event_file_not_found.
 */
export async function readEventFileReport(
  ctx: AppContext,
  providerId: string,
  input: { fileId: string; after: string | undefined; limit: number; status: LineStatus | undefined },
): Promise<Result<LineReportPage, 'event_file_not_found'>> {
  const afterLineNo = input.after === undefined ? 0 : Number(input.after);
  const rows = await ctx.store.transaction(async (tx) => {
    if ((await findEventFile(tx, providerId, input.fileId)) === undefined) return undefined;
    return listLineResults(tx, input.fileId, { afterLineNo, limit: input.limit + 1, status: input.status });
  });
  if (rows === undefined) return notFound();
  const data = rows.slice(0, input.limit);
  return ok({ data, hasMore: rows.length > input.limit, nextCursor: String(data.at(-1)?.lineNo ?? afterLineNo) });
}
