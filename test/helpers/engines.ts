/**
 * The storage engines every store test runs on: the embedded SQLite engine always, and PostgreSQL at
 * DATABASE_URL_TEST (default postgres://postgres@127.0.0.1:5432/postgres) in a fresh database per call.
 * Where PostgreSQL cannot be reached, CI (CI=true) fails; elsewhere the PostgreSQL tests are skipped and say so
 * (see skipped-groups.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Engine, type Store } from '../../src/store/db.js';
import { skipGroup } from './skipped-groups.js';

export const adminUrl = process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface EngineUnderTest {
  engine: Engine;
  /** Set when this engine cannot run here: pass it as the `skip` option of the test. */
  skip: string | false;
  /**
   * A new, empty, migrated store; `close` also removes its data. `deadlockTimeoutMs` (PostgreSQL) sets the
   * database's deadlock_timeout for every connection, including other processes': tests that provoke deadlocks on
   * purpose then wait milliseconds, not the default second, for PostgreSQL to break each one.
   */
  open(options?: { poolSize?: number; deadlockTimeoutMs?: number }): Promise<OpenedStore>;
}

export interface OpenedStore {
  store: Store;
  /** For PostgreSQL: the URL of the fresh database (so other processes can share it). */
  databaseUrl?: string;
  close(): Promise<void>;
}

let postgresReachable: Promise<string | false> | undefined;

async function probePostgres(): Promise<string | false> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return false;
  } catch (error) {
    return skipGroup('postgres', `PostgreSQL at ${adminUrl} (DATABASE_URL_TEST) is unreachable (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new, empty database (no schema) on the test server; its URL. */
export async function createDatabase(options: { deadlockTimeoutMs?: number } = {}): Promise<string> {
  const name = `mykey_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
    if (options.deadlockTimeoutMs !== undefined) {
      await client.query(`alter database ${name} set deadlock_timeout = '${Math.trunc(options.deadlockTimeoutMs)}ms'`);
    }
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by createDatabase, once its connections are gone. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // pg-pool's end() resolves before its idle connections have finished closing; forcing the drop while they
    // close sends them "terminating connection" (57P01), which surfaces as an uncaught error in the test that
    // closed the store. So wait (boundedly) for the database's own connections to go; force only what remains.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { rows } = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name]);
      if (Number(rows[0]?.n ?? 0) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

const sqlite: EngineUnderTest = {
  engine: 'sqlite',
  skip: false,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'mykey-store-'));
    const store = await openStore({ engine: 'sqlite', path: join(dir, 'mykey.db') });
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(skip: string | false): EngineUnderTest {
  return {
    engine: 'postgres',
    skip,
    async open(options) {
      const databaseUrl = await createDatabase(options);
      const store = await openStore({ engine: 'postgres', connectionString: databaseUrl, poolSize: options?.poolSize ?? 5 });
      return {
        store,
        databaseUrl,
        close: async () => {
          await store.close();
          await dropDatabase(databaseUrl);
        },
      };
    },
  };
}

/** Both engines; the PostgreSQL one carries a skip reason where it cannot run (never under CI). */
export async function enginesUnderTest(): Promise<EngineUnderTest[]> {
  postgresReachable ??= probePostgres();
  return [sqlite, postgres(await postgresReachable)];
}
