// Ensures a test group that cannot run is reported as the issue asks: under CI=true it is an error, never a skip;
// elsewhere the skip is recorded, and the end-of-run summary lists each group once, with its distinct reasons, the
// number of files it was skipped in and its install command. The record is a real file, as in `npm test`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { skipGroup, summariseSkips, testGroups } from './skipped-groups.js';

function setEnv(env: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** Runs `work` with these variables set (undefined: unset), then puts back what was there. */
function withEnv(env: Record<string, string | undefined>, work: () => void): void {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  setEnv(env);
  try {
    work();
  } finally {
    setEnv(saved);
  }
}

test('under CI a missing group is an error that names its install command', (t: TestContext) => {
  withEnv({ CI: 'true', MYKEY_TEST_SKIPS: undefined }, () => {
    t.assert.throws(() => skipGroup('pcsc', 'example: pcscd is not installed'), (error: Error) => error.message.includes(testGroups.pcsc.install));
  });
});

test('elsewhere a skip is recorded and summarised once per group', (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'mykey-skips-'));
  const recordPath = join(dir, 'skips.ndjson');
  try {
    withEnv({ CI: undefined, MYKEY_TEST_SKIPS: recordPath }, () => {
      t.assert.strictEqual(skipGroup('postgres', 'example: PostgreSQL is unreachable'), 'skipped: example: PostgreSQL is unreachable');
      skipGroup('postgres', 'example: PostgreSQL is unreachable');
      skipGroup('pcsc', 'example: pcscd is not installed');
    });
    const record = readFileSync(recordPath, 'utf8');
    // Two more files skipping PostgreSQL, one for another reason, as other test processes would append them.
    const other = (file: string, reason: string): string => `${JSON.stringify({ group: 'postgres', reason, file })}\n`;
    const summary = summariseSkips(record + other('dist/test/a.test.js', 'example: PostgreSQL is unreachable') + other('dist/test/b.test.js', 'example: too old'));
    const lines = summary.split('\n');
    t.assert.strictEqual(lines.filter((line) => line.startsWith(`  ${testGroups.postgres.title} (`)).length, 1);
    t.assert.ok(lines.includes(`  ${testGroups.postgres.title} (${testGroups.postgres.covers}): skipped in 3 test files`));
    t.assert.ok(lines.includes(`  ${testGroups.pcsc.title} (${testGroups.pcsc.covers}): skipped in 1 test file`));
    t.assert.deepStrictEqual(lines.filter((line) => line.startsWith('    why:')), ['    why:     example: PostgreSQL is unreachable', '    why:     example: too old', '    why:     example: pcscd is not installed']);
    t.assert.deepStrictEqual(lines.filter((line) => line.startsWith('    install:')), [`    install: ${testGroups.postgres.install}`, `    install: ${testGroups.pcsc.install}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing skipped, nothing said', (t: TestContext) => {
  t.assert.strictEqual(summariseSkips(''), '');
});
