/**
 * What the store (src/storage/sql-store.ts) needs of a database: run a statement, run a few in one
 * transaction. Every query is written once, in SQL both SQLite and PostgreSQL accept, with
 * parameters numbered `$1`, `$2`… (the SQLite adapter turns them into its own); what the two really
 * write differently is a `Dialect`, each difference named. One adapter a database:
 * src/storage/sqlite-store.ts (node:sqlite) and src/storage/postgres-store.ts (pg).
 */

/** A list binds as a PostgreSQL array, and as JSON text on SQLite (read with `json_each`): see `Dialect.oneOf`. */
export type SqlValue = string | number | null | readonly string[];

export type Row = Record<string, unknown>;

/**
 * A statement's rows (a SELECT's, or a write's RETURNING) and how many rows it changed. Integers come
 * back as numbers from both (PostgreSQL's BIGINT is turned into one by its adapter).
 */
export interface Result<R = Row> {
  rows: R[];
  changes: number;
}

/** One statement of a transaction; a `script` is several, with no parameters (a migration). */
export interface Statement {
  sql: string;
  values: readonly SqlValue[];
  script?: boolean;
}

/**
 * A transaction's work, written once as a generator: it yields each statement and is handed back its
 * result. The SQLite adapter runs it through synchronously, so nothing else on its one connection
 * comes in between; the PostgreSQL adapter awaits each statement on one pooled connection.
 */
export type Steps<T> = Generator<Statement, T, Result>;

/** Within `Steps`: `const { rows } = yield* step<Row>('SELECT …', value)`. */
export function* step<R = Row>(sql: string, ...values: SqlValue[]): Generator<Statement, Result<R>, Result> {
  return (yield { sql, values }) as Result<R>;
}

export function* script(sql: string): Generator<Statement, void, Result> {
  yield { sql, values: [], script: true };
}

/** A value now (SQLite), or later (PostgreSQL): the SQLite path costs no extra turn of the event loop. */
export type Now<T> = T | Promise<T>;

export function andThen<T, U>(value: Now<T>, next: (value: T) => U): Now<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** A change of a JSON record's top-level fields: `json`, the value of the fields set, to bind as `Dialect.withFields`'s patch. */
export interface FieldChange {
  json: string;
  set: readonly string[];
  removed: readonly string[];
}

/** Field names go into the SQL text: only plain names, which a record's own are. */
const FIELD_NAME = /^\w+$/;

/** The change that sets each field of `fields` and removes each one that is null (undefined ones are left alone). */
export function fieldChange(fields: object): FieldChange {
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  const removed: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!FIELD_NAME.test(name)) throw new Error(`Not a field name a record has: ${JSON.stringify(name)}`);
    if (value === null) removed.push(name);
    else {
      set.push(name);
      values[name] = value;
    }
  }
  return { json: JSON.stringify(values), set, removed };
}

/** The SQL the two databases write differently, each piece named for what it does. */
export interface Dialect {
  /** A JSON text column as a value the `->` and `->>` operators read (both take a field's name): PostgreSQL reads only `jsonb`. */
  json: (column: string) => string;
  /**
   * The JSON text `column` with the fields `change.set` replaced whole (not merged) by those of the
   * JSON object parameter `patch`, and the fields `change.removed` removed: SQLite sets each by its
   * path (`json_set`, `json_remove`), PostgreSQL joins objects (`||`, `-`).
   */
  withFields: (column: string, patch: string, change: FieldChange) => string;
  /** `expression` is one of the texts of the list parameter `list`: PostgreSQL binds arrays, SQLite reads JSON. */
  oneOf: (expression: string, list: string) => string;
  /**
   * The lock a fenced write takes on the inbox row it checks, held until it commits, so that a
   * takeover comes wholly before or after it. Empty on SQLite, whose every write locks the database.
   */
  forShare: string;
}

export interface SqlDriver {
  readonly dialect: Dialect;
  /** One statement, committed on its own. */
  run<R = Row>(sql: string, values?: readonly SqlValue[]): Now<Result<R>>;
  /**
   * `steps` in one write transaction; with `alone`, no other instance runs an `alone` one at the same
   * time (a migration): SQLite's write transactions already exclude each other, PostgreSQL takes an
   * advisory lock.
   */
  transaction<T>(steps: () => Steps<T>, options?: { alone?: boolean }): Now<T>;
  /** Throws unless the database can be written now. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
