/**
 * What the benchmarks share: fresh stores of either engine (a file for SQLite, a database of its own for
 * PostgreSQL, dropped at the end), a population of persons bound to a provider's accounts through the store's
 * repositories (card logins would spend the setup on RSA key generation), the application context, timing and
 * percentiles. Progress goes to stderr.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemClock, type AppContext, type ProviderVerifier } from '../src/app/context.js';
import { createProvider, createProviderKey, createCampaign } from '../src/app/operator.js';
import { derivePlatformKeys } from '../src/app/platform-keys.js';
import type { CampaignDefinition } from '../src/domain/campaign.js';
import { generateMykeyId, mykeyIdAlphabet } from '../src/domain/mykey-id.js';
import { fail } from '../src/domain/result.js';
import type { SigningKey } from '../src/http/signed-fetch.js';
import { createTestCa } from '../src/identity/test-ca.js';
import { createTrustStore, type TrustStore } from '../src/identity/trust-store.js';
import { ensureAccount, insertBinding } from '../src/store/bindings-repo.js';
import type { Engine, Store, StoreLocation } from '../src/store/db.js';
import { insertPerson } from '../src/store/persons-repo.js';

/** A provider of the benchmark and its one payment service. */
export interface BenchProvider {
  providerId: string;
  serviceId: string;
}

export const benchProvider: BenchProvider = { providerId: 'bench-pay', serviceId: 'bench-pay-wallet' };

/** A run that cannot be measured (a refused batch, a write that differs from the plan): exit code 1. */
export class BenchError extends Error {}

export interface BenchPerson {
  personId: string;
  mykeyId: string;
  accountId: string;
  accountRef: string;
  bindingId: string;
}

/** A distinct, valid Mykey ID per index: the index in base 31 stands in for the random characters. */
export function mykeyIdOf(index: number): string {
  assert.ok(index < mykeyIdAlphabet.length ** 7);
  let rest = index;
  return generateMykeyId((size) => {
    const digit = rest % size;
    rest = Math.floor(rest / size);
    return digit;
  });
}

/** `count` persons, numbered from `firstIndex` (their Mykey IDs and account references follow the number). */
export function population(count: number, firstIndex = 0): BenchPerson[] {
  return Array.from({ length: count }, (_, offset) => firstIndex + offset).map((index) => ({
    personId: randomUUID(),
    mykeyId: mykeyIdOf(index),
    accountId: randomUUID(),
    accountRef: `BENCH-${String(index).padStart(8, '0')}`,
    bindingId: randomUUID(),
  }));
}

export const refusingVerifier: ProviderVerifier = {
  async verify() {
    return fail('provider_unavailable', 'the benchmark binds accounts directly');
  },
};

export function contextOf(store: Store, trust: TrustStore): AppContext {
  return { store, clock: systemClock, keys: derivePlatformKeys(randomBytes(32)), trust, origin: 'https://mykey.bench', providerVerifier: refusingVerifier, revocation: undefined };
}

export const seedChunkPersons = 500;

/** The campaign, the provider and its key through the operator use cases; persons and bindings through the repositories. */
export async function seed(ctx: AppContext, campaign: CampaignDefinition, persons: readonly BenchPerson[], boundAtMs: number, provider: BenchProvider = benchProvider): Promise<SigningKey> {
  const created = await createCampaign(ctx, 'bench', { definition: campaign });
  assert.ok(created.ok, 'the campaign is created');
  return seedProvider(ctx, campaign.id, persons, boundAtMs, provider);
}

/** A provider with a key, and the persons bound to its accounts in the campaign. */
export async function seedProvider(ctx: AppContext, campaignId: string, persons: readonly BenchPerson[], boundAtMs: number, { providerId, serviceId }: BenchProvider): Promise<SigningKey> {
  const created = await createProvider(ctx, 'bench', { id: providerId, name: 'Bench Pay', verifyUrl: 'https://provider.invalid/verify', services: [{ id: serviceId, name: 'Bench Pay wallet' }] });
  assert.ok(created.ok, 'the provider is created');
  const key = await createProviderKey(ctx, 'bench', providerId);
  assert.ok(key.ok, 'the provider key is created');
  for (let start = 0; start < persons.length; start += seedChunkPersons) {
    await ctx.store.transaction(async (tx) => {
      for (const person of persons.slice(start, start + seedChunkPersons)) {
        await insertPerson(tx, { personId: person.personId, mykeyId: person.mykeyId, nowMs: boundAtMs });
        const accountId = await ensureAccount(tx, { accountId: person.accountId, providerId, providerServiceId: serviceId, accountRef: person.accountRef, nowMs: boundAtMs });
        assert.equal(accountId, person.accountId);
        await insertBinding(tx, { bindingId: person.bindingId, personId: person.personId, campaignId, accountId, providerServiceId: serviceId, holderPersonId: person.personId, createdAtMs: boundAtMs });
      }
    });
  }
  return { keyId: key.value.keyId, secret: Buffer.from(key.value.secret, 'base64') };
}

/** Batch durations in ms, warm-up batches excluded. */
export type Durations = number[];

/** A fresh, empty place for a store; `dispose` removes it once the store is closed. */
export interface StoreSlot {
  location: StoreLocation;
  dispose(): Promise<void>;
}

export const adminUrl = process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL without its password, for printing. */
export function printableUrl(connectionString: string): string {
  const url = new URL(connectionString);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Undefined when PostgreSQL answers; else why not. */
export async function postgresUnreachable(): Promise<string | undefined> {
  try {
    await withAdmin((client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${printableUrl(adminUrl)} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

export async function postgresSlot(role: string): Promise<StoreSlot> {
  const name = `mykey_bench_${role}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    // The default pool of `mykey serve` (MYKEY_DB_POOL_SIZE).
    location: { engine: 'postgres', connectionString: url.toString(), poolSize: 10 },
    dispose: async () => {
      await withAdmin((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export function sqliteSlot(dir: string, role: string): StoreSlot {
  return { location: { engine: 'sqlite', path: join(dir, `${role}.db`) }, dispose: async () => undefined };
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const startMs = performance.now();
  const value = await work();
  log(`  ${label} (${((performance.now() - startMs) / 1000).toFixed(1)} s)`);
  return value;
}

/** Nearest-rank percentile: below 100 batches, p99 is the slowest batch. */
export function percentileMs(durations: Durations, percent: number): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)]!;
}

export function eventsPerS(events: number, durations: Durations): number {
  return events / (durations.reduce((sum, ms) => sum + ms, 0) / 1000);
}

export const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The run's first line: what was measured, when, on what. */
export function printMachine(what: string): void {
  const cpu = cpus();
  process.stdout.write(`# ${what}, ${new Date().toISOString()}, node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'})\n`);
}

/** The trust store needs an anchor although no card logs in here: one test CA for the whole run. */
export async function benchTrust(): Promise<TrustStore> {
  const ca = await createTestCa({ nowMs: Date.now() - 86_400_000 });
  const trust = createTrustStore({ anchorsPem: [ca.certificatePem], production: false });
  assert.ok(trust.ok);
  return trust.value;
}

/** Bad flags: exit code 64. */
export class UsageError extends Error {}

export interface BenchSpec<O extends { engines: Engine[] }> {
  /** The file's name, for messages: `bench/<name>: …`. */
  name: string;
  /** What the first line says was measured. */
  title: string;
  usage: string;
  /** The options, 'help' for --help; throws (UsageError) on a bad flag. */
  parse(argv: string[]): O | 'help';
  /** One engine's table, and its ratio lines for the summary at the end. */
  measure(engine: Engine, options: O): Promise<{ table: string; ratios: string[] }>;
}

/**
 * A benchmark's main: its flags (`--help` prints the usage; a bad flag, the usage and exit code 64), the machine
 * line, each engine's table on stdout in turn (PostgreSQL skipped, with the reason, where it cannot be reached), then
 * every ratio line. A BenchError — a run that went wrong — is exit code 1.
 */
export async function runBench<O extends { engines: Engine[] }>(spec: BenchSpec<O>, argv: string[]): Promise<number> {
  let options: O | 'help';
  try {
    options = spec.parse(argv);
  } catch (error) {
    // UsageError, or node:util's own refusal of an unknown flag.
    process.stderr.write(`bench/${spec.name}: ${error instanceof Error ? error.message : String(error)}\n\n${spec.usage}`);
    return 64;
  }
  if (options === 'help') {
    process.stdout.write(spec.usage);
    return 0;
  }
  printMachine(spec.title);
  const ratioLines: string[] = [];
  for (const engine of options.engines) {
    if (engine === 'postgres') {
      const unreachable = await postgresUnreachable();
      if (unreachable !== undefined) {
        process.stdout.write(`\npostgres: skipped: ${unreachable}\n`);
        ratioLines.push(`ratio postgres = skipped`);
        continue;
      }
    }
    log(`${engine}:`);
    try {
      const { table, ratios } = await spec.measure(engine, options);
      process.stdout.write(`\n${table}\n`);
      ratioLines.push(...ratios);
    } catch (error) {
      if (!(error instanceof BenchError)) throw error;
      process.stderr.write(`bench/${spec.name}: ${engine}: ${error.message}\n`);
      return 1;
    }
  }
  process.stdout.write(`\n${ratioLines.join('\n')}\n`);
  return 0;
}
