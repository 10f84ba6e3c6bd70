/**
 * Opens the store on one of its two engines behind one interface: PostgreSQL (the production system of record,
 * shared by several stateless API processes) or SQLite through better-sqlite3 (the zero-setup embedded default).
 * Repositories take a `Tx` and may branch on `tx.engine` where the SQL must differ (row locks).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase as KyselySqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import { transactionAttemptsMax } from '../domain/limits.js';
import { migrateToLatest } from './migrate.js';
import type { Schema } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

/** A connection or open transaction, with the engine it talks to. */
export interface Tx {
  db: Kysely<Schema>;
  engine: Engine;
}

export interface Store extends Tx {
  /** Runs `work` in one transaction, again when PostgreSQL reports a deadlock or serialization failure or the work a TransactionConflict. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type StoreLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; connectionString: string; poolSize?: number };

// node-pg returns int8 as strings; every bigint here is epoch ms, yen or points, all far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number.parseInt(text, 10));

const retryablePostgresCodes = new Set(['40P01', '40001']);

/**
 * Thrown by a transaction's work when it finds that a concurrent transaction changed what it decided on (and
 * cannot resolve it under its own locks): the store runs the work again from the start, as for a deadlock.
 */
export class TransactionConflict extends Error {}

function isRetryable(error: unknown): boolean {
  if (error instanceof TransactionConflict) return true;
  return typeof error === 'object' && error !== null && retryablePostgresCodes.has((error as { code?: string }).code ?? '');
}

/** How many prepared SQLite statements a store keeps (the ingest's multi-row statements vary with the row count). */
const sqliteStatementsCachedMax = 512;

/**
 * better-sqlite3 behind Kysely, with its prepared statements kept by SQL text: Kysely's SQLite driver prepares every
 * query it runs, and preparing costs more than running a small statement. Least recently used statements go first.
 * Safe because nothing here streams rows (a statement is never busy when it is asked for again).
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text: string): SqliteStatement {
      const cached = statements.get(text);
      if (cached !== undefined) {
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text);
      statements.set(text, statement);
      if (statements.size > sqliteStatementsCachedMax) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

function openKysely(location: StoreLocation): Kysely<Schema> {
  if (location.engine === 'postgres') {
    const pool = new pg.Pool({ connectionString: location.connectionString, max: location.poolSize ?? 10 });
    // An idle connection the server ended (a restart, a failover, a terminated backend) is dropped by the pool, which
    // opens another when one is needed; without a listener its error event would end the process.
    pool.on('error', () => undefined);
    return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  }
  if (location.path !== ':memory:') mkdirSync(dirname(location.path), { recursive: true });
  const database = new SqliteDatabase(location.path);
  // WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged commit durable
  // across a power loss, which a ledger of public money needs.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Opens the store and brings its schema to the latest migration.
 *
 * @example
 * const store = await openStore({ engine: 'sqlite', path: 'data/mykey.db' });
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  const db = openKysely(location);
  await migrateToLatest(db);
  const engine = location.engine;
  return {
    db,
    engine,
    async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await db.transaction().execute((trx) => work({ db: trx, engine }));
        } catch (error) {
          if (!isRetryable(error) || attempt >= transactionAttemptsMax) throw error;
        }
      }
    },
    close: () => db.destroy(),
  };
}

/** Serialises appends to a hash chain on PostgreSQL for the rest of the transaction (SQLite has one writer). */
export async function lockChain(tx: Tx, chainId: number): Promise<void> {
  if (tx.engine === 'postgres') await sql`select pg_advisory_xact_lock(${chainId})`.execute(tx.db);
}

/** Whether the error is a unique or primary-key violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
