/**
 * `mykey provider …`: a provider's tools against the platform's provider API. `upload` sends an event file
 * (NDJSON or CSV) in signed chunks, resumable, with a progress bar; `report` prints a file's per-line results.
 * The signing secret is read from a file, never from a flag.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { once } from 'node:events';
import { eventFileFormats, type EventFileFormat } from '../domain/event-file-lines.js';
import { eventFileChunkBytesMax } from '../domain/limits.js';
import type { SigningKey } from '../http/signed-fetch.js';
import { readEventFileReport, uploadEventFile, type EventFileState } from './event-file-upload.js';
import { parseCommandArgs } from './args.js';
import type { Io } from './serve.js';

const defaultChunkBytes = 1_048_576;
const lineStatuses = ['applied', 'duplicate', 'rejected'] as const;

const usage = `Usage:
  mykey provider upload FILE --url URL --key-id ID --secret-file PATH [--format ndjson|csv]
                        [--resume FILE_ID] [--chunk-bytes N] [--json]
      Upload an event file: one event per line, NDJSON, or CSV under a header of event field names
      (eventId,accountRef,kind,amountYen,occurredAt and optional originalEventId,merchantRegion). The format comes from the extension
      (.ndjson, .jsonl, .csv) unless --format says. Sends chunks of --chunk-bytes (default ${defaultChunkBytes},
      at most ${eventFileChunkBytesMax}), each signed; a failed chunk is retried from the offset the server holds.
      An interrupted upload continues with --resume FILE_ID (the id is printed when the upload starts).
      Progress goes to stderr (a bar on a terminal, a line every 10 % otherwise); the summary to stdout.
  mykey provider report FILE_ID --url URL --key-id ID --secret-file PATH [--status applied|duplicate|rejected]
                        [--out PATH]
      Print the result of every line of an uploaded file (or of one status) as NDJSON, to stdout or to PATH.

Options:
  --url          the platform's base URL (e.g. https://api.mykey.example)
  --key-id       your signing key id; --secret-file: a file whose first line is its base64 secret
  --json         print the summary as JSON

Exit codes: 0 done (upload: every line applied or duplicate), 1 upload: some lines rejected (see the report),
2 failed (refused by the server, unreachable, or the file is not the one being resumed), 64 usage error.
`;

const exitCode = { ok: 0, linesRejected: 1, failed: 2, usage: 64 } as const;

type Values = {
  url?: string;
  'key-id'?: string;
  'secret-file'?: string;
  format?: string;
  resume?: string;
  'chunk-bytes'?: string;
  status?: string;
  out?: string;
  json?: boolean;
  help?: boolean;
};

class UsageError extends Error {}

async function signingKey(values: Values): Promise<SigningKey> {
  if (values['key-id'] === undefined || values['secret-file'] === undefined) throw new UsageError('give --key-id and --secret-file');
  const text = (await readFile(values['secret-file'], 'utf8')).split(/\r?\n/)[0]!.trim();
  const secret = Buffer.from(text, 'base64');
  if (secret.length === 0) throw new UsageError(`${values['secret-file']} holds no base64 secret on its first line`);
  return { keyId: values['key-id'], secret };
}

function baseUrl(values: Values): string {
  if (values.url === undefined) throw new UsageError('give --url');
  return values.url.replace(/\/$/, '');
}

function formatOf(path: string, given: string | undefined): EventFileFormat {
  if (given !== undefined) {
    if (!(eventFileFormats as readonly string[]).includes(given)) throw new UsageError(`--format is ndjson or csv, not "${given}"`);
    return given as EventFileFormat;
  }
  const byExtension: Record<string, EventFileFormat> = { '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.csv': 'csv' };
  const format = byExtension[extname(path).toLowerCase()];
  if (format === undefined) throw new UsageError(`cannot tell the format of ${path} from its extension; give --format ndjson or csv`);
  return format;
}

function chunkBytesOf(text: string | undefined): number {
  if (text === undefined) return defaultChunkBytes;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1 || value > eventFileChunkBytesMax) throw new UsageError(`--chunk-bytes takes an integer from 1 to ${eventFileChunkBytesMax}`);
  return value;
}

function mib(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/**
 * One line of progress: a bar of `widthChars`, the share of bytes sent, and the line counts so far.
 *
 * @example
 * progressLine({ receivedBytes: 524_288, linesRead: 3_500, linesApplied: 3_490, … }, 1_048_576, 10)
 * // '[#####-----]  50%  0.5/1.0 MiB  3,500 lines: 3,490 applied, 0 duplicate, 10 rejected'
 */
export function progressLine(file: EventFileState, sizeBytes: number, widthChars: number): string {
  const fraction = sizeBytes === 0 ? 1 : file.receivedBytes / sizeBytes;
  const filled = Math.floor(fraction * widthChars);
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  const n = (count: number) => count.toLocaleString('en-US');
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(widthChars - filled)}] ${percent}%  ${mib(file.receivedBytes)}/${mib(sizeBytes)} MiB  ` +
    `${n(file.linesRead)} lines: ${n(file.linesApplied)} applied, ${n(file.linesDuplicate)} duplicate, ${n(file.linesRejected)} rejected`
  );
}

/** Progress on stderr: a bar redrawn in place on a terminal, else a plain line at every 10 % step. */
function progressReporter(stderr: NodeJS.WritableStream): { update(file: EventFileState, sizeBytes: number): void; end(): void } {
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  let lastStep = -1;
  let drawn = false;
  return {
    update(file, sizeBytes) {
      if (tty) {
        stderr.write(`\r${progressLine(file, sizeBytes, 30)}\x1b[K`);
        drawn = true;
        return;
      }
      const stepNow = sizeBytes === 0 ? 10 : Math.floor((file.receivedBytes / sizeBytes) * 10);
      if (stepNow > lastStep) {
        stderr.write(`${progressLine(file, sizeBytes, 10)}\n`);
        lastStep = stepNow;
      }
    },
    end() {
      if (drawn) stderr.write('\n');
    },
  };
}

async function upload(path: string | undefined, values: Values, io: Io): Promise<number> {
  if (path === undefined) throw new UsageError('give the FILE to upload');
  const options = {
    baseUrl: baseUrl(values),
    key: await signingKey(values),
    path,
    format: formatOf(path, values.format),
    chunkBytes: chunkBytesOf(values['chunk-bytes']),
    ...(values.resume === undefined ? {} : { resumeFileId: values.resume }),
  };
  const progress = progressReporter(io.stderr);
  let announced = false;
  const result = await uploadEventFile({
    ...options,
    onProgress: (file, sizeBytes) => {
      if (!announced) {
        io.stderr.write(`upload ${file.fileId} of ${path} (${sizeBytes.toLocaleString('en-US')} bytes); if interrupted, continue with --resume ${file.fileId}\n`);
        announced = true;
      }
      progress.update(file, sizeBytes);
    },
    onRetry: (reason, attempt) => io.stderr.write(`\nattempt ${attempt} failed (${reason}); asking the server where the upload stands and retrying\n`),
  });
  progress.end();
  if (!result.ok) {
    io.stderr.write(`mykey provider upload: ${result.code}: ${result.message}\n`);
    return exitCode.failed;
  }
  const file = result.value;
  if (values.json === true) io.stdout.write(`${JSON.stringify(file)}\n`);
  else {
    io.stdout.write(
      `${file.fileId} ${file.state}: ${file.linesRead} lines, ${file.linesApplied} applied, ${file.linesDuplicate} duplicate, ${file.linesRejected} rejected\n`,
    );
  }
  const reportCommand = `mykey provider report ${file.fileId} --url ${options.baseUrl} --key-id ${options.key.keyId} --secret-file ${values['secret-file']}`;
  io.stderr.write(file.linesRejected > 0 ? `the rejected lines: ${reportCommand} --status rejected\n` : `every line's result: ${reportCommand}\n`);
  return file.linesRejected > 0 ? exitCode.linesRejected : exitCode.ok;
}

async function report(fileId: string | undefined, values: Values, io: Io): Promise<number> {
  if (fileId === undefined) throw new UsageError('give the FILE_ID of the upload');
  const status = values.status;
  if (status !== undefined && !(lineStatuses as readonly string[]).includes(status)) throw new UsageError(`--status is one of ${lineStatuses.join(', ')}`);
  const out = values.out === undefined ? io.stdout : createWriteStream(values.out);
  const result = await readEventFileReport({
    baseUrl: baseUrl(values),
    key: await signingKey(values),
    fileId,
    ...(status === undefined ? {} : { status: status as (typeof lineStatuses)[number] }),
    write: async (line) => {
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    },
  });
  if (values.out !== undefined) {
    out.end();
    await once(out, 'finish');
  }
  if (!result.ok) {
    io.stderr.write(`mykey provider report: ${result.code}: ${result.message}\n`);
    return exitCode.failed;
  }
  if (values.out !== undefined) io.stderr.write(`${result.value} line results written to ${values.out}\n`);
  return exitCode.ok;
}

/** `mykey provider …`; `argv` holds the arguments after `provider`. Returns the exit code. */
export async function providerCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    'provider',
    argv,
    {
      url: { type: 'string' },
      'key-id': { type: 'string' },
      'secret-file': { type: 'string' },
      format: { type: 'string' },
      resume: { type: 'string' },
      'chunk-bytes': { type: 'string' },
      status: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    usage,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const [subcommand, argument, ...extra] = parsed.positionals;
  try {
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    switch (subcommand) {
      case 'upload':
        return await upload(argument, parsed.values, io);
      case 'report':
        return await report(argument, parsed.values, io);
      default:
        throw new UsageError(subcommand === undefined ? 'give a subcommand' : `unknown subcommand "${subcommand}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`mykey provider: ${error.message}\n\n${usage}`);
      return exitCode.usage;
    }
    io.stderr.write(`mykey provider: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCode.failed;
  }
}
