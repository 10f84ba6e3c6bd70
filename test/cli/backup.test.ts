// Ensures that a backup taken while the platform ingests is a consistent snapshot (every batch acknowledged before
// the backup began is in it, every batch in it is whole, ledger sums equal balances, the audit chain verifies), and
// that a quiet backup restored elsewhere equals its source in every row of every table: with `mykey backup` /
// `mykey restore` on the embedded engine, and with pg_dump / pg_restore as docs/operations.md gives them on
// PostgreSQL. On the embedded engine the platform also serves again on the restored copy, and a damaged, unchecked
// or misplaced restore changes nothing.
// How: the real `mykey serve` as a child process with the demo on; a citizen binds DEMO-0001 through a software
// card; the demo provider posts signed batches in a loop while the backup runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { CitizenAgent } from '../../src/card/agent.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { ProviderClient, type ReportedEvent } from '../../src/provider-sim/demo-provider.js';
import { listAudit, verifyAuditChain } from '../../src/store/audit-repo.js';
import { openStore, type Store, type StoreLocation } from '../../src/store/db.js';
import { createDatabase, dropDatabase, enginesUnderTest } from '../helpers/engines.js';
import { storeTables } from '../helpers/http.js';
import { ledgerMismatches } from '../helpers/ledger.js';
import { runMykey } from '../helpers/run-cli.js';
import { freePort, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const run = promisify(execFile);
const eventsPerBatch = 50;
const dataDirFiles = ['secret.key', 'operator-token', 'demo-provider-key.json'];

async function withStore<T>(location: StoreLocation, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(location);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const sqliteAt = (dataDir: string): StoreLocation => ({ engine: 'sqlite', path: join(dataDir, 'mykey.db') });
const postgresAt = (connectionString: string): StoreLocation => ({ engine: 'postgres', connectionString, poolSize: 2 });

function demoKeyOf(dataDir: string): SigningKey {
  const stored = JSON.parse(readFileSync(join(dataDir, 'demo-provider-key.json'), 'utf8')) as { keyId: string; secret: string };
  return { keyId: stored.keyId, secret: Buffer.from(stored.secret, 'base64') };
}

/**
 * Serves the platform, binds a citizen, and runs `backup` while the demo provider posts batches one after another;
 * answers which batches were acknowledged before the backup began and in all, and the grants served at the end.
 */
async function backupUnderLoad(server: ServeProcess, dataDir: string, backup: () => Promise<void>) {
  const card = await createSoftwareCard(await loadTestCa(join(dataDir, 'test-ca')), { nowMs: Date.now() - 60_000 });
  const agent = new CitizenAgent(server.baseUrl, server.origin, card);
  assert.equal((await agent.login()).status, 200);
  const bound = await agent.bind({ campaignId: 'mynapoint-demo', providerServiceId: 'demo-pay-wallet', accountRef: 'DEMO-0001', securityCode: '1234' });
  assert.equal(bound.status, 201, JSON.stringify(bound.body));
  const provider = new ProviderClient(server.baseUrl, demoKeyOf(dataDir));
  const occurredAt = new Date(Date.now() + 1_000).toISOString();
  const acknowledged: string[][] = [];
  let loading = true;
  const load = (async () => {
    for (let b = 0; loading; b += 1) {
      const batch: ReportedEvent[] = Array.from({ length: eventsPerBatch }, (_, e) => ({ eventId: `bk-${b}-${e}`, accountRef: 'DEMO-0001', kind: 'payment', amountYen: 10, occurredAt }));
      const answer = await provider.reportEvents(batch);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      acknowledged.push(batch.map((e) => e.eventId));
    }
  })();
  while (acknowledged.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
  const acknowledgedBefore = acknowledged.flat();
  await backup();
  const batchesDuringBackup = acknowledged.length - acknowledgedBefore.length / eventsPerBatch;
  loading = false;
  await load;
  assert.ok(batchesDuringBackup > 0, 'the platform kept ingesting while the backup ran');
  return { acknowledgedBefore, acknowledged, grantsServed: (await provider.readGrants()).grants.length };
}

/** The snapshot is consistent: everything acknowledged before it began, whole batches only, the ledger and audit whole. */
async function assertConsistentSnapshot(t: TestContext, store: Store, load: { acknowledgedBefore: string[]; acknowledged: string[][] }): Promise<void> {
  const ids = new Set((await store.db.selectFrom('events').select('event_id').execute()).map((r) => r.event_id));
  for (const eventId of load.acknowledgedBefore) assert.ok(ids.has(eventId), `${eventId} was acknowledged before the backup began`);
  for (const batch of load.acknowledged) {
    const inSnapshot = batch.filter((id) => ids.has(id)).length;
    assert.ok(inSnapshot === 0 || inSnapshot === batch.length, `a batch is in the snapshot whole or not at all (${inSnapshot} of ${batch.length})`);
  }
  assert.deepEqual(await ledgerMismatches(store), []);
  assert.equal(verifyAuditChain(await listAudit(store, 0, 1_000_000)), undefined, 'the audit chain verifies');
  t.diagnostic(`${load.acknowledgedBefore.length} events acknowledged before the backup began, ${ids.size} in the snapshot, ${load.acknowledged.flat().length} acknowledged in all`);
}

/** Every row of every table, each table's rows sorted (row order on disk is not part of a backup's promise). */
async function sortedRows(store: Store): Promise<string> {
  const tables: Record<string, string[]> = {};
  for (const table of storeTables) tables[table] = (await store.db.selectFrom(table).selectAll().execute()).map((row) => JSON.stringify(row)).sort();
  return JSON.stringify(tables);
}

async function assertSameRows(a: StoreLocation, b: StoreLocation, message: string): Promise<void> {
  const [left, right] = [await withStore(a, sortedRows), await withStore(b, sortedRows)];
  assert.ok(left === right, message);
}

describe('mykey backup and restore (embedded engine)', { timeout: 180_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mykey-backup-'));
  const dataDir = join(scratch, 'data');
  let server: ServeProcess | undefined;

  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('snapshots under load, restores a quiet backup row for row, and refuses damaged or misplaced restores', async (t) => {
    server = await startServeProcess({ dataDir, port: await freePort() });
    const underLoad = join(scratch, 'under-load.mykey-backup');
    const load = await backupUnderLoad(server, dataDir, async () => {
      const answer = await runMykey(['backup', underLoad, '--data-dir', dataDir]);
      assert.equal(answer.status, 0, answer.stderr);
      assert.equal(answer.stdout.trim(), underLoad);
      assert.match(answer.stderr, /sha256 [0-9a-f]{64}/);
    });
    const restoredUnderLoad = join(scratch, 'restored-under-load');
    const restore = await runMykey(['restore', underLoad, '--data-dir', restoredUnderLoad]);
    assert.equal(restore.status, 0, restore.stderr);
    await withStore(sqliteAt(restoredUnderLoad), (store) => assertConsistentSnapshot(t, store, load));

    // A quiet backup equals its source in every row of every table, and the platform serves on it.
    await server.stop();
    server = undefined;
    const quiet = join(scratch, 'quiet.mykey-backup');
    assert.equal((await runMykey(['backup', quiet, '--data-dir', dataDir])).status, 0);
    const restoredDir = join(scratch, 'restored');
    assert.equal((await runMykey(['restore', quiet, '--data-dir', restoredDir])).status, 0);
    await assertSameRows(sqliteAt(dataDir), sqliteAt(restoredDir), 'the restored store equals its source in every row of every table');
    for (const file of dataDirFiles) copyFileSync(join(dataDir, file), join(restoredDir, file));
    server = await startServeProcess({ dataDir: restoredDir, port: await freePort() });
    const { grants } = await new ProviderClient(server.baseUrl, demoKeyOf(dataDir)).readGrants();
    assert.equal(grants.length, load.grantsServed, 'the restored platform serves every grant');
    await server.stop();
    server = undefined;
    const servedDump = await withStore(sqliteAt(restoredDir), sortedRows);

    // Refusals change nothing.
    const refused = async (args: string[], expected: RegExp, options: { status?: number; env?: NodeJS.ProcessEnv } = {}): Promise<void> => {
      const answer = await runMykey(args, options.env === undefined ? {} : { env: options.env });
      assert.equal(answer.status, options.status ?? 1, answer.stderr);
      assert.match(answer.stderr, expected);
    };
    await refused(['backup', quiet, '--data-dir', dataDir], /already exists; a backup never overwrites one/);
    await refused(['restore', quiet, '--data-dir', restoredDir], /exists; stop the platform and give --force/);
    const damaged = join(scratch, 'damaged.mykey-backup');
    const bytes = readFileSync(quiet);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(damaged, bytes);
    writeFileSync(`${damaged}.sha256`, readFileSync(`${quiet}.sha256`, 'utf8').replace('quiet.mykey-backup', 'damaged.mykey-backup'));
    await refused(['restore', damaged, '--data-dir', restoredDir, '--force'], /does not match its checksum.*nothing was changed/);
    rmSync(`${damaged}.sha256`);
    await refused(['restore', damaged, '--data-dir', restoredDir, '--force'], /\.sha256 is missing/);
    const notOurs = join(scratch, 'other.db');
    const other = new SqliteDatabase(notOurs);
    other.exec('create table notes (body text)');
    other.close();
    writeFileSync(`${notOurs}.sha256`, `${createHash('sha256').update(readFileSync(notOurs)).digest('hex')}  other.db\n`);
    await refused(['restore', notOurs, '--data-dir', restoredDir, '--force'], /not one of this platform/);
    await refused(['restore', join(scratch, 'absent.mykey-backup'), '--data-dir', restoredDir, '--force'], /there is no backup/);
    const postgresEnv = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };
    await refused(['backup', join(scratch, 'pg.mykey-backup')], /PostgreSQL.*pg_dump/, { status: 2, env: postgresEnv });
    assert.equal(existsSync(join(scratch, 'pg.mykey-backup')), false);
    assert.ok((await withStore(sqliteAt(restoredDir), sortedRows)) === servedDump, 'the refused restores changed nothing');

    // --force replaces a database with a checked backup.
    assert.equal((await runMykey(['restore', underLoad, '--data-dir', restoredDir, '--force'])).status, 0);
    await assertSameRows(sqliteAt(restoredDir), sqliteAt(restoredUnderLoad), 'the forced restore put the backup in place');
  });
});

const postgres = (await enginesUnderTest()).find((e) => e.engine === 'postgres')!;

describe('pg_dump and pg_restore as docs/operations.md gives them (PostgreSQL)', { skip: postgres.skip, timeout: 180_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mykey-pgdump-'));
  const databases: string[] = [];
  let server: ServeProcess | undefined;

  after(async () => {
    await server?.stop();
    for (const url of databases) await dropDatabase(url);
    rmSync(scratch, { recursive: true, force: true });
  });

  const newDatabase = async (): Promise<string> => {
    const url = await createDatabase();
    databases.push(url);
    return url;
  };
  const dump = (url: string, file: string) => run('pg_dump', ['--format=custom', '--file', file, '--dbname', url]);
  const restoreInto = (url: string, file: string) => run('pg_restore', ['--exit-on-error', '--no-owner', '--dbname', url, file]);

  it('snapshots under load and restores a quiet dump row for row', async (t) => {
    const sourceUrl = await newDatabase();
    const dataDir = join(scratch, 'data');
    server = await startServeProcess({ dataDir, port: await freePort(), databaseUrl: sourceUrl });
    const underLoad = join(scratch, 'under-load.dump');
    const load = await backupUnderLoad(server, dataDir, async () => void (await dump(sourceUrl, underLoad)));
    const restoredUnderLoad = await newDatabase();
    await restoreInto(restoredUnderLoad, underLoad);
    await withStore(postgresAt(restoredUnderLoad), (store) => assertConsistentSnapshot(t, store, load));

    await server.stop();
    server = undefined;
    const quiet = join(scratch, 'quiet.dump');
    await dump(sourceUrl, quiet);
    const restored = await newDatabase();
    await restoreInto(restored, quiet);
    await assertSameRows(postgresAt(sourceUrl), postgresAt(restored), 'the restored database equals its source in every row of every table');
  });
});
