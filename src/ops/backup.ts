import './supported-node.js';
import 'dotenv/config';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import { ConfigError, databaseSetting } from '../config.js';

/**
 * `npm run backup -- FILE`: a consistent copy of the embedded SQLite database while the bot runs.
 * SQLite's online backup copies every page in one step, inside one read transaction, so the copy is the
 * database as it stood at one moment even while the bot keeps writing (WAL lets writers go on); it is
 * written beside FILE and renamed into place only once checked, so a FILE is never half a backup.
 */
const WHOLE_DATABASE_IN_ONE_STEP = 2 ** 31 - 1;

export interface BackupResult {
  file: string;
  bytes: number;
  linkedAccounts: number;
  waitingCalls: number;
}

export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`There is no database at ${source} (DATABASE_URL): nothing to back up.`);
  if (resolve(source) === resolve(target)) throw new Error('The backup file must not be the database itself.');
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const live = new DatabaseSync(source, { readOnly: true });
  try {
    await backup(live, partial, { rate: WHOLE_DATABASE_IN_ONE_STEP });
  } finally {
    live.close();
  }
  const copy = new DatabaseSync(partial, { readOnly: true });
  let counts: { linkedAccounts: number; waitingCalls: number };
  try {
    const check = copy.prepare('PRAGMA integrity_check').get() as { integrity_check: string };
    if (check.integrity_check !== 'ok') throw new Error(`The copy failed SQLite's integrity check: ${check.integrity_check}`);
    const count = (sql: string): number => Number((copy.prepare(sql).get() as { n: number }).n);
    counts = {
      linkedAccounts: count('SELECT COUNT(*) AS n FROM linked_accounts'),
      waitingCalls: count("SELECT COUNT(*) AS n FROM parked_calls WHERE state = 'waiting'"),
    };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    copy.close();
  }
  renameSync(partial, target);
  return { file: target, bytes: statSync(target).size, ...counts };
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
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`The backup was not made: ${message}\n`);
    process.exit(1);
  });
}
