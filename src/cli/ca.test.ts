// Ensures `mykey ca` creates a test CA and issues software cards that log in against it, refuses to overwrite
// (exit 2), reports a missing CA (exit 3) and bad usage (exit 64), and keeps data on stdout and messages on
// stderr. How: caCommand runs in-process on captured streams in a temporary directory.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { loadSoftwareCard, signWebEidChallenge } from '../card/software-card.js';
import { verifyAuthToken } from '../identity/auth-token.js';
import { createTrustStore, isTestHierarchy } from '../identity/trust-store.js';
import { caCommand } from './ca.js';

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mykey-cli-ca-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(...argv: string[]): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const exitCode = await caCommand(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

describe('mykey ca init', () => {
  it('creates a test CA, prints the ca.pem path and keeps the key 0600', async (t: TestContext) => {
    const caDir = join(dir, 'init');
    const result = await run('init', '--dir', caDir);
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 0, stdout: `${join(caDir, 'ca.pem')}\n` });
    t.assert.strictEqual(result.stderr.split('\n').length, 2); // one line and its newline
    const certificate = new X509Certificate(await readFile(join(caDir, 'ca.pem'), 'utf8'));
    t.assert.deepStrictEqual({ ca: certificate.ca, test: isTestHierarchy(certificate) }, { ca: true, test: true });
    t.assert.strictEqual((await stat(join(caDir, 'ca.key.pem'))).mode & 0o777, 0o600);
  });

  it('refuses to overwrite an existing CA with exit 2 and one line on stderr', async (t: TestContext) => {
    const caDir = join(dir, 'init-twice');
    t.assert.strictEqual((await run('init', '--dir', caDir, '--json')).exitCode, 0);
    const keyBefore = await readFile(join(caDir, 'ca.key.pem'), 'utf8');
    const result = await run('init', '--dir', caDir);
    t.assert.deepStrictEqual(
      { exitCode: result.exitCode, stdout: result.stdout, lines: result.stderr.split('\n').length },
      { exitCode: 2, stdout: '', lines: 2 },
    );
    t.assert.strictEqual(await readFile(join(caDir, 'ca.key.pem'), 'utf8'), keyBefore);
  });
});

describe('mykey ca issue-card', () => {
  let caDir: string;

  before(async () => {
    caDir = join(dir, 'issuing');
    const init = await run('init', '--dir', caDir);
    if (init.exitCode !== 0) throw new Error(init.stderr);
  });

  it('writes a card that logs in against the CA and prints its serial', async (t: TestContext) => {
    const out = join(dir, 'card.json');
    const result = await run('issue-card', '--dir', caDir, '--out', out, '--days', '30');
    t.assert.strictEqual(result.exitCode, 0);
    t.assert.strictEqual((await stat(out)).mode & 0o777, 0o600);
    const card = await loadSoftwareCard(out);
    const trust = createTrustStore({ anchorsPem: [await readFile(join(caDir, 'ca.pem'), 'utf8')], production: false });
    if (!trust.ok) throw new Error(trust.code);
    const origin = 'https://mykey.example';
    const nonce = Buffer.alloc(32, 1).toString('base64');
    const token = signWebEidChallenge(card, { origin, nonce });
    const login = verifyAuthToken({ token, origin, nonce, trust: trust.value, nowMs: Date.now() });
    t.assert.strictEqual(result.stdout, `${login.ok ? login.value.serialHex : login.code}\n`);
  });

  it('--json prints the card path, serial and expiry as JSON', async (t: TestContext) => {
    const out = join(dir, 'card-json.json');
    const result = await run('issue-card', '--dir', caDir, '--out', out, '--json');
    const printed: unknown = JSON.parse(result.stdout);
    const certificate = new X509Certificate((await loadSoftwareCard(out)).certificateDer);
    t.assert.deepStrictEqual(printed, {
      cardPath: out,
      serialHex: certificate.serialNumber.toLowerCase(),
      notAfter: new Date(certificate.validTo).toISOString(),
    });
  });

  it('refuses to overwrite the output file with exit 2', async (t: TestContext) => {
    const out = join(dir, 'existing.json');
    await writeFile(out, 'keep me');
    const result = await run('issue-card', '--dir', caDir, '--out', out);
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 2, stdout: '' });
    t.assert.strictEqual(await readFile(out, 'utf8'), 'keep me');
  });

  it('exits 3 without a CA in the directory', async (t: TestContext) => {
    const result = await run('issue-card', '--dir', join(dir, 'nowhere'), '--out', join(dir, 'orphan.json'));
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 3, stdout: '' });
  });

});

describe('mykey ca usage', () => {
  const usageErrors: string[][] = [
    [],
    ['frobnicate', '--dir', 'x'],
    ['init'],
    ['init', '--dir', 'x', '--out', 'y'],
    ['issue-card', '--dir', 'x'],
    ['init', '--dir', 'x', '--days', '0'],
    ['init', '--dir', 'x', '--days', '1.5'],
    ['init', '--dir', 'x', '--unknown'],
    ['init', 'extra', '--dir', 'x'],
  ];
  for (const argv of usageErrors) {
    it(`exits 64 on \`mykey ca ${argv.join(' ')}\``, async (t: TestContext) => {
      const result = await run(...argv);
      t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 64, stdout: '' });
    });
  }

  it('--help prints the usage on stdout and exits 0', async (t: TestContext) => {
    const result = await run('--help');
    t.assert.strictEqual(result.exitCode, 0);
    t.assert.match(result.stdout, /^Usage:\n {2}mykey ca init/);
  });
});
