import pg from 'pg';
import { migrate, SqlStore } from './sql-store.js';
import type { Dialect, Result, Row, SqlDriver, SqlValue, Steps } from './sql-driver.js';

/** A connection that cannot be made in this long counts as an outage, rather than hanging the caller. */
const CONNECT_TIMEOUT_MS = 5000;

/** How long closing waits for queries still running (the graceful stop's drain already gave up on them). */
const CLOSE_TIMEOUT_MS = 3000;

/** Any fixed number: every instance takes this advisory lock to migrate, one at a time. */
const MIGRATION_LOCK = 72_731_001;

/** BIGINT's type id: epoch milliseconds, well within a JavaScript number, read as one (pg gives strings). */
const INT8_OID = 20;

const parseTypes = ((oid: number, format?: 'text' | 'binary'): unknown => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser;

/** PostgreSQL's SQL where it differs from SQLite's. The record column is TEXT: read and written as jsonb. */
const POSTGRES: Dialect = {
  json: (column) => `CAST(${column} AS jsonb)`,
  withFields: (column, patch, { removed }) =>
    `CAST(CAST(${column} AS jsonb)${removed.map((name) => ` - '${name}'`).join('')} || CAST(${patch} AS jsonb) AS TEXT)`,
  oneOf: (expression, list) => `${expression} = ANY(CAST(${list} AS text[]))`,
  forShare: ' FOR SHARE',
};

/** The adapter for `pg`: a pool of connections to the PostgreSQL that several instances share. */
export class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES;
  private readonly pool: pg.Pool;

  /**
   * `onIdleError` hears of pooled connections that break while idle (the server restarting says
   * "terminating connection due to administrator command" on each): the pool drops them and makes
   * new ones, and without a listener node-postgres would end the process.
   */
  constructor(url: string, onIdleError: (error: Error) => void) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      types: { getTypeParser: parseTypes },
    });
    this.pool.on('error', onIdleError);
  }

  async run<R = Row>(sql: string, values: readonly SqlValue[] = []): Promise<Result<R>> {
    const result = await this.pool.query(sql, values as unknown[]);
    return { rows: result.rows as R[], changes: result.rowCount ?? 0 };
  }

  /** On one pooled connection, between BEGIN and COMMIT; row locks are the steps' own (FOR UPDATE, FOR SHARE). */
  async transaction<T>(steps: () => Steps<T>, options: { alone?: boolean } = {}): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (options.alone) await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const work = steps();
      let next = work.next();
      while (!next.done) {
        const result = await client.query(next.value.sql, next.value.script ? undefined : (next.value.values as unknown[]));
        next = work.next({ rows: result.rows as Row[], changes: result.rowCount ?? 0 });
      }
      await client.query('COMMIT');
      client.release();
      return next.value;
    } catch (error) {
      // A connection that broke cannot roll back: it is dropped rather than pooled, and the first error stands.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (broken: Error) => client.release(broken),
      );
      throw error;
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Ends the pool. node-postgres waits for every connection in use to be given back, and a query that
   * never comes back (a lock held elsewhere, a server that stopped answering) would hold a graceful
   * stop forever after its drain gave up: the wait is bounded, and what is still running is abandoned.
   */
  async close(): Promise<void> {
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.pool.end(), new Promise<void>((resolve) => (bound = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(bound);
  }
}

/** The shared store for several instances: PostgreSQL through a connection pool. */
export class PostgresStore extends SqlStore {
  /** Connects and brings the schema up to date; safe when several instances start at once. */
  static async open(url: string, onIdleError: (error: Error) => void = () => undefined): Promise<PostgresStore> {
    const driver = new PostgresDriver(url, onIdleError);
    try {
      await driver.transaction(migrate, { alone: true });
    } catch (error) {
      await driver.close();
      throw error;
    }
    return new PostgresStore(driver);
  }
}
