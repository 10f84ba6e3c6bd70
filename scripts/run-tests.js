#!/usr/bin/env node
// Runs every compiled test file under dist/ with node:test. Node 20's `node --test` takes paths, not globs,
// so this lists the files itself; extra arguments are passed through (e.g. a file filter: `npm test -- store`).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
