// Ensures the store outlives the loss of an idle PostgreSQL connection: when the server ends every connection the
// pool holds (as a restart, a failover or an operator's pg_terminate_backend does), the process does not crash on the
// pool's error event, and the next transaction runs on a new connection. How: a real PostgreSQL database of its own;
// its backends are terminated from another connection while the store's pool holds them idle.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.js';
import { adminUrl, createDatabase, dropDatabase, enginesUnderTest } from '../helpers/engines.js';

const postgres = (await enginesUnderTest()).find((engine) => engine.engine === 'postgres')!;

describe('a PostgreSQL store whose idle connections the server ends', { skip: postgres.skip }, () => {
  let databaseUrl: string;
  let store: Store;
  before(async () => {
    databaseUrl = await createDatabase();
    store = await openStore({ engine: 'postgres', connectionString: databaseUrl, poolSize: 4 });
  });
  after(async () => {
    await store?.close();
    if (databaseUrl !== undefined) await dropDatabase(databaseUrl);
  });

  it('keeps the process alive and serves the next transaction on a new connection', async () => {
    // Four connections open and idle in the pool.
    const pidsBefore = await Promise.all(Array.from({ length: 4 }, () => store.transaction(async (tx) => (await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(tx.db)).rows[0]!.pid)));
    assert.ok(new Set(pidsBefore).size > 1, 'several connections were open');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const name = new URL(databaseUrl).pathname.slice(1);
      const terminated = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      assert.ok((terminated.rowCount ?? 0) >= 1, 'the server ended the pool’s connections');
    } finally {
      await admin.end();
    }
    await sleep(200); // the error events arrive on the idle connections
    const pidAfter = await store.transaction(async (tx) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx.db)).rows[0]!.pid);
    assert.ok(!pidsBefore.includes(pidAfter), 'a new connection serves the transaction');
  });
});
