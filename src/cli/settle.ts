/**
 * `mykey settle …`: anyone holding a provider's grant feed recomputes its settlement statement. `verify` reads a
 * statement document, recomputes it with the same pure function the platform used (src/domain/settlement.ts) from
 * the provider's grant feed — over the signed provider API, or from a saved feed export — and prints whether every
 * figure matches, and which do not. `feed` saves the whole grant feed as NDJSON, for verifying offline.
 */
import { readFile } from 'node:fs/promises';
import { isoInZone } from '../domain/calendar.js';
import { grantsPageMax } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { checkSettlementParams, compareStatements, StatementBuilder, type SettlementLine, type Statement } from '../domain/settlement.js';
import { parseStatementDocument } from '../http/settlement-document.js';
import { signedFetch, type SigningKey } from '../http/signed-fetch.js';
import { parseCommandArgs } from './args.js';
import type { Io } from './serve.js';

const usage = `Usage:
  mykey settle verify STATEMENT.json (--url URL --key-id ID --secret-file FILE | --feed FEED.ndjson) [--provider ID] [--json]
      Recompute a settlement statement (the JSON of GET /v1/provider/settlements/{month}) from the provider's
      grant feed, read over the signed provider API or from a feed saved by \`mykey settle feed\`, and compare every
      figure. --provider checks the statement is that provider's.
  mykey settle feed --url URL --key-id ID --secret-file FILE
      Print the provider's whole grant feed as NDJSON (one feed item a line), to verify statements offline.

Options:
  --secret-file  the provider key's secret: a file whose first line is the base64 secret, or a JSON file with
                 "secret" (and "keyId", then --key-id may be left out), like the one \`mykey serve\` writes for the
                 demo provider
  --json         print the result of verify as JSON

Exit codes: 0 the statement matches (or the feed was saved), 1 it does not match, 2 it cannot be verified (unreadable
or malformed statement or feed, the platform refused or could not be reached), 64 usage error.
`;

const exitCode = { ok: 0, mismatch: 1, cannotVerify: 2, usage: 64 } as const;

class CannotVerify extends Error {}

type Values = { url?: string; 'key-id'?: string; 'secret-file'?: string; feed?: string; provider?: string; json?: boolean };

async function readKey(values: Values): Promise<SigningKey> {
  const path = values['secret-file']!;
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    throw new CannotVerify(`cannot read the secret file ${path}`);
  }
  let stored: { keyId?: unknown; secret?: unknown } | undefined;
  if (text.startsWith('{')) {
    try {
      stored = JSON.parse(text) as { keyId?: unknown; secret?: unknown };
    } catch {
      throw new CannotVerify(`${path} is not valid JSON`);
    }
  }
  const secret = stored === undefined ? text.split(/\r?\n/)[0]! : stored.secret;
  const keyId = values['key-id'] ?? stored?.keyId;
  if (typeof secret !== 'string' || secret === '') throw new CannotVerify(`${path} holds no secret`);
  if (typeof keyId !== 'string' || keyId === '') throw new CannotVerify('give --key-id (the secret file names none)');
  return { keyId, secret: Buffer.from(secret, 'base64') };
}

/** A feed item (API answer or a saved line) as a settlement line; codes: feed_item_malformed. */
function lineOfFeedItem(item: unknown): Result<SettlementLine, 'feed_item_malformed'> {
  const { grantId, seq, campaignId, points, createdAt, ackedAt } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  const createdAtMs = typeof createdAt === 'string' ? Date.parse(createdAt) : Number.NaN;
  const ackedAtMs = typeof ackedAt === 'string' ? Date.parse(ackedAt) : ackedAt === null ? null : Number.NaN;
  if (typeof grantId !== 'string' || typeof campaignId !== 'string' || !Number.isSafeInteger(seq) || !Number.isSafeInteger(points)) {
    return fail('feed_item_malformed', 'a feed item lacks grantId, seq, campaignId or points');
  }
  if (!Number.isSafeInteger(createdAtMs) || (ackedAtMs !== null && !Number.isSafeInteger(ackedAtMs))) {
    return fail('feed_item_malformed', `feed item ${grantId} lacks createdAt or ackedAt (a feed saved before they existed?)`);
  }
  return ok({ grantId, seq: seq as number, campaignId, points: points as number, createdAtMs, ackedAtMs });
}

/** The provider's feed from the platform, page by page, until `untilSeq` is passed or the feed ends. */
async function* serverFeedPages(baseUrl: string, key: SigningKey, untilSeq: number): AsyncGenerator<unknown[]> {
  let after: string | undefined;
  for (;;) {
    const query = after === undefined ? `?limit=${grantsPageMax}` : `?limit=${grantsPageMax}&after=${encodeURIComponent(after)}`;
    let page;
    try {
      page = await signedFetch({ url: `${baseUrl}/v1/provider/grants${query}`, method: 'GET', key });
    } catch (error) {
      throw new CannotVerify(`cannot reach ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (page.status !== 200) {
      const body = page.body as { code?: string; message?: string } | undefined;
      throw new CannotVerify(`the grant feed answered ${page.status} ${body?.code ?? ''} ${body?.message ?? ''}`.trimEnd());
    }
    const body = page.body as { data: Array<{ seq?: unknown }>; hasMore: boolean; nextCursor: string };
    yield body.data;
    const lastSeq = body.data.at(-1)?.seq;
    if (!body.hasMore || (typeof lastSeq === 'number' && lastSeq >= untilSeq)) return;
    after = body.nextCursor;
  }
}

/** A saved feed (NDJSON), in pages of its lines. */
async function* fileFeedPages(path: string): AsyncGenerator<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CannotVerify(`cannot read the feed ${path}`);
  }
  const items: unknown[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch {
      throw new CannotVerify(`${path} line ${index + 1} is not JSON`);
    }
  }
  yield items;
}

async function readStatementFile(path: string): Promise<Statement> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new CannotVerify(`cannot read ${path} as JSON`);
  }
  const parsed = parseStatementDocument(value);
  if (!parsed.ok) throw new CannotVerify(`${path}: ${parsed.message}`);
  return parsed.value.statement;
}

async function verify(statementPath: string | undefined, values: Values, io: Io): Promise<number> {
  const fromServer = values.url !== undefined || values['secret-file'] !== undefined || values['key-id'] !== undefined;
  if (statementPath === undefined || fromServer === (values.feed !== undefined) || (fromServer && (values.url === undefined || values['secret-file'] === undefined))) {
    io.stderr.write(`mykey settle verify: give STATEMENT.json and either --url with --secret-file (and --key-id), or --feed\n\n${usage}`);
    return exitCode.usage;
  }
  const stated = await readStatementFile(statementPath);
  const params = { providerId: values.provider ?? stated.providerId, month: stated.month, timeZone: stated.timeZone, asOfMs: stated.asOfMs, throughSeq: stated.throughSeq };
  const checked = checkSettlementParams(params);
  if (!checked.ok) throw new CannotVerify(`${statementPath}: ${checked.message}`);
  const builder = new StatementBuilder(params);
  const pages = fromServer ? serverFeedPages(values.url!.replace(/\/$/, ''), await readKey(values), stated.throughSeq) : fileFeedPages(values.feed!);
  for await (const items of pages) {
    const lines: SettlementLine[] = [];
    for (const item of items) {
      const line = lineOfFeedItem(item);
      if (!line.ok) throw new CannotVerify(line.message);
      lines.push(line.value);
    }
    const added = builder.add(lines);
    if (!added.ok) throw new CannotVerify(`the feed is not in feed order: ${added.message}`);
  }
  const recomputed = builder.finish();
  const differences = compareStatements(stated, recomputed);
  const match = differences.length === 0;
  const subject = `${stated.providerId} ${stated.month} (${stated.timeZone}), as of ${isoInZone(stated.asOfMs, stated.timeZone)}, through feed position ${stated.throughSeq}`;
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify({ match, differences, recomputed: { entries: recomputed.feed.entries, linesSha256: recomputed.feed.linesSha256, subsidyYen: recomputed.total.subsidyYen } })}\n`);
  } else if (match) {
    io.stdout.write(`match: the statement of ${subject} is what its ${recomputed.feed.entries} ledger entries give (subsidy ¥${recomputed.total.subsidyYen})\n`);
  } else {
    io.stdout.write(`MISMATCH: the statement of ${subject} differs from its recomputation in ${differences.length} field(s):\n`);
    for (const d of differences) io.stdout.write(`  ${d.field}: statement ${JSON.stringify(d.stated)}, recomputed ${JSON.stringify(d.recomputed)}\n`);
  }
  return match ? exitCode.ok : exitCode.mismatch;
}

async function exportFeed(values: Values, io: Io): Promise<number> {
  if (values.url === undefined || values['secret-file'] === undefined) {
    io.stderr.write(`mykey settle feed: give --url and --secret-file (and --key-id)\n\n${usage}`);
    return exitCode.usage;
  }
  let items = 0;
  for await (const page of serverFeedPages(values.url.replace(/\/$/, ''), await readKey(values), Number.MAX_SAFE_INTEGER)) {
    for (const item of page) io.stdout.write(`${JSON.stringify(item)}\n`);
    items += page.length;
  }
  io.stderr.write(`${items} feed items\n`);
  return exitCode.ok;
}

/** `mykey settle …`; `argv` holds the arguments after `settle`. Returns the exit code. */
export async function settleCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    'settle',
    argv,
    {
      url: { type: 'string' },
      'key-id': { type: 'string' },
      'secret-file': { type: 'string' },
      feed: { type: 'string' },
      provider: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    usage,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const [subcommand, ...rest] = parsed.positionals;
  try {
    switch (subcommand) {
      case 'verify':
        if (rest.length > 1) break;
        return await verify(rest[0], parsed.values, io);
      case 'feed':
        if (rest.length > 0) break;
        return await exportFeed(parsed.values, io);
    }
  } catch (error) {
    // Whatever went wrong, the answer is neither "match" nor "mismatch".
    io.stderr.write(`mykey settle ${subcommand}: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCode.cannotVerify;
  }
  io.stderr.write(`mykey settle: unknown subcommand or extra arguments "${parsed.positionals.join(' ')}"\n\n${usage}`);
  return exitCode.usage;
}
