import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from './store.js';
import type { Logger } from '../logger.js';

/**
 * The database cannot be reached or written for now (stopped, restarting, locked, full), as opposed
 * to a query that is wrong. Work that meets it waits for the database rather than failing.
 */
export class DatabaseUnavailableError extends Error {
  constructor(readonly reason: string, options?: ErrorOptions) {
    super(`The database is unavailable: ${reason}`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** PostgreSQL SQLSTATEs that mean "not now" rather than "wrong": connection exceptions, shutdown, overload. */
const PG_OUTAGE = /^(08...|57P0[1-4]|53300|53100|58030)$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** SQLite's result codes (the primary code, the low byte of an extended one). */
const SQLITE_OUTAGE: Record<number, string> = { 5: 'locked by another process (SQLITE_BUSY)', 6: 'locked (SQLITE_LOCKED)', 10: 'disk I/O error (SQLITE_IOERR)', 13: 'disk full (SQLITE_FULL)', 14: 'cannot open the file (SQLITE_CANTOPEN)' };

/**
 * Why `error` means the database is unavailable for now, or undefined when it is another kind of
 * error (a constraint, a bug), which waiting would not cure.
 */
export function outageReason(error: unknown): string | undefined {
  if (error instanceof DatabaseUnavailableError) return error.reason;
  if (!(error instanceof Error)) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  if (typeof errcode === 'number' && SQLITE_OUTAGE[errcode & 0xff]) return SQLITE_OUTAGE[errcode & 0xff];
  if (typeof code === 'string' && PG_OUTAGE.test(code)) return `${error.message} (${code})`;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return `${code}: cannot reach the database server`;
  // node-postgres's own words when a connection drops or cannot be made in time.
  if (/^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message)) return error.message;
  return undefined;
}

/**
 * Store operations that must not wait for the database: whoever calls them has something better to
 * do (keep the delivery on disk, answer Webex, try at the next tick).
 */
const FAIL_FAST: ReadonlySet<string> = new Set(['takeDelivery', 'renewDelivery', 'staleDeliveries', 'subscriptionByKey', 'ping', 'close']);

/** The longest wait between probes of a database that keeps failing. */
const MAX_PROBE_DELAY_MS = 30_000;

export interface DatabaseGateOptions {
  /** How often a database that went away is tried again. */
  probeMs?: number;
  now?: () => number;
}

/**
 * Stands between the bot and its store, and knows whether the database is there. An operation that
 * finds it gone marks it down (one log line), and then waits until a probe finds it back and runs
 * again: a park under way when PostgreSQL restarts finishes when it is back, instead of half done.
 * Inbox operations fail fast instead (`DatabaseUnavailableError`), so deliveries are kept elsewhere
 * meanwhile (src/storage/delivery-spool.ts).
 */
export class DatabaseGate extends EventEmitter<{ up: []; down: [] }> {
  private outage: { since: number; reason: string } | undefined;
  private back: { promise: Promise<void>; resolve: () => void } | undefined;
  private closed = false;
  /** Grows while the database keeps failing right after each probe found it back (a full disk). */
  private probeDelayMs: number;
  /** When the database came back after the last outage this process saw; 0 when it has seen none. */
  upSince = 0;
  readonly store: Store;

  constructor(
    private readonly inner: Store,
    private readonly logger: Logger,
    private readonly options: DatabaseGateOptions = {},
  ) {
    super();
    this.probeDelayMs = options.probeMs ?? 1000;
    this.store = new Proxy(inner, {
      get: (target, name, receiver) => {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || typeof name !== 'string') return value;
        return (...args: unknown[]) => this.run(name, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args), !FAIL_FAST.has(name));
      },
    });
  }

  get isUp(): boolean {
    return this.outage === undefined;
  }

  /** Why the database is down, when it is. */
  get reason(): string | undefined {
    return this.outage?.reason;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Runs `op`; when the database is unavailable, waits for it and runs again (`wait`), or throws. */
  async run<T>(name: string, op: () => Promise<T>, wait: boolean): Promise<T> {
    for (;;) {
      if (this.outage) {
        if (!wait || this.closed) throw new DatabaseUnavailableError(this.outage.reason);
        await this.backUp();
        continue;
      }
      try {
        return await op();
      } catch (error) {
        const reason = outageReason(error);
        if (!reason || this.closed) throw error;
        this.markDown(reason, name);
        if (!wait) throw new DatabaseUnavailableError(reason, { cause: error });
      }
    }
  }

  private markDown(reason: string, operation: string): void {
    if (this.outage) return;
    const base = this.options.probeMs ?? 1000;
    // Down again just after it was found back: the probe is not telling the whole story, so wait longer.
    const relapse = this.upSince > 0 && this.now() - this.upSince < Math.max(5000, this.probeDelayMs * 2);
    this.probeDelayMs = relapse ? Math.min(this.probeDelayMs * 2, MAX_PROBE_DELAY_MS) : base;
    this.outage = { since: this.now(), reason };
    this.logger.error(
      { event: 'database-unavailable', reason, operation },
      'The database cannot be reached or written: webhook deliveries are kept on local disk, and work under way waits until it is back',
    );
    this.emit('down');
    void this.probeUntilBack();
  }

  private backUp(): Promise<void> {
    if (!this.back) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.back = { promise, resolve };
    }
    return this.back.promise;
  }

  private async probeUntilBack(): Promise<void> {
    while (this.outage && !this.closed) {
      await sleep(this.probeDelayMs);
      try {
        await this.inner.ping();
      } catch (error) {
        const reason = outageReason(error);
        if (reason && this.outage) this.outage.reason = reason;
        continue;
      }
      const downForMs = this.now() - (this.outage?.since ?? this.now());
      this.outage = undefined;
      this.upSince = this.now();
      this.logger.info({ event: 'database-back', downForMs }, 'The database is back: kept deliveries are replayed and waiting work goes on');
      this.emit('up');
    }
    const back = this.back;
    this.back = undefined;
    back?.resolve();
  }

  /** Work still waiting for the database gives up, so a shutdown is not held up by an outage. */
  close(): void {
    this.closed = true;
    const back = this.back;
    this.back = undefined;
    back?.resolve();
  }
}
