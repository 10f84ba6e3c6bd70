// Ensures the server configuration: defaults, flags over environment, and one clear line (never a stack trace)
// for each kind of bad configuration, both from the pure parser and from the real `mykey serve` process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSecret, parseServeConfig, serveOptions } from '../../src/cli/config.js';

test('defaults, and a flag wins over its environment variable', () => {
  const defaults = parseServeConfig([], {});
  assert.ok(defaults.ok);
  assert.equal(defaults.value.port, 3000);
  assert.equal(defaults.value.host, '127.0.0.1');
  assert.equal(defaults.value.mode, 'development');
  assert.equal(defaults.value.demo, true);
  assert.equal(defaults.value.databaseUrl, undefined);
  assert.equal(defaults.value.origin, 'http://localhost:3000');
  assert.equal(defaults.value.settlementTimeZone, 'Asia/Tokyo');
  const flagged = parseServeConfig(['--port', '4000', '--settlement-time-zone', 'Europe/Tallinn'], { PORT: '5000', DATABASE_URL: 'postgres://u@h/db', MYKEY_SETTLEMENT_TIME_ZONE: 'UTC' });
  assert.ok(flagged.ok);
  assert.equal(flagged.value.port, 4000);
  assert.equal(flagged.value.databaseUrl, 'postgres://u@h/db');
  assert.equal(flagged.value.settlementTimeZone, 'Europe/Tallinn');
});

test('bad configurations are refused with one line', () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv]> = [
    ['port not a number', [], { PORT: 'eighty' }],
    ['unknown flag', ['--prot', '1'], {}],
    ['bad mode', [], { MYKEY_MODE: 'staging' }],
    ['origin with a path', ['--origin', 'https://a.example/x'], {}],
    ['http origin in production', [], { MYKEY_MODE: 'production', MYKEY_ORIGIN: 'http://a.example', MYKEY_SECRET: 'x', MYKEY_OPERATOR_TOKEN: 'y'.repeat(32), MYKEY_TRUST_ANCHORS: 'a.pem' }],
    ['production without a secret', [], { MYKEY_MODE: 'production', MYKEY_ORIGIN: 'https://a.example', MYKEY_DEMO: 'false' }],
    ['demo in production', [], { NODE_ENV: 'production', MYKEY_ORIGIN: 'https://a.example', MYKEY_DEMO: 'true' }],
    ['not a postgres url', [], { DATABASE_URL: 'mysql://x' }],
    ['short operator token', [], { MYKEY_OPERATOR_TOKEN: 'short' }],
    ['bad log level', [], { LOG_LEVEL: 'loud' }],
    ['production without a revocation source', [], { MYKEY_MODE: 'production', MYKEY_ORIGIN: 'https://a.example', MYKEY_SECRET: 'x', MYKEY_OPERATOR_TOKEN: 'y'.repeat(32), MYKEY_TRUST_ANCHORS: 'a.pem', MYKEY_DEMO: 'false' }],
    ['production without a renewal lookup', [], { MYKEY_MODE: 'production', MYKEY_ORIGIN: 'https://a.example', MYKEY_SECRET: 'x', MYKEY_OPERATOR_TOKEN: 'y'.repeat(32), MYKEY_TRUST_ANCHORS: 'a.pem', MYKEY_DEMO: 'false', MYKEY_OCSP_URL: 'https://ocsp.example/' }],
    ['renewal lookup not a URL', [], { MYKEY_RENEWAL_LOOKUP_URL: 'renewals' }],
    ['OCSP URL not http(s)', [], { MYKEY_OCSP_URL: 'ldap://ocsp.example' }],
    ['CRL URL not a URL', [], { MYKEY_CRL_URLS: 'https://crl.example/a.crl, nonsense' }],
    ['freshness out of range', [], { MYKEY_REVOCATION_FRESHNESS_SECONDS: '5' }],
    ['unknown settlement time zone', [], { MYKEY_SETTLEMENT_TIME_ZONE: 'Asia/Edo' }],
    ['no admission slot', ['--admission-concurrency', '0'], {}],
    ['negative admission queue', [], { MYKEY_ADMISSION_QUEUE: '-1' }],
    ['admission wait not a number', [], { MYKEY_ADMISSION_QUEUE_WAIT_MS: 'soon' }],
    ['no workers', ['--workers', '0'], {}],
    ['several workers on the embedded engine', ['--workers', '2'], {}],
  ];
  for (const [name, argv, env] of cases) {
    const r = parseServeConfig(argv, env);
    assert.ok(!r.ok, name);
    assert.equal(r.code, 'config_invalid', name);
    assert.ok(!r.message.includes('\n'), name);
  }
});

test('revocation sources: OCSP URL, CRL URLs and freshness are read; production accepts either source', () => {
  const base = { MYKEY_MODE: 'production', MYKEY_ORIGIN: 'https://a.example', MYKEY_SECRET: 'x', MYKEY_OPERATOR_TOKEN: 'y'.repeat(32), MYKEY_TRUST_ANCHORS: 'a.pem', MYKEY_DEMO: 'false', MYKEY_RENEWAL_LOOKUP_URL: 'https://renewal.example/' };
  const ocsp = parseServeConfig(['--revocation-freshness', '60'], { ...base, MYKEY_OCSP_URL: 'https://ocsp.example/' });
  assert.ok(ocsp.ok);
  assert.equal(ocsp.value.ocspUrl, 'https://ocsp.example/');
  assert.equal(ocsp.value.revocationFreshnessSeconds, 60);
  const crl = parseServeConfig([], { ...base, MYKEY_CRL_URLS: 'https://crl.example/a.crl, https://crl.example/b.crl' });
  assert.ok(crl.ok);
  assert.deepEqual(crl.value.crlUrls, ['https://crl.example/a.crl', 'https://crl.example/b.crl']);
  assert.equal(crl.value.revocationFreshnessSeconds, 120);
});

test('admission control and workers: defaults, and several workers on PostgreSQL', () => {
  const defaults = parseServeConfig([], {});
  assert.ok(defaults.ok);
  assert.deepEqual(
    [defaults.value.admissionConcurrency, defaults.value.admissionQueue, defaults.value.admissionQueueWaitMs, defaults.value.workers],
    [32, 256, 2_000, 1],
  );
  const set = parseServeConfig(['--workers', '2', '--admission-queue', '0'], { DATABASE_URL: 'postgres://u@h/db', MYKEY_ADMISSION_CONCURRENCY: '4', MYKEY_ADMISSION_QUEUE_WAIT_MS: '500' });
  assert.ok(set.ok);
  assert.deepEqual([set.value.admissionConcurrency, set.value.admissionQueue, set.value.admissionQueueWaitMs, set.value.workers], [4, 0, 500, 2]);
  const embedded = parseServeConfig(['--workers', '2'], {});
  assert.ok(!embedded.ok);
  assert.match(embedded.message, /PostgreSQL/);
});

test('the platform secret must hold 32 bytes', () => {
  assert.equal(decodeSecret('00'.repeat(31)).ok, false);
  assert.equal(decodeSecret('00'.repeat(32)).ok, true);
  assert.equal(decodeSecret(Buffer.alloc(32, 7).toString('base64')).ok, true);
});

test('mykey serve --help lists every option with its environment variable and default', () => {
  const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(run.status, 0);
  for (const option of Object.values(serveOptions)) {
    assert.ok(run.stdout.includes(option.env), option.env);
    if (option.flag !== undefined) assert.ok(run.stdout.includes(`--${option.flag}`), option.flag);
  }
});

test('mykey serve stops on bad configuration (a test CA in production among them) with exit 2 and one line', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mykey-config-'));
  try {
    const caDir = join(dataDir, 'ca');
    assert.equal(spawnSync(process.execPath, ['dist/src/cli/main.js', 'ca', 'init', '--dir', caDir]).status, 0);
    const production = {
      MYKEY_MODE: 'production',
      MYKEY_ORIGIN: 'https://mykey.example.jp',
      MYKEY_SECRET: Buffer.alloc(32, 1).toString('base64'),
      MYKEY_OPERATOR_TOKEN: 'o'.repeat(32),
      MYKEY_DEMO: 'false',
      MYKEY_OCSP_URL: 'https://ocsp.example.jp/',
      MYKEY_RENEWAL_LOOKUP_URL: 'https://renewal.example.jp/',
    };
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ PORT: '99999' }, /PORT/],
      [{ ...production, MYKEY_TRUST_ANCHORS: join(caDir, 'ca.pem') }, /test CA/],
      [{ MYKEY_TRUST_ANCHORS: join(dataDir, 'missing.pem') }, /missing\.pem/],
      [{ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, /store/],
    ];
    for (const [env, reason] of cases) {
      const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, MYKEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', ...env },
        timeout: 30_000,
      });
      assert.equal(run.status, 2, JSON.stringify(env) + run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^mykey serve: /);
      assert.match(run.stderr, reason);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
