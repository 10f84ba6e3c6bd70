#!/usr/bin/env node
// Runs every compiled test file under dist/ with node:test. Node 20's `node --test` takes paths, not globs,
// so this lists the files itself; extra arguments are passed through (e.g. a file filter: `npm test -- store`).
// Test groups that cannot run on this machine (test/helpers/skipped-groups.ts) record their skips in a file named
// by MYKEY_TEST_SKIPS; the run ends with a list of them, each with its reason and the command that installs it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { summariseSkips } from '../dist/test/helpers/skipped-groups.js';

function listTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = ['dist/src', 'dist/test']
  .flatMap((dir) => listTests(dir))
  .filter((file) => filters.length === 0 || filters.some((f) => relative('dist', file).includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const recordDir = mkdtempSync(join(tmpdir(), 'mykey-test-skips-'));
const recordPath = join(recordDir, 'skips.ndjson');
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MYKEY_TEST_SKIPS: recordPath },
});
let recordText = '';
try {
  recordText = readFileSync(recordPath, 'utf8');
} catch {
  // No group skipped anything: the file was never written.
}
rmSync(recordDir, { recursive: true, force: true });
const skipped = summariseSkips(recordText);
if (skipped !== '') console.log(`\n${skipped}`);
process.exit(result.status ?? 1);
