/**
 * Event-ingest benchmark (DESIGN.md §7): events per second through the real HTTP API, batched, on the embedded
 * engine and on PostgreSQL, and the ratio to the same engine's raw ceiling for the same writes, measured in the
 * same run. It measures and prints; it never asserts a time.
 *
 * How, per engine: two fresh stores of that engine are seeded alike (a campaign on the Mynapoint 2020 rules open
 * now, one provider with a key, P persons each bound to one account; inserted with the store's repositories,
 * because card logins would spend the setup on RSA key generation). On the first, the real Fastify app listens on
 * 127.0.0.1 and one ProviderClient sends signed batches of 1,000 payments, one after the other. On the second, the
 * same events are written with the raw driver in one transaction per batch: the event rows, the ledger rows, the
 * balance updates and the feed-head bump, which are the writes the ingest makes and nothing else (no reads, no
 * locks, no decisions, no signature check). Both runs start with the same warm-up batches, which are not timed.
 * The plan of the writes (points per event, the cap) comes from the domain's own `entitlementPoints`, and every
 * HTTP answer is checked against it, so both sides are known to make the same writes. A third store, seeded alike,
 * gets the same events as event files (NDJSON, uploaded in 1 MiB chunks with `mykey provider upload`'s client), so
 * the file path's events/s is printed beside the batch API's.
 *
 * Usage: node dist/bench/ingest.js [--engine sqlite|postgres|all] [--batches N] [--persons N] [--warmup N]
 * The table goes to stdout, progress to stderr. Exit codes: 0 measured, 1 a run went wrong, 64 bad usage.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { AppContext } from '../src/app/context.js';
import { validateCampaign, type Campaign, type CampaignDefinition } from '../src/domain/campaign.js';
import { eventsPerBatchMax } from '../src/domain/limits.js';
import { entitlementPoints } from '../src/domain/points.js';
import { startDryRun } from '../src/domain/dry-run.js';
import { municipalPresetRegion, municipalSpendBack, mynapoint2020Now } from '../src/domain/presets.js';
import { buildApp } from '../src/http/app.js';
import type { SigningKey } from '../src/http/signed-fetch.js';
import type { TrustStore } from '../src/identity/trust-store.js';
import { uploadEventFile } from '../src/cli/event-file-upload.js';
import { ProviderClient, type ReportedEvent } from '../src/provider-sim/demo-provider.js';
import { openStore, type Engine, type Store } from '../src/store/db.js';
import { benchProvider, BenchError, benchTrust, runBench, UsageError, type BenchPerson, contextOf, type Durations, eventsPerS, integer, percentileMs, population, postgresSlot, seed, sqliteSlot, type StoreSlot, timed } from './common.js';

const usage = `Usage: node dist/bench/ingest.js [options]

Measures event ingest over HTTP (signed batches of ${eventsPerBatchMax} payments) against the raw driver's
ceiling for the same writes, on each engine, and prints events/s, batch latency and the ratio; and the same
events uploaded as event files (NDJSON, 1 MiB chunks), with their events/s and ratio to the batches.

Options:
  --engine sqlite|postgres|all   engines to measure (default all; PostgreSQL at DATABASE_URL_TEST or
                                 postgres://postgres@127.0.0.1:5432/postgres, skipped when unreachable)
  --batches N                    measured batches per engine (default 20)
  --persons N                    persons, each bound to one account (default 5000, at least ${eventsPerBatchMax})
  --warmup N                     untimed batches before the measured ones (default 2)
  --help                         this text
`;

interface Options {
  engines: Engine[];
  batches: number;
  persons: number;
  warmupBatches: number;
}

function parseCount(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${flag} takes an integer ≥ ${min}, not "${text}"`);
  return value;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'all' },
      batches: { type: 'string', default: '20' },
      persons: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '2' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const engines: Record<string, Engine[]> = { sqlite: ['sqlite'], postgres: ['postgres'], all: ['sqlite', 'postgres'] };
  const selected = engines[values.engine];
  if (selected === undefined) throw new UsageError(`--engine is sqlite, postgres or all, not "${values.engine}"`);
  return {
    engines: selected,
    batches: parseCount(values.batches, 'batches', 1),
    // Every batch names distinct accounts (one event per person per batch), so a batch needs that many persons.
    persons: parseCount(values.persons, 'persons', eventsPerBatchMax),
    warmupBatches: parseCount(values.warmup, 'warmup', 0),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The population and the plan of events

const { providerId } = benchProvider;

/** One event as reported, with the writes the ingest must make for it. */
interface PlannedEvent {
  report: ReportedEvent;
  person: BenchPerson;
  occurredAtMs: number;
  payloadSha256: string;
  /** The balance after the event (the row the ingest updates). */
  eligibleYenAfter: number;
  /** The balance's units (yen × numerator) and earned points (before the cap), written like the ingest does. */
  unitsAfter: number;
  earnedPointsAfter: number;
  pointsGrantedAfter: number;
  /** The grant; 0 means no ledger row (a person already at the cap). */
  points: number;
  ledgerEntryId: string;
}

interface Plan {
  batches: PlannedEvent[][];
  personsAtCap: number;
}

/** The ingest's payload hash (src/app/ingest-events.ts), so the raw rows hold the same kind of value. */
function payloadSha256(event: ReportedEvent, occurredAtMs: number): string {
  return createHash('sha256').update(JSON.stringify([event.accountRef, event.kind, event.amountYen, occurredAtMs, null])).digest('hex');
}

/**
 * One heavy spender in five pays 15,000 yen a time: their second payment reaches the 5,000-point cap with a
 * partial grant, and a third grants nothing (no ledger row). Everyone else pays 300–4,999 yen and stays below.
 */
function paymentYenOf(personIndex: number, eventIndex: number): number {
  if (personIndex % 5 === 0) return 15_000;
  return 300 + ((eventIndex * 7_919) % 4_700);
}

/**
 * Batch b, slot j is the payment of person (b × 1,000 + j) mod P: distinct accounts in each batch, spread over
 * every person, each person paying again every P events. The points come from the domain rule itself.
 */
function planEvents(persons: readonly BenchPerson[], campaign: Campaign, batchCount: number, occurredAtMs: number): Plan {
  const occurredAt = new Date(occurredAtMs).toISOString();
  const eligibleYen = new Array<number>(persons.length).fill(0);
  const pointsGranted = new Array<number>(persons.length).fill(0);
  const batches: PlannedEvent[][] = [];
  for (let b = 0; b < batchCount; b += 1) {
    const batch: PlannedEvent[] = [];
    for (let j = 0; j < eventsPerBatchMax; j += 1) {
      const eventIndex = b * eventsPerBatchMax + j;
      const personIndex = eventIndex % persons.length;
      const person = persons[personIndex]!;
      const report: ReportedEvent = {
        eventId: `bench-${String(b).padStart(5, '0')}-${String(j).padStart(4, '0')}`,
        accountRef: person.accountRef,
        kind: 'payment',
        amountYen: paymentYenOf(personIndex, eventIndex),
        occurredAt,
      };
      eligibleYen[personIndex]! += report.amountYen;
      const points = entitlementPoints(campaign, eligibleYen[personIndex]!) - pointsGranted[personIndex]!;
      pointsGranted[personIndex]! += points;
      batch.push({
        report,
        person,
        occurredAtMs,
        payloadSha256: payloadSha256(report, occurredAtMs),
        eligibleYenAfter: eligibleYen[personIndex]!,
        unitsAfter: eligibleYen[personIndex]! * campaign.rate!.numerator,
        earnedPointsAfter: Math.floor((eligibleYen[personIndex]! * campaign.rate!.numerator) / campaign.rate!.denominator),
        pointsGrantedAfter: pointsGranted[personIndex]!,
        points,
        ledgerEntryId: randomUUID(),
      });
    }
    batches.push(batch);
  }
  return { batches, personsAtCap: pointsGranted.filter((p) => p === campaign.caps.perPersonPoints).length };
}

// ---------------------------------------------------------------------------------------------------------------
// The measured paths

interface GrantAnswer {
  points: number;
}
interface EventAnswer {
  eventId: string;
  status: string;
  code?: string;
  grants?: GrantAnswer[];
}

/** Checks one HTTP answer against the plan: every event applied, with exactly the planned grant. */
function checkAnswer(batch: readonly PlannedEvent[], status: number, body: unknown): void {
  if (status !== 200) throw new BenchError(`the platform answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  const results = (body as { results?: EventAnswer[] }).results ?? [];
  if (results.length !== batch.length) throw new BenchError(`${results.length} results for ${batch.length} events`);
  results.forEach((result, index) => {
    const planned = batch[index]!;
    if (result.eventId !== planned.report.eventId || result.status !== 'applied') {
      throw new BenchError(`event ${planned.report.eventId}: ${result.status}${result.code === undefined ? '' : ` (${result.code})`}, not applied`);
    }
    const points = (result.grants ?? []).reduce((sum, grant) => sum + grant.points, 0);
    const ledgerRows = (result.grants ?? []).length;
    if (points !== planned.points || ledgerRows !== (planned.points === 0 ? 0 : 1)) {
      throw new BenchError(`event ${planned.report.eventId}: ${points} points in ${ledgerRows} grants, planned ${planned.points}`);
    }
  });
}

/** Checks one HTTP answer of the capped campaign: every event applied (its points are checked in total, after the run). */
function checkAllApplied(batch: readonly PlannedEvent[], status: number, body: unknown): void {
  if (status !== 200) throw new BenchError(`the platform answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  const results = (body as { results?: EventAnswer[] }).results ?? [];
  const refused = results.find((result) => result.status !== 'applied');
  if (results.length !== batch.length || refused !== undefined) throw new BenchError(`not every event applied: ${JSON.stringify(refused)}`);
}

async function runHttp(ctx: AppContext, key: SigningKey, plan: Plan, warmupBatches: number, check = checkAnswer): Promise<Durations> {
  const app = await buildApp(ctx, { operatorToken: randomBytes(24).toString('base64url'), logger: false, rateLimitPerMinute: 10_000_000 });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new ProviderClient(url, key);
    const durations: Durations = [];
    for (const [index, batch] of plan.batches.entries()) {
      const events = batch.map((e) => (check === checkAnswer ? e.report : { ...e.report, merchantRegion: municipalPresetRegion }));
      const startMs = performance.now();
      const answer = await client.reportEvents(events).catch((error: unknown) => {
        // signedFetch gives up after providerCallTimeoutMs (5 s): a batch that slow is a finding, not a crash.
        throw new BenchError(`batch ${index}: ${error instanceof Error ? error.message : String(error)}`);
      });
      const elapsedMs = performance.now() - startMs;
      check(batch, answer.status, answer.body);
      if (index >= warmupBatches) durations.push(elapsedMs);
    }
    return durations;
  } finally {
    await app.close();
  }
}

/** Chunk size of the file uploads: the CLI's default. */
const fileChunkBytes = 1_048_576;

/**
 * The same events as event files through the real app: the warm-up batches as one file (untimed), the measured
 * ones as another, each uploaded in 1 MiB chunks and completed. Returns the measured upload's duration in ms.
 * Every line must come back applied.
 */
async function runFile(ctx: AppContext, key: SigningKey, plan: Plan, warmupBatches: number, dir: string): Promise<number> {
  const app = await buildApp(ctx, { operatorToken: randomBytes(24).toString('base64url'), logger: false, rateLimitPerMinute: 10_000_000 });
  try {
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const upload = async (name: string, batches: readonly PlannedEvent[][]): Promise<number> => {
      const events = batches.flat();
      const path = join(dir, name);
      writeFileSync(path, events.map((e) => `${JSON.stringify(e.report)}\n`).join(''));
      const startMs = performance.now();
      const result = await uploadEventFile({ baseUrl, key, path, format: 'ndjson', chunkBytes: fileChunkBytes, attemptsMax: 1 });
      const elapsedMs = performance.now() - startMs;
      if (!result.ok) throw new BenchError(`file ${name}: ${result.code}: ${result.message}`);
      if (result.value.linesApplied !== events.length) throw new BenchError(`file ${name}: ${result.value.linesApplied} of ${events.length} lines applied`);
      return elapsedMs;
    };
    if (warmupBatches > 0) await upload('warmup.ndjson', plan.batches.slice(0, warmupBatches));
    return await upload('measured.ndjson', plan.batches.slice(warmupBatches));
  } finally {
    await app.close();
  }
}

/** The ledger rows of a batch: its events with a grant, at the feed positions after `lastSeq`. */
function granted(batch: readonly PlannedEvent[]): PlannedEvent[] {
  return batch.filter((e) => e.points !== 0);
}

/** better-sqlite3 with the pragmas of src/store/db.ts, prepared statements, one transaction per batch. */
function runRawSqlite(path: string, campaignId: string, plan: Plan, warmupBatches: number): Durations {
  const database = new SqliteDatabase(path);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    const insertEvent = database.prepare(
      `insert into events (provider_id, event_id, payload_sha256, kind, account_id, amount_yen, occurred_at_ms, original_event_id, reversed_yen, applied_at_ms)
       values (?, ?, ?, ?, ?, ?, ?, null, 0, ?)`,
    );
    const insertCounted = database.prepare('insert into event_campaigns (provider_id, event_id, campaign_id) values (?, ?, ?)');
    const updateBalance = database.prepare('update balances set eligible_yen = ?, units = ?, earned_points = ?, points_granted = ?, updated_at_ms = ? where person_id = ? and campaign_id = ?');
    const bumpFeedHead = database.prepare('update provider_feed_heads set last_seq = last_seq + ? where provider_id = ? returning last_seq');
    const insertLedger = database.prepare(
      `insert into ledger_entries (id, provider_id, provider_seq, campaign_id, person_id, account_id, event_id, points, eligible_delta_yen, created_at_ms)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const writeBatch = database.transaction((batch: readonly PlannedEvent[], nowMs: number) => {
      for (const e of batch) {
        insertEvent.run(providerId, e.report.eventId, e.payloadSha256, e.report.kind, e.person.accountId, e.report.amountYen, e.occurredAtMs, nowMs);
        insertCounted.run(providerId, e.report.eventId, campaignId);
      }
      for (const e of batch) updateBalance.run(e.eligibleYenAfter, e.unitsAfter, e.earnedPointsAfter, e.pointsGrantedAfter, nowMs, e.person.personId, campaignId);
      const grants = granted(batch);
      if (grants.length === 0) return;
      const { last_seq: lastSeq } = bumpFeedHead.get(grants.length, providerId) as { last_seq: number };
      const firstSeq = lastSeq - grants.length + 1;
      grants.forEach((e, index) => {
        insertLedger.run(e.ledgerEntryId, providerId, firstSeq + index, campaignId, e.person.personId, e.person.accountId, e.report.eventId, e.points, e.report.amountYen, nowMs);
      });
    });
    const durations: Durations = [];
    for (const [index, batch] of plan.batches.entries()) {
      const startMs = performance.now();
      writeBatch(batch, Date.now());
      const elapsedMs = performance.now() - startMs;
      if (index >= warmupBatches) durations.push(elapsedMs);
    }
    return durations;
  } finally {
    database.close();
  }
}

/** `rows` tuples of `columns` parameters each, numbered from `$first`; `tuple` places them (p(0) is the row's first). */
function valuesList(rows: number, columns: number, first: number, tuple: (p: (column: number) => string) => string): string {
  const tuples: string[] = [];
  for (let row = 0; row < rows; row += 1) tuples.push(tuple((column) => `$${first + row * columns + column}`));
  return tuples.join(', ');
}

/** node-pg on one connection: multi-row INSERTs and one UPDATE … FROM (VALUES …), one transaction per batch. */
async function runRawPostgres(connectionString: string, campaignId: string, plan: Plan, warmupBatches: number): Promise<Durations> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const insertEvents = (rows: number) =>
      `insert into events (provider_id, event_id, payload_sha256, kind, account_id, amount_yen, occurred_at_ms, original_event_id, reversed_yen, applied_at_ms)
       values ${valuesList(rows, 6, 3, (p) => `($1, ${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, null, 0, $2)`)}`;
    const insertCounted = (rows: number) =>
      `insert into event_campaigns (provider_id, event_id, campaign_id) values ${valuesList(rows, 1, 3, (p) => `($1, ${p(0)}, $2)`)}`;
    const updateBalances = (rows: number) =>
      `update balances as b set eligible_yen = v.eligible_yen, units = v.units, earned_points = v.earned_points, points_granted = v.points_granted, updated_at_ms = $1
       from (values ${valuesList(rows, 5, 3, (p) => `(${p(0)}::text, ${p(1)}::bigint, ${p(2)}::bigint, ${p(3)}::bigint, ${p(4)}::bigint)`)}) as v(person_id, eligible_yen, units, earned_points, points_granted)
       where b.person_id = v.person_id and b.campaign_id = $2`;
    const insertLedger = (rows: number) =>
      `insert into ledger_entries (id, provider_id, provider_seq, campaign_id, person_id, account_id, event_id, points, eligible_delta_yen, created_at_ms)
       values ${valuesList(rows, 7, 4, (p) => `(${p(0)}, $1, ${p(1)}, $2, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, $3)`)}`;
    const durations: Durations = [];
    for (const [index, batch] of plan.batches.entries()) {
      const startMs = performance.now();
      const nowMs = Date.now();
      await client.query('begin');
      try {
        await client.query(insertEvents(batch.length), [
          providerId,
          nowMs,
          ...batch.flatMap((e) => [e.report.eventId, e.payloadSha256, e.report.kind, e.person.accountId, e.report.amountYen, e.occurredAtMs]),
        ]);
        await client.query(insertCounted(batch.length), [providerId, campaignId, ...batch.map((e) => e.report.eventId)]);
        await client.query(updateBalances(batch.length), [nowMs, campaignId, ...batch.flatMap((e) => [e.person.personId, e.eligibleYenAfter, e.unitsAfter, e.earnedPointsAfter, e.pointsGrantedAfter])]);
        const grants = granted(batch);
        if (grants.length > 0) {
          const head = await client.query<{ last_seq: number }>('update provider_feed_heads set last_seq = last_seq + $1 where provider_id = $2 returning last_seq', [grants.length, providerId]);
          const firstSeq = Number(head.rows[0]!.last_seq) - grants.length + 1;
          await client.query(insertLedger(grants.length), [
            providerId,
            campaignId,
            nowMs,
            ...grants.flatMap((e, i) => [e.ledgerEntryId, firstSeq + i, e.person.personId, e.person.accountId, e.report.eventId, e.points, e.report.amountYen]),
          ]);
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
      const elapsedMs = performance.now() - startMs;
      if (index >= warmupBatches) durations.push(elapsedMs);
    }
    return durations;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One engine, measured

interface Measurement {
  engine: Engine;
  http: Durations;
  raw: Durations;
  /** The measured events uploaded as one file, in ms. */
  fileMs: number;
  /** The same batches under the municipal caps and budget. */
  cappedHttp: Durations;
  measuredEvents: number;
  measuredLedgerRows: number;
  personsAtCap: number;
}

/**
 * The municipal rules (30 %, 1,000 per payment, 3,000 per calendar month, a budget) under the bench's id and
 * windows: the per-event, per-period and budget paths of the ingest, on the same persons and events.
 */
function cappedDefinition(plain: CampaignDefinition, boundAtMs: number): CampaignDefinition {
  const { id: _id, name: _name, ...municipal } = municipalSpendBack(boundAtMs);
  return { ...plain, ...municipal, applicationWindow: plain.applicationWindow, earningWindow: plain.earningWindow };
}

/** The points the dry run grants for the plan's events: what the capped ingest must have granted. */
function dryRunPoints(campaign: Campaign, plan: Plan): number {
  const run = startDryRun(campaign);
  for (const batch of plan.batches) for (const e of batch) run.apply({ ...e.report, merchantRegion: municipalPresetRegion });
  return run.report().points.net;
}

async function ledgerPoints(store: Store): Promise<number> {
  const row = await store.db.selectFrom('ledger_entries').select(({ fn }) => fn.sum<number>('points').as('points')).executeTakeFirstOrThrow();
  return Number(row.points);
}

async function measureEngine(engine: Engine, options: Options, trust: TrustStore): Promise<Measurement> {
  const batchCount = options.warmupBatches + options.batches;
  const boundAtMs = Date.now();
  const persons = population(options.persons);
  const definition = mynapoint2020Now(boundAtMs);
  const campaign = validateCampaign(definition, 1);
  assert.ok(campaign.ok, 'the preset validates');
  // The payments happen a second after the bindings: inside the earning window, and after binding.
  const plan = planEvents(persons, campaign.value, batchCount, boundAtMs + 1_000);

  // The event files are written here whatever the engine; the SQLite stores live here too.
  const dir = mkdtempSync(join(tmpdir(), 'mykey-bench-'));
  const slots: StoreSlot[] = [];
  const stores: Store[] = [];
  try {
    for (const role of ['http', 'raw', 'file', 'capped']) slots.push(engine === 'postgres' ? await postgresSlot(role) : sqliteSlot(dir, role));
    const [httpSlot, rawSlot, fileSlot, cappedSlot] = slots as [StoreSlot, StoreSlot, StoreSlot, StoreSlot];
    const httpStore = await openStore(httpSlot.location);
    stores.push(httpStore);
    const rawStore = await openStore(rawSlot.location);
    stores.push(rawStore);
    const fileStore = await openStore(fileSlot.location);
    stores.push(fileStore);
    const cappedStore = await openStore(cappedSlot.location);
    stores.push(cappedStore);
    const httpCtx = contextOf(httpStore, trust);
    const fileCtx = contextOf(fileStore, trust);
    const cappedCtx = contextOf(cappedStore, trust);
    const capped = validateCampaign(cappedDefinition(definition, boundAtMs), 1);
    assert.ok(capped.ok, capped.ok ? '' : capped.message);
    const [key, , fileKey, cappedKey] = await timed(`seeded four ${engine} stores with ${options.persons} persons each`, () =>
      Promise.all([
        seed(httpCtx, definition, persons, boundAtMs),
        seed(contextOf(rawStore, trust), definition, persons, boundAtMs),
        seed(fileCtx, definition, persons, boundAtMs),
        seed(cappedCtx, cappedDefinition(definition, boundAtMs), persons, boundAtMs),
      ]),
    );
    // The raw run writes through its own driver connection; the Kysely store is not needed for it.
    await rawStore.close();
    stores.splice(stores.indexOf(rawStore), 1);

    const raw = await timed(`raw ${engine}: ${batchCount} batches`, async () =>
      rawSlot.location.engine === 'sqlite'
        ? runRawSqlite(rawSlot.location.path, campaign.value.id, plan, options.warmupBatches)
        : runRawPostgres(rawSlot.location.connectionString, campaign.value.id, plan, options.warmupBatches),
    );
    const http = await timed(`http ${engine}: ${batchCount} batches`, () => runHttp(httpCtx, key, plan, options.warmupBatches));
    const fileMs = await timed(`file ${engine}: the same events in two files`, () => runFile(fileCtx, fileKey, plan, options.warmupBatches, dir));
    const cappedHttp = await timed(`capped ${engine}: the same events under per-event, per-month and budget caps`, () =>
      runHttp(cappedCtx, cappedKey, plan, options.warmupBatches, checkAllApplied),
    );
    const [cappedPoints, expectedPoints] = [await ledgerPoints(cappedStore), dryRunPoints(capped.value, plan)];
    if (cappedPoints !== expectedPoints) throw new BenchError(`the capped campaign granted ${cappedPoints} points; the dry run of the same events says ${expectedPoints}`);
    const measured = plan.batches.slice(options.warmupBatches);
    return {
      engine,
      http,
      raw,
      fileMs,
      cappedHttp,
      measuredEvents: measured.reduce((sum, batch) => sum + batch.length, 0),
      measuredLedgerRows: measured.reduce((sum, batch) => sum + granted(batch).length, 0),
      personsAtCap: plan.personsAtCap,
    };
  } finally {
    for (const store of stores) await store.close();
    for (const slot of slots) await slot.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

function report(m: Measurement, options: Options): { table: string; ratio: number; fileRatio: number; cappedRatio: number } {
  const httpRate = eventsPerS(m.measuredEvents, m.http);
  const cappedRate = eventsPerS(m.measuredEvents, m.cappedHttp);
  const rawRate = eventsPerS(m.measuredEvents, m.raw);
  const fileRate = eventsPerS(m.measuredEvents, [m.fileMs]);
  const ratio = httpRate / rawRate;
  const row = (label: string, rate: number, durations: Durations) =>
    `${label.padEnd(16)}${integer.format(rate).padStart(12)}${percentileMs(durations, 50).toFixed(1).padStart(10)}${percentileMs(durations, 99).toFixed(1).padStart(10)}`;
  const table = [
    `${m.engine}: ${integer.format(options.persons)} persons, ${options.batches} measured batches of ${integer.format(eventsPerBatchMax)} payments (after ${options.warmupBatches} warm-up)`,
    `${''.padEnd(16)}${'events/s'.padStart(12)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`,
    row('http (ingest)', httpRate, m.http),
    row('raw (driver)', rawRate, m.raw),
    `${'ratio http/raw'.padEnd(16)}${ratio.toFixed(3).padStart(12)}`,
    `${'http (file)'.padEnd(16)}${integer.format(fileRate).padStart(12)}   (one NDJSON file in ${fileChunkBytes / 1_048_576} MiB chunks)`,
    `${'ratio file/http'.padEnd(16)}${(fileRate / httpRate).toFixed(3).padStart(12)}`,
    row('http (capped)', cappedRate, m.cappedHttp) + '   (municipal caps: per payment, per month, budget)',
    `${'ratio capped/http'.padEnd(16)}${(cappedRate / httpRate).toFixed(3).padStart(12)}`,
    `ledger rows in the measured batches: ${integer.format(m.measuredLedgerRows)} of ${integer.format(m.measuredEvents)} events; persons at the 5,000-point cap after the run: ${integer.format(m.personsAtCap)}`,
  ].join('\n');
  return { table, ratio, fileRatio: fileRate / httpRate, cappedRatio: cappedRate / httpRate };
}

let trust: Promise<TrustStore> | undefined;

process.exitCode = await runBench(
  {
    name: 'ingest',
    title: 'event ingest',
    usage,
    parse: parseOptions,
    measure: async (engine, options) => {
      const { table, ratio, fileRatio, cappedRatio } = report(await measureEngine(engine, options, await (trust ??= benchTrust())), options);
      return { table, ratios: [`ratio ${engine} http/raw = ${ratio.toFixed(3)}`, `ratio ${engine} file/http = ${fileRatio.toFixed(3)}`, `ratio ${engine} capped/http = ${cappedRatio.toFixed(3)}`] };
    },
  },
  process.argv.slice(2),
);
