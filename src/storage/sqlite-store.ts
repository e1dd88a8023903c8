import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { dirname } from 'node:path';
import { makePrivateFile, makePrivateFolder, type PrivateFile } from './private-files.js';
import { migrate, SqlStore } from './sql-store.js';
import type { Dialect, Result, Row, SqlDriver, SqlValue, Statement, Steps } from './sql-driver.js';

/**
 * How every connection is set up, the busy timeout first: switching to WAL takes a lock a backup or
 * another process starting may hold for a moment. WAL lets readers (and `npm run backup`) go on while the bot writes.
 * `synchronous = NORMAL`, as better-sqlite3 was built: a commit survives the bot crashing or being
 * killed at any point; only an OS crash or power cut can lose the last ones. SQLite's own default, FULL,
 * waits for an fsync at every commit on the event loop (measured: 1.5 ms per write against 0.1 ms,
 * bench/sqlite-drivers.ts); use PostgreSQL where that guarantee is needed.
 */
export const SQLITE_PRAGMAS = ['busy_timeout = 5000', 'journal_mode = WAL', 'synchronous = NORMAL'];

/**
 * Once migrated, how long a statement waits for another process's write lock. node:sqlite waits on
 * the event loop, so this stays short: a lock held longer is an outage, which src/storage/database-gate.ts
 * waits out without blocking (its probe does not wait at all).
 */
const RUNNING_BUSY_TIMEOUT_MS = 1000;

/** SQLite's SQL where it differs from PostgreSQL's. */
const SQLITE: Dialect = {
  json: (column) => column,
  withFields: (column, patch, { set, removed }) => {
    const path = (name: string): string => `'$.${name}'`;
    const withSet = set.length ? `json_set(${column}, ${set.map((name) => `${path(name)}, ${patch} -> ${path(name)}`).join(', ')})` : column;
    return removed.length ? `json_remove(${withSet}, ${removed.map(path).join(', ')})` : withSet;
  },
  oneOf: (expression, list) => `${expression} IN (SELECT value FROM json_each(${list}))`,
  forShare: '',
};

/** A statement prepared once, with where each of its `?` takes its value from among the `$n`. */
interface Prepared {
  statement: StatementSync;
  /** Per `?`, the index of its value (`$n` → n - 1); `$n` may be used more than once. */
  order: number[];
  returnsRows: boolean;
}

const bindable = (value: SqlValue): SQLInputValue => (typeof value === 'object' && value !== null ? JSON.stringify(value) : value);

/**
 * The adapter for Node's built-in `node:sqlite` (no native module to build, so the same install runs
 * on every supported Node line). Synchronous: a statement's result is there at once, and a
 * transaction's steps run through without yielding the one connection to anything else.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE;
  /** The connection (tests reach it to fill the disk). */
  readonly db: DatabaseSync;
  /** Preparing a statement costs more than running it: each SQL text is prepared once. */
  private readonly statements = new Map<string, Prepared>();

  /** `onFileModes` hears of files that were open to others and are now 0600, or could not be made so. */
  constructor(path: string, onFileModes: (files: Record<string, PrivateFile>) => void) {
    if (path !== ':memory:') {
      makePrivateFolder(dirname(path));
      // SQLite creates the -wal and -shm files with the database file's permissions: it is made 0600 first.
      const modes = Object.fromEntries([path, `${path}-wal`, `${path}-shm`].map((file) => [file, makePrivateFile(file, file === path)]));
      const changed = Object.fromEntries(Object.entries(modes).filter(([, mode]) => mode === 'tightened' || mode === 'could-not'));
      if (Object.keys(changed).length) onFileModes(changed);
    }
    this.db = new DatabaseSync(path);
    SQLITE_PRAGMAS.forEach((pragma) => this.db.exec(`PRAGMA ${pragma}`));
    this.transaction(migrate);
    this.db.exec(`PRAGMA busy_timeout = ${RUNNING_BUSY_TIMEOUT_MS}`);
  }

  private prepared(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const order: number[] = [];
      const statement = this.db.prepare(
        sql.replace(/\$(\d+)/g, (_, n: string) => {
          order.push(Number(n) - 1);
          return '?';
        }),
      );
      prepared = { statement, order, returnsRows: statement.columns().length > 0 };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  run<R = Row>(sql: string, values: readonly SqlValue[] = []): Result<R> {
    const { statement, order, returnsRows } = this.prepared(sql);
    const bound = new Array<SQLInputValue>(order.length);
    for (let i = 0; i < order.length; i += 1) bound[i] = bindable(values[order[i] as number] ?? null);
    if (!returnsRows) return { rows: [], changes: Number(statement.run(...bound).changes) };
    const rows = statement.all(...bound) as R[];
    return { rows, changes: rows.length };
  }

  private step({ sql, values, script }: Statement): Result {
    if (!script) return this.run(sql, values);
    this.db.exec(sql);
    return { rows: [], changes: 0 };
  }

  /** IMMEDIATE: takes the write lock at once, so another process waits (busy_timeout) rather than interleaving. */
  transaction<T>(steps: () => Steps<T>): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const work = steps();
      let next = work.next();
      while (!next.done) next = work.next(this.step(next.value));
      this.db.exec('COMMIT');
      return next.value;
    } catch (error) {
      // SQLite may have rolled the transaction back itself (a full disk does): the original error is
      // the one to tell, not ROLLBACK's "no transaction is active", which would hide an outage.
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // nothing left to roll back
      }
      throw error;
    }
  }

  /**
   * Throws unless the database can be written now: takes the write lock without waiting for it (a
   * read would succeed while another process holds that lock) and lets it go.
   */
  async ping(): Promise<void> {
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${RUNNING_BUSY_TIMEOUT_MS}`);
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** The embedded store: one SQLite file, created with its folder on first start. */
export class SqliteStore extends SqlStore {
  constructor(path: string, onFileModes: (files: Record<string, PrivateFile>) => void = () => undefined) {
    super(new SqliteDriver(path, onFileModes));
  }
}
