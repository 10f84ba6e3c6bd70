/**
 * Concurrent providers and a hot budget (issue 10 §1 and §3): several providers send signed batches of 1,000
 * payments to one platform at once, and the benchmark prints events/s (all events ÷ wall time) and the batch p50 and
 * p99 for 1, 4 and 8 providers on each engine; then the same 8 providers on a campaign whose one budget every event
 * charges, against the same campaign without a budget (ratio budget/plain), and checks after the run that the budget
 * row counts exactly the points the ledger granted (never more than the budget). It measures and prints; it never
 * asserts a time.
 *
 * How: per engine and provider count, a fresh store of that engine is seeded (the campaign, N providers with a key
 * each, 1,000 persons bound to each provider's accounts, through the store's repositories), the real Fastify app
 * listens on 127.0.0.1, and N ProviderClients in this process each send one untimed batch, then B timed batches one
 * after another, all N at once. Payments of 300–4,999 yen: persons reach the 5,000-point cap after a few batches, so
 * the cap path is part of it.
 *
 * Usage: node dist/bench/providers.js [--engine sqlite|postgres|all] [--batches B] [--providers 1,4,8]
 * Table to stdout, progress to stderr. Exit codes: 0 measured, 1 a run went wrong, 64 bad usage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { AppContext } from '../src/app/context.js';
import type { CampaignDefinition } from '../src/domain/campaign.js';
import { eventsPerBatchMax } from '../src/domain/limits.js';
import { mynapoint2020Now } from '../src/domain/presets.js';
import { buildApp } from '../src/http/app.js';
import type { SigningKey } from '../src/http/signed-fetch.js';
import type { TrustStore } from '../src/identity/trust-store.js';
import { ProviderClient, type ReportedEvent } from '../src/provider-sim/demo-provider.js';
import { createCampaign } from '../src/app/operator.js';
import { openStore, type Engine } from '../src/store/db.js';
import { BenchError, benchTrust, contextOf, runBench, UsageError, integer, log, percentileMs, population, postgresSlot, seedProvider, sqliteSlot, timed, type Durations, type StoreSlot } from './common.js';

const usage = `Usage: node dist/bench/providers.js [options]

Sends signed batches of ${eventsPerBatchMax} payments from several providers at once and prints events/s and batch
latency for each provider count and engine; then 8 providers on one budgeted campaign against the same without a
budget.

Options:
  --engine sqlite|postgres|all   engines to measure (default all; PostgreSQL at DATABASE_URL_TEST or
                                 postgres://postgres@127.0.0.1:5432/postgres, skipped when unreachable)
  --batches N                    timed batches per provider (default 10)
  --providers LIST               provider counts, comma-separated (default 1,4,8; the budget run uses the largest)
  --help                         this text
`;

interface Options {
  engines: Engine[];
  batches: number;
  providerCounts: number[];
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({ args: argv, options: { engine: { type: 'string', default: 'all' }, batches: { type: 'string', default: '10' }, providers: { type: 'string', default: '1,4,8' }, help: { type: 'boolean', default: false } } });
  if (values.help === true) return 'help';
  const engines: Engine[] = values.engine === 'all' ? ['sqlite', 'postgres'] : values.engine === 'sqlite' || values.engine === 'postgres' ? [values.engine] : [];
  if (engines.length === 0) throw new UsageError(`--engine must be sqlite, postgres or all, not ${values.engine}`);
  const batches = Number(values.batches);
  if (!Number.isInteger(batches) || batches < 1) throw new UsageError('--batches must be a whole number of at least 1');
  const providerCounts = values.providers.split(',').map(Number);
  if (providerCounts.some((count) => !Number.isInteger(count) || count < 1 || count > 64)) throw new UsageError('--providers must list whole numbers from 1 to 64');
  return { engines, batches, providerCounts };
}

/** Persons per provider: a batch names 1,000 distinct accounts. */
const personsPerProvider = eventsPerBatchMax;

/** A budget no run of this benchmark can spend: the budget's row is charged by every event, never exhausted. */
const budgetPoints = 1_000_000_000;

interface Sender {
  client: ProviderClient;
  batches: ReportedEvent[][];
}

function batchesOf(providerIndex: number, accountRefs: readonly string[], count: number, occurredAt: string): ReportedEvent[][] {
  return Array.from({ length: count }, (_, b) =>
    accountRefs.map((accountRef, j) => ({ eventId: `p${providerIndex}-b${b}-${j}`, accountRef, kind: 'payment' as const, amountYen: 300 + (((b * eventsPerBatchMax + j) * 7_919) % 4_700), occurredAt })),
  );
}

async function send(sender: Sender, batch: ReportedEvent[]): Promise<number> {
  const startMs = performance.now();
  const answer = await sender.client.reportEvents(batch).catch((error: unknown) => {
    throw new BenchError(error instanceof Error ? error.message : String(error));
  });
  const elapsedMs = performance.now() - startMs;
  const results = (answer.body as { results?: Array<{ status: string; code?: string }> }).results ?? [];
  const refused = results.find((result) => result.status !== 'applied');
  if (answer.status !== 200 || results.length !== batch.length || refused !== undefined) {
    throw new BenchError(`a batch was not applied: ${answer.status} ${JSON.stringify(refused ?? answer.body).slice(0, 200)}`);
  }
  return elapsedMs;
}

interface Run {
  providers: number;
  events: number;
  wallMs: number;
  durations: Durations;
}

/** N providers on a fresh store, all sending at once. */
async function runProviders(engine: Engine, dir: string, trust: TrustStore, providers: number, options: Options, definition: CampaignDefinition): Promise<Run> {
  const slot: StoreSlot = engine === 'sqlite' ? sqliteSlot(dir, `providers-${providers}-${definition.caps.budgetPoints ?? 0}`) : await postgresSlot(`providers${providers}`);
  const store = await openStore(slot.location);
  try {
    const ctx: AppContext = contextOf(store, trust);
    const boundAtMs = Date.now() - 60_000;
    const created = await createCampaign(ctx, 'bench', { definition });
    if (!created.ok) throw new BenchError(`the campaign was refused: ${created.code}`);
    const keys: SigningKey[] = [];
    const refs: string[][] = [];
    await timed(`${engine}: ${providers} providers × ${personsPerProvider} persons seeded`, async () => {
      for (let index = 0; index < providers; index += 1) {
        const persons = population(personsPerProvider, index * personsPerProvider);
        keys.push(await seedProvider(ctx, definition.id, persons, boundAtMs, { providerId: `bench-pay-${index}`, serviceId: `bench-pay-${index}-wallet` }));
        refs.push(persons.map((person) => person.accountRef));
      }
    });
    const app = await buildApp(ctx, { operatorToken: 'bench-operator-token-not-used-0123456789', logger: false, rateLimitPerMinute: 10_000_000 });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const occurredAt = new Date().toISOString();
      const senders: Sender[] = keys.map((key, index) => ({ client: new ProviderClient(url, key), batches: batchesOf(index, refs[index]!, options.batches + 1, occurredAt) }));
      await Promise.all(senders.map((sender) => send(sender, sender.batches[0]!)));
      const durations: Durations = [];
      const startMs = performance.now();
      await Promise.all(
        senders.map(async (sender) => {
          for (const batch of sender.batches.slice(1)) durations.push(await send(sender, batch));
        }),
      );
      const wallMs = performance.now() - startMs;
      if (definition.caps.budgetPoints !== undefined) await checkBudget(ctx, definition.id, definition.caps.budgetPoints);
      return { providers, events: providers * options.batches * eventsPerBatchMax, wallMs, durations };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
    await slot.dispose();
  }
}

/** The budget row counts exactly what the ledger granted in the campaign, and never more than the budget. */
async function checkBudget(ctx: AppContext, campaignId: string, points: number): Promise<void> {
  const row = await ctx.store.db.selectFrom('campaign_budgets').select('points_granted').where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
  const ledger = await ctx.store.db.selectFrom('ledger_entries').select((eb) => eb.fn.sum<number>('points').as('points')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
  const ledgerPoints = Number(ledger.points ?? 0);
  if (Number(row.points_granted) !== ledgerPoints || ledgerPoints > points) throw new BenchError(`the budget row says ${row.points_granted} points, the ledger ${ledgerPoints}, the budget ${points}`);
  log(`  budget: ${integer.format(ledgerPoints)} points granted, the same in the budget row and the ledger`);
}

function row(label: string, run: Run): string {
  const rate = run.events / (run.wallMs / 1000);
  return `${label.padEnd(24)}${integer.format(rate).padStart(10)}${percentileMs(run.durations, 50).toFixed(1).padStart(10)}${percentileMs(run.durations, 99).toFixed(1).padStart(10)}`;
}

async function measureEngine(engine: Engine, options: Options, trust: TrustStore): Promise<{ table: string; ratios: string[] }> {
  const dir = mkdtempSync(`${tmpdir()}/mykey-bench-providers-`);
  try {
    const plain = { ...mynapoint2020Now(Date.now() - 120_000), id: 'bench-plain' };
    const lines = [`${engine}: ${options.batches} timed batches of ${integer.format(eventsPerBatchMax)} payments per provider, all providers at once`, `${''.padEnd(24)}${'events/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`];
    const runs: Run[] = [];
    for (const providers of options.providerCounts) {
      const run = await runProviders(engine, dir, trust, providers, options, plain);
      runs.push(run);
      lines.push(row(`${providers} provider${providers === 1 ? '' : 's'}`, run));
    }
    const most = Math.max(...options.providerCounts);
    const budgeted = await runProviders(engine, dir, trust, most, options, { ...plain, id: 'bench-budget', caps: { ...plain.caps, budgetPoints } });
    lines.push(row(`${most} providers, one budget`, budgeted));
    const plainMost = runs.find((run) => run.providers === most)!;
    const budgetRatio = plainMost.wallMs / budgeted.wallMs;
    const first = runs[0]!;
    const ratios = [
      ...runs.slice(1).map((run) => `ratio ${engine} ${run.providers}/${first.providers} providers = ${(run.events / run.wallMs / (first.events / first.wallMs)).toFixed(3)}`),
      `ratio ${engine} budget/plain (${most} providers) = ${budgetRatio.toFixed(3)}`,
    ];
    return { table: lines.join('\n'), ratios };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let trust: Promise<TrustStore> | undefined;

process.exitCode = await runBench(
  { name: 'providers', title: 'concurrent providers', usage, parse: parseOptions, measure: async (engine, options) => measureEngine(engine, options, await (trust ??= benchTrust())) },
  process.argv.slice(2),
);
