import './supported-node.js';
import 'dotenv/config';
import { chmodSync, existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import { ConfigError, databaseSetting } from '../config.js';

/**
 * `npm run backup -- FILE`: a consistent copy of the embedded SQLite database while the bot runs.
 * SQLite's online backup copies every page in one step, inside one read transaction, so the copy is the
 * database as it stood at one moment even while the bot keeps writing (WAL lets writers go on); it is
 * written beside FILE and renamed into place only once checked, so a FILE is never half a backup, and
 * it is a plain SQLite file (no WAL beside it), readable only by its owner.
 */
const WHOLE_DATABASE_IN_ONE_STEP = 2 ** 31 - 1;

export interface BackupResult {
  file: string;
  bytes: number;
  linkedAccounts: number;
  waitingCalls: number;
}

/** The database file and the files SQLite keeps beside it. */
const sidecars = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

/** A path as the file system sees it: symlinks in it followed, so two names of one file compare equal. */
function realTarget(target: string): string {
  const folder = dirname(resolve(target));
  if (!existsSync(folder)) throw new Error(`The folder ${folder} does not exist: make it first, or name a file in another folder.`);
  return join(realpathSync(folder), basename(target));
}

export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`There is no database at ${source} (DATABASE_URL): nothing to back up.`);
  if (target.endsWith('/') || (existsSync(target) && statSync(target).isDirectory())) {
    throw new Error(`${target} is a folder: name the backup file, for example ${join(target, 'parkbot-backup.db')}.`);
  }
  const real = realTarget(target);
  const live = realpathSync(source);
  const liveFile = statSync(live);
  const existing = existsSync(real) ? statSync(real) : undefined;
  const sameFile = existing !== undefined && existing.ino === liveFile.ino && existing.dev === liveFile.dev;
  if (sameFile || sidecars(live).includes(real)) throw new Error('The backup file must not be the database itself, or one of the files beside it.');
  const partial = `${real}.partial`;
  const removePartial = (): void => sidecars(partial).forEach((file) => rmSync(file, { force: true }));
  removePartial();
  try {
    const counts = await copyAndCheck(live, partial);
    // The copy stands alone (no WAL of its own), so files left beside an older backup of that name cannot change it.
    sidecars(real).slice(1).forEach((file) => rmSync(file, { force: true }));
    renameSync(partial, real);
    return { file: target, bytes: statSync(real).size, ...counts };
  } finally {
    removePartial();
  }
}

async function copyAndCheck(source: string, partial: string): Promise<{ linkedAccounts: number; waitingCalls: number }> {
  const live = new DatabaseSync(source, { readOnly: true });
  try {
    // A bot starting or stopping holds a lock for a moment: wait for it instead of failing.
    live.exec('PRAGMA busy_timeout = 5000');
    await backup(live, partial, { rate: WHOLE_DATABASE_IN_ONE_STEP });
  } finally {
    live.close();
  }
  // Tokens are sealed, but names and callers' numbers are not: the copy is for its owner alone.
  chmodSync(partial, 0o600);
  const copy = new DatabaseSync(partial);
  try {
    copy.exec('PRAGMA journal_mode = DELETE');
    const check = copy.prepare('PRAGMA integrity_check').get() as { integrity_check: string };
    if (check.integrity_check !== 'ok') throw new Error(`The copy failed SQLite's integrity check: ${check.integrity_check}`);
    const count = (sql: string): number => Number((copy.prepare(sql).get() as { n: number }).n);
    return {
      linkedAccounts: count('SELECT COUNT(*) AS n FROM linked_accounts'),
      waitingCalls: count("SELECT COUNT(*) AS n FROM parked_calls WHERE state = 'waiting'"),
    };
  } finally {
    copy.close();
  }
}

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('Usage: npm run backup -- FILE   (FILE is where the copy of the database goes)');
  const database = databaseSetting();
  if (database.kind === 'postgres') {
    throw new Error('DATABASE_URL names PostgreSQL: back it up with pg_dump (see "Backups" in the README), not with this command.');
  }
  const result = await backupSqlite(database.path, target);
  process.stdout.write(
    `Backed up ${database.path} to ${result.file}: ${result.bytes} bytes, ${result.linkedAccounts} linked accounts, ${result.waitingCalls} calls waiting. Integrity check: ok.\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const message =
      error instanceof ConfigError ? `fix ${error.problems.join('; ')} (see .env.example)` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`The backup was not made: ${message}\n`);
    process.exit(1);
  });
}
