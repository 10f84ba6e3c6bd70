// Ensures `mykey operator add-admin` creates an operator administrator in the store `mykey serve` uses and prints
// its one-time enrolment link (stdout) and validity (stderr), audited as system:cli, with usage errors exit 64; and
// that a development server starts with a first administrator when it has no staff account at all, once. How: the
// command runs as a child process against a temporary data dir, whose store the test then opens itself; the
// development server starts in this process on the same kind of dir. Finally the printed link enrols a passkey
// through a server on that store (test/helpers/passkey.ts), so the link is one the console can use.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseServeConfig } from '../../src/cli/config.js';
import { startPlatform } from '../../src/cli/platform.js';
import { openStore } from '../../src/store/db.js';
import { TestAuthenticator } from '../helpers/passkey.js';
import { runMykey } from '../helpers/run-cli.js';

describe('mykey operator add-admin', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mykey-operator-cli-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates an operator_admin with a one-time link, audited as system:cli', async () => {
    const dir = tempDir();
    const run = await runMykey(['operator', 'add-admin', '--name', 'Sato Hanako', '--data-dir', dir, '--origin', 'https://mykey.example.jp']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^https:\/\/mykey\.example\.jp\/operator\/enrol#[A-Za-z0-9_-]{43}\n$/);
    assert.match(run.stderr, /Sato Hanako.*until \d{4}-\d\d-\d\dT.*24 hours/);
    const store = await openStore({ engine: 'sqlite', path: join(dir, 'mykey.db') });
    try {
      const accounts = await store.db.selectFrom('staff_accounts').selectAll().execute();
      assert.equal(accounts.length, 1);
      assert.equal(accounts[0]!.role, 'operator_admin');
      assert.equal(accounts[0]!.display_name, 'Sato Hanako');
      assert.equal(accounts[0]!.created_by, 'system:cli');
      const audit = await store.db.selectFrom('audit_log').selectAll().execute();
      assert.deepEqual(audit.map((entry) => [entry.actor, entry.action]), [['system:cli', 'staff.create']]);
      const token = new URL(run.stdout.trim()).hash.slice(1);
      assert.ok(!JSON.stringify(await store.db.selectFrom('staff_enrolments').selectAll().execute()).includes(token), 'only the token’s sha256 is stored');
    } finally {
      await store.close();
    }
  });

  it('answers usage errors with exit code 64 and --help with 0', async () => {
    assert.equal((await runMykey(['operator', 'add-admin', '--data-dir', tempDir()])).status, 64, 'no --name');
    assert.equal((await runMykey(['operator', 'add-user', '--name', 'x'])).status, 64);
    assert.equal((await runMykey(['operator', 'add-admin', '--name', 'x', '--colour', 'red'])).status, 64);
    const help = await runMykey(['operator', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /mykey operator add-admin --name NAME/);
    assert.match((await runMykey(['--help'])).stdout, /operator {2}create an operator administrator/);
    const badOrigin = await runMykey(['operator', 'add-admin', '--name', 'x', '--data-dir', tempDir(), '--origin', 'https://mykey.example.jp/console']);
    assert.equal(badOrigin.status, 2, 'a bad configuration, as serve would refuse it');
  });

  it('gives a development server a first administrator when it has none, once; its link enrols a passkey', async () => {
    const dir = tempDir();
    const config = parseServeConfig(['--port', '0', '--data-dir', dir, '--origin', 'http://localhost:3000', '--demo', 'false'], {});
    assert.ok(config.ok);
    const first = await startPlatform(config.value, { logger: false });
    let link: string;
    try {
      const note = first.notes.find((line) => line.includes('development administrator'));
      assert.ok(note !== undefined, first.notes.join('\n'));
      link = /(http:\/\/localhost:3000\/operator\/enrol#[A-Za-z0-9_-]+)/.exec(note)![1]!;
    } finally {
      await first.close();
    }
    const second = await startPlatform(config.value, { logger: false });
    try {
      assert.ok(!second.notes.some((line) => line.includes('development administrator')), 'an existing account means no new one');
      assert.equal(await enrolThrough(second.url, link), 'operator_admin');
    } finally {
      await second.close();
    }
  });

  it('gives the demo provider an administrator while it has none, so its event file can be uploaded in the browser', async () => {
    const config = parseServeConfig(['--port', '0', '--data-dir', tempDir(), '--origin', 'http://localhost:3000'], {});
    assert.ok(config.ok);
    const first = await startPlatform(config.value, { logger: false });
    let link: string;
    try {
      const note = first.notes.find((line) => line.includes("demo provider's administrator"));
      assert.ok(note !== undefined, first.notes.join('\n'));
      link = /(http:\/\/localhost:3000\/provider\/enrol#[A-Za-z0-9_-]+)/.exec(note)![1]!;
    } finally {
      await first.close();
    }
    const second = await startPlatform(config.value, { logger: false });
    try {
      assert.ok(!second.notes.some((line) => line.includes("demo provider's administrator")), 'an existing account means no new one');
      assert.equal(await enrolThrough(second.url, link), 'provider_admin');
    } finally {
      await second.close();
    }
  });
});

/** Enrols a software passkey with a one-time link through a running server (options, answer, completion); the role. */
async function enrolThrough(serverUrl: string, link: string): Promise<string> {
  const token = new URL(link).hash.slice(1);
  const post = (url: string, json: unknown, cookie?: string) =>
    fetch(`${serverUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) }, body: JSON.stringify(json) });
  const optionsAnswer = await post('/v1/staff/enrolments/options', { token });
  assert.equal(optionsAnswer.status, 200);
  const cookie = optionsAnswer.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  const { options } = (await optionsAnswer.json()) as { options: Parameters<TestAuthenticator['register']>[1] };
  assert.equal(options.rp.id, 'localhost');
  const credential = new TestAuthenticator().register('http://localhost:3000', options);
  const enrolled = await post('/v1/staff/enrolments', { token, credential }, cookie);
  assert.equal(enrolled.status, 200, await enrolled.clone().text());
  return ((await enrolled.json()) as { role: string }).role;
}
