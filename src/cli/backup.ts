/**
 * `mykey backup FILE` and `mykey restore FILE`: the embedded store's online backup (a consistent snapshot taken
 * while the platform runs) and its restore (checked before anything is replaced). They find the data dir as
 * `mykey serve` does. PostgreSQL has its own tools; both commands say so in one line.
 */
import { join } from 'node:path';
import { backupSqlite, restoreSqlite } from '../store/backup.js';
import { parseCommandArgs } from './args.js';
import { parseServeConfig } from './config.js';
import type { Io } from './serve.js';

const usage = `Usage:
  mykey backup FILE [--data-dir DIR]
      Write a consistent snapshot of the embedded store to FILE and its checksum to FILE.sha256, while the
      platform runs. FILE must not exist.
  mykey restore FILE [--data-dir DIR] [--force]
      Check FILE against FILE.sha256 and SQLite's integrity check, then replace the data dir's database with it.
      Stop the platform first; --force is needed when the data dir already holds a database.

The data dir is found as \`mykey serve\` finds it: --data-dir, else MYKEY_DATA_DIR, else ./data. The secret
(<data dir>/secret.key or MYKEY_SECRET) is not in the backup: keep it apart, the provider keys are sealed with it.
With DATABASE_URL (PostgreSQL) use pg_dump and pg_restore instead (docs/operations.md).

Exit codes: 0 done, 1 the backup is damaged or refused, 2 bad configuration, 64 usage error.
`;

const exitCode = { ok: 0, refused: 1, config: 2, usage: 64 } as const;

function formatRows(rowsByTable: Record<string, number>): string {
  const total = Object.values(rowsByTable).reduce((sum, rows) => sum + rows, 0);
  return `${Object.keys(rowsByTable).length} tables, ${total.toLocaleString('en-US')} rows`;
}

export async function backupCommand(command: 'backup' | 'restore', argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommandArgs(command, argv, { 'data-dir': { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean' } }, usage, io);
  if (typeof parsed === 'number') return parsed;
  const [file, ...extra] = parsed.positionals;
  const problem = extra.length > 0 ? `one FILE, not ${parsed.positionals.length}` : command === 'backup' && parsed.values.force === true ? '--force is for restore only' : undefined;
  if (problem !== undefined || file === undefined) {
    io.stderr.write(`mykey ${command}: ${problem ?? 'FILE is required'}\n\n${usage}`);
    return exitCode.usage;
  }
  const dataDirArgs = parsed.values['data-dir'] === undefined ? [] : ['--data-dir', parsed.values['data-dir']];
  const config = parseServeConfig(dataDirArgs, env);
  if (!config.ok) {
    io.stderr.write(`mykey ${command}: ${config.message}\n`);
    return exitCode.config;
  }
  if (config.value.databaseUrl !== undefined) {
    io.stderr.write(`mykey ${command}: the store is PostgreSQL (DATABASE_URL); use pg_dump / pg_restore, see docs/operations.md\n`);
    return exitCode.config;
  }
  const databasePath = join(config.value.dataDir, 'mykey.db');
  if (command === 'backup') {
    const done = await backupSqlite(databasePath, file);
    if (!done.ok) {
      io.stderr.write(`mykey backup: ${done.message}\n`);
      return done.code === 'store_missing' ? exitCode.config : exitCode.refused;
    }
    io.stdout.write(`${done.value.path}\n`);
    io.stderr.write(`mykey backup: wrote ${done.value.path} (${done.value.sizeBytes.toLocaleString('en-US')} bytes, ${formatRows(done.value.rowsByTable)}) and ${done.value.checksumPath} (sha256 ${done.value.sha256Hex})\n`);
    return exitCode.ok;
  }
  const done = await restoreSqlite(file, databasePath, { force: parsed.values.force === true });
  if (!done.ok) {
    io.stderr.write(`mykey restore: ${done.message}; nothing was changed\n`);
    return exitCode.refused;
  }
  io.stderr.write(`mykey restore: ${databasePath} is now ${file} (sha256 ${done.value.sha256Hex}, ${formatRows(done.value.rowsByTable)})\n`);
  return exitCode.ok;
}
