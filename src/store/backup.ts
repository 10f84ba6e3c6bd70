/**
 * Backup and restore of the embedded store (one SQLite file), online: `VACUUM INTO` copies the database as one
 * read transaction sees it, so the copy is a consistent snapshot while the platform goes on writing (WAL lets the
 * writer run beside it) and it never restarts under load, unlike the page-by-page backup API. Each backup has a
 * checksum file beside it in `sha256sum` format (`sha256sum -c` checks it too); a restore checks that checksum and
 * SQLite's own integrity check before it replaces anything, and replaces the database in one rename.
 *
 * PostgreSQL is backed up with its own tools (`pg_dump`); docs/operations.md says how.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { fail, ok, type Result } from '../domain/result.js';

export type BackupProblem =
  /** The backup file (or its checksum file) is already there; a backup never overwrites one. */
  | 'backup_exists'
  /** There is no database to back up at the data dir. */
  | 'store_missing';

export type RestoreProblem =
  | 'backup_missing'
  /** The checksum file beside the backup is missing or not in `sha256sum` format. */
  | 'checksum_missing'
  /** The backup's bytes are not the ones the backup wrote (damaged, truncated or changed). */
  | 'checksum_mismatch'
  /** SQLite's integrity check of the backup fails, or the file is not a database of this platform. */
  | 'backup_corrupt'
  /** The data dir already holds a database and `force` was not given. */
  | 'restore_target_exists';

export interface BackupSummary {
  path: string;
  checksumPath: string;
  sha256Hex: string;
  sizeBytes: number;
  /** Rows per table in the snapshot, for the operator's record. */
  rowsByTable: Record<string, number>;
}

export function checksumPathOf(backupPath: string): string {
  return `${backupPath}.sha256`;
}

async function sha256HexOfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function rowsByTable(database: SqliteDatabase.Database): Record<string, number> {
  const tables = database.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
  return Object.fromEntries(tables.map((table) => [table, Number(database.prepare(`select count(*) from "${table.replaceAll('"', '""')}"`).pluck().get())]));
}

/** Makes a file's bytes durable before it is renamed into place (a rename of unsynced bytes can leave an empty file after a power loss). */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The checksum line `sha256sum` writes and checks: the hex digest, two spaces, the file's name. */
function checksumLine(sha256Hex: string, backupPath: string): string {
  return `${sha256Hex}  ${basename(backupPath)}\n`;
}

function parseChecksumLine(text: string, backupPath: string): string | undefined {
  const match = /^([0-9a-f]{64}) [ *](.+)\n?$/.exec(text);
  return match !== null && match[2] === basename(backupPath) ? match[1] : undefined;
}

/**
 * Writes a consistent snapshot of the database at `databasePath` to `backupPath` (through a partial file renamed
 * when complete) and its checksum file.
 */
export async function backupSqlite(databasePath: string, backupPath: string): Promise<Result<BackupSummary, BackupProblem>> {
  const checksumPath = checksumPathOf(backupPath);
  if (!existsSync(databasePath)) return fail('store_missing', `there is no embedded database at ${databasePath}`);
  if (existsSync(backupPath) || existsSync(checksumPath)) return fail('backup_exists', `${existsSync(backupPath) ? backupPath : checksumPath} already exists; a backup never overwrites one`);
  const partialPath = join(dirname(backupPath), `.${basename(backupPath)}.partial`);
  rmSync(partialPath, { force: true });
  const source = new SqliteDatabase(databasePath, { readonly: true, fileMustExist: true });
  let rows: Record<string, number>;
  try {
    source.pragma('busy_timeout = 5000');
    source.prepare('vacuum into ?').run(partialPath);
  } finally {
    source.close();
  }
  const copy = new SqliteDatabase(partialPath, { readonly: true, fileMustExist: true });
  try {
    rows = rowsByTable(copy);
  } finally {
    copy.close();
  }
  fsyncFile(partialPath);
  const sha256Hex = await sha256HexOfFile(partialPath);
  renameSync(partialPath, backupPath);
  writeFileSync(checksumPath, checksumLine(sha256Hex, backupPath), { flag: 'wx' });
  return ok({ path: backupPath, checksumPath, sha256Hex, sizeBytes: statSync(backupPath).size, rowsByTable: rows });
}

/** Checks a backup's checksum and integrity without touching any data dir. */
export async function verifySqliteBackup(backupPath: string): Promise<Result<{ sha256Hex: string; rowsByTable: Record<string, number> }, RestoreProblem>> {
  if (!existsSync(backupPath)) return fail('backup_missing', `there is no backup at ${backupPath}`);
  const checksumPath = checksumPathOf(backupPath);
  const expectedHex = existsSync(checksumPath) ? parseChecksumLine(readFileSync(checksumPath, 'utf8'), backupPath) : undefined;
  if (expectedHex === undefined) return fail('checksum_missing', `${checksumPath} is missing or is not the checksum line of ${basename(backupPath)}`);
  const sha256Hex = await sha256HexOfFile(backupPath);
  if (sha256Hex !== expectedHex) return fail('checksum_mismatch', `${backupPath} does not match its checksum (sha256 ${sha256Hex}, expected ${expectedHex}): the file is damaged or was changed`);
  let database: SqliteDatabase.Database | undefined;
  try {
    database = new SqliteDatabase(backupPath, { readonly: true, fileMustExist: true });
    const integrity = database.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return fail('backup_corrupt', `${backupPath} fails SQLite's integrity check: ${String(integrity)}`);
    const rows = rowsByTable(database);
    if (!('kysely_migration' in rows)) return fail('backup_corrupt', `${backupPath} is an SQLite database but not one of this platform (no migrations table)`);
    return ok({ sha256Hex, rowsByTable: rows });
  } catch (error) {
    return fail('backup_corrupt', `${backupPath} cannot be read as a database: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    database?.close();
  }
}

/**
 * Replaces the database at `databasePath` with a verified backup: copied beside it first, then renamed over it in
 * one step, with the old write-ahead log removed (it belongs to the old database). The platform must be stopped.
 */
export async function restoreSqlite(backupPath: string, databasePath: string, options: { force: boolean }): Promise<Result<{ sha256Hex: string; rowsByTable: Record<string, number> }, RestoreProblem>> {
  const verified = await verifySqliteBackup(backupPath);
  if (!verified.ok) return verified;
  if (existsSync(databasePath) && !options.force) return fail('restore_target_exists', `${databasePath} exists; stop the platform and give --force to replace it`);
  const stagingPath = join(dirname(databasePath), `.${basename(databasePath)}.restoring`);
  mkdirSync(dirname(databasePath), { recursive: true });
  rmSync(stagingPath, { force: true });
  copyFileSync(backupPath, stagingPath);
  fsyncFile(stagingPath);
  for (const suffix of ['-wal', '-shm']) rmSync(`${databasePath}${suffix}`, { force: true });
  renameSync(stagingPath, databasePath);
  return verified;
}
