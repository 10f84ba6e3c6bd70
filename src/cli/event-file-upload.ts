/**
 * The provider's side of an event-file upload: open it (or resume one), send the file in signed chunks from the
 * offset the server holds, retry a failed step after asking the server where it stands, and complete it. Reads the
 * file one chunk at a time, so memory stays bounded whatever its size. Used by `mykey provider upload` and the
 * benchmark.
 */
import { randomUUID, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { EventFileFormat } from '../domain/event-file-lines.js';
import { fail, ok, type Result } from '../domain/result.js';
import { signedFetch, type SigningKey } from '../http/signed-fetch.js';

/** An event file as the API shows it (GET /v1/provider/event-files/{id}). */
export interface EventFileState {
  fileId: string;
  fileName: string;
  format: EventFileFormat;
  sizeBytes?: number;
  sha256?: string;
  state: 'receiving' | 'completed' | 'digest_mismatch';
  receivedBytes: number;
  linesRead: number;
  linesApplied: number;
  linesDuplicate: number;
  linesRejected: number;
}

export interface UploadOptions {
  baseUrl: string;
  key: SigningKey;
  path: string;
  format: EventFileFormat;
  chunkBytes: number;
  /** Resume this upload instead of opening a new one. */
  resumeFileId?: string;
  /** Called after every step with the server's view of the file. */
  onProgress?: (file: EventFileState, sizeBytes: number) => void;
  /** Told before each retry, with why the step failed. */
  onRetry?: (reason: string, attempt: number) => void;
  /** Attempts per step (a chunk, the completion) before giving up; the delay doubles from `retryDelayMs`. */
  attemptsMax?: number;
  retryDelayMs?: number;
}

/** Why an upload stopped: the server refused it (with its code), or could not be reached, or the file differs. */
export type UploadFailure = 'refused' | 'unreachable' | 'file_mismatch';

/** A step can take a while: a chunk of 4 MiB is ~28,000 events applied before the answer. */
const stepTimeoutMs = 300_000;
const attemptsDefault = 6;
const retryDelayDefaultMs = 500;

/** The sha256 (hex) and size of a file, read as a stream. */
export async function fileDigest(path: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

type Answer = { status: number; body: unknown; headers: Headers };

/** The error code of an error answer, if it has one. */
function codeOf(answer: Answer): string {
  return (answer.body as { code?: string } | undefined)?.code ?? `HTTP ${answer.status}`;
}

/** Transient answers worth a retry: the server is overloaded, restarting or briefly broken. */
function retryable(answer: Answer): boolean {
  return answer.status === 429 || answer.status >= 500;
}

/**
 * Uploads a file and returns the server's final view of it. Codes: refused (the server answered a non-retryable
 * error: the message has its code), unreachable (every attempt of a step failed), file_mismatch (resuming an
 * upload whose declared size or sha256 is not this file's).
 *
 * @example
 * const r = await uploadEventFile({ baseUrl, key, path: 'events.ndjson', format: 'ndjson', chunkBytes: 1_048_576 });
 * if (r.ok) console.log(r.value.linesRejected);
 */
export async function uploadEventFile(options: UploadOptions): Promise<Result<EventFileState, UploadFailure>> {
  const { sha256, sizeBytes } = await fileDigest(options.path);
  const attemptsMax = options.attemptsMax ?? attemptsDefault;
  const retryDelayMs = options.retryDelayMs ?? retryDelayDefaultMs;
  const url = (path: string) => `${options.baseUrl}/v1/provider/event-files${path}`;
  const call = (method: 'GET' | 'POST' | 'PUT', path: string, extra: { json?: unknown; bytes?: Buffer; headers?: Record<string, string> } = {}) =>
    signedFetch({
      url: url(path),
      method,
      key: options.key,
      ...(extra.json === undefined ? {} : { json: extra.json }),
      ...(extra.bytes === undefined ? {} : { bytes: { body: extra.bytes, contentType: 'application/octet-stream' } }),
      ...(extra.headers === undefined ? {} : { headers: extra.headers }),
      timeoutMs: stepTimeoutMs,
    });

  /** Runs a step until it gets a definite answer; between attempts, asks the server where the file stands. */
  async function step(send: () => Promise<Answer>, resync: (() => Promise<void>) | undefined): Promise<Result<Answer, UploadFailure>> {
    for (let attempt = 1; ; attempt += 1) {
      let reason: string;
      try {
        const answer = await send();
        if (!retryable(answer)) return ok(answer);
        reason = codeOf(answer);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      if (attempt >= attemptsMax) return fail('unreachable', `gave up after ${attempt} attempts: ${reason}`);
      options.onRetry?.(reason, attempt);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      try {
        await resync?.();
      } catch {
        // Still unreachable: the next attempt will say so.
      }
    }
  }

  let file: EventFileState;
  const refresh = async (): Promise<void> => {
    const answer = await call('GET', `/${file.fileId}`);
    if (answer.status === 200) file = answer.body as EventFileState;
  };

  if (options.resumeFileId === undefined) {
    // One key for every attempt: a retried creation answers the file the first attempt made.
    const idempotencyKey = randomUUID();
    const body = { fileName: basename(options.path), format: options.format, sizeBytes, sha256 };
    const created = await step(() => call('POST', '', { json: body, headers: { 'idempotency-key': idempotencyKey } }), undefined);
    if (!created.ok) return created;
    if (created.value.status !== 201) return fail('refused', `opening the upload: ${codeOf(created.value)}`);
    file = created.value.body as EventFileState;
  } else {
    const resumeFileId = options.resumeFileId;
    const found = await step(() => call('GET', `/${encodeURIComponent(resumeFileId)}`), undefined);
    if (!found.ok) return found;
    if (found.value.status !== 200) return fail('refused', `resuming ${resumeFileId}: ${codeOf(found.value)}`);
    file = found.value.body as EventFileState;
    if (file.sizeBytes !== sizeBytes || file.sha256 !== sha256 || file.format !== options.format) {
      return fail('file_mismatch', `upload ${file.fileId} was opened for another file (size, sha256 or format differ)`);
    }
  }
  options.onProgress?.(file, sizeBytes);

  const handle = await open(options.path, 'r');
  try {
    while (file.state === 'receiving' && file.receivedBytes < sizeBytes) {
      const offset = file.receivedBytes;
      const chunk = Buffer.alloc(Math.min(options.chunkBytes, sizeBytes - offset));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      if (bytesRead !== chunk.length || (await stat(options.path)).size !== sizeBytes) return fail('file_mismatch', 'the file changed during the upload');
      const sent = await step(() => call('PUT', `/${file.fileId}/content?offset=${offset}`, { bytes: chunk }), refresh);
      if (!sent.ok) return sent;
      if (sent.value.status === 200) file = sent.value.body as EventFileState;
      else if (codeOf(sent.value) === 'upload_offset_mismatch') await refresh();
      else return fail('refused', `sending bytes from ${offset}: ${codeOf(sent.value)}`);
      // A retry after an answer that was lost can land on a file already further on: `file` is the server's word.
      options.onProgress?.(file, sizeBytes);
    }
  } finally {
    await handle.close();
  }

  const completed = await step(() => call('POST', `/${file.fileId}/complete`), undefined);
  if (!completed.ok) return completed;
  if (completed.value.status !== 200) return fail('refused', `completing ${file.fileId}: ${codeOf(completed.value)}`);
  file = completed.value.body as EventFileState;
  options.onProgress?.(file, sizeBytes);
  return ok(file);
}

/**
 * Every line result of a file's report (optionally of one status), page after page, handed to `write` in line
 * order. Codes: refused (with the server's code), unreachable.
 */
export async function readEventFileReport(input: {
  baseUrl: string;
  key: SigningKey;
  fileId: string;
  status?: 'applied' | 'duplicate' | 'rejected';
  write: (line: Record<string, unknown>) => Promise<void>;
}): Promise<Result<number, 'refused' | 'unreachable'>> {
  let after: string | undefined;
  let count = 0;
  for (;;) {
    const query = new URLSearchParams({ limit: '1000', ...(input.status === undefined ? {} : { status: input.status }), ...(after === undefined ? {} : { after }) });
    let answer: Answer;
    try {
      answer = await signedFetch({ url: `${input.baseUrl}/v1/provider/event-files/${encodeURIComponent(input.fileId)}/report?${query}`, method: 'GET', key: input.key, timeoutMs: stepTimeoutMs });
    } catch (error) {
      return fail('unreachable', error instanceof Error ? error.message : String(error));
    }
    if (answer.status !== 200) return fail('refused', codeOf(answer));
    const page = answer.body as { data: Array<Record<string, unknown>>; hasMore: boolean; nextCursor: string };
    for (const line of page.data) await input.write(line);
    count += page.data.length;
    if (!page.hasMore) return ok(count);
    after = page.nextCursor;
  }
}
