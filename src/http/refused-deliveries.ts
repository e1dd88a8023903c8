import type { Request, RequestHandler } from 'express';
import { MemoryStore, ipKeyGenerator, type Options } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';

export interface RefusalSettings {
  /** Refused deliveries a client may cause in a minute before its deliveries are turned away unread. */
  perMinute: number;
  /** How often the refusals counted meanwhile are written, as one line. */
  logEveryMs: number;
}

export const REFUSAL_SETTINGS: RefusalSettings = { perMinute: 60, logEveryMs: 10_000 };

const WINDOW_MS = 60_000;

/**
 * Webhook deliveries refused before anything was verified (no or a bad signature, an address no one
 * was given): anyone on the internet can make them, so they must cost little. Each is counted in
 * /metrics at once; the log gets the first one of a quiet spell, then one line per interval with the
 * counts, never a line each. A client (its address, as TRUST_PROXY says to read it) past
 * `perMinute` refusals is answered 429 without its delivery being read, for the rest of the minute.
 * Only refusals count, so Webex, whose deliveries are signed, is never limited by its own volume.
 */
export class RefusedDeliveries {
  private readonly clients = new MemoryStore();
  private counts = new Map<string, number>();
  private since = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly settings: RefusalSettings = REFUSAL_SETTINGS,
  ) {
    this.clients.init({ windowMs: WINDOW_MS } as Options);
  }

  /** Before a delivery is read: a client over its refusals gets 429. */
  gate(): RequestHandler {
    return async (req, res, next) => {
      const client = await this.clients.get(clientOf(req));
      if (!client || client.totalHits < this.settings.perMinute) return next();
      this.count('rate-limited');
      const seconds = Math.max(1, Math.ceil(((client.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
      res.status(429).set('Retry-After', String(seconds)).json({ error: 'Too many refused deliveries from this address; try again later' });
    };
  }

  /** A delivery from `req`'s client was refused for `reason`. */
  refused(req: Request, reason: string): void {
    void this.clients.increment(clientOf(req));
    this.count(reason);
  }

  /** Writes what was counted and not yet logged (at shutdown). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush(false);
    this.clients.shutdown();
  }

  private count(reason: string): void {
    this.metrics.webhookRejections.inc({ reason });
    if (!this.timer) {
      // A quiet spell ends: this refusal is written now, the ones after it together later.
      this.logger.warn({ event: 'webhook-rejected', reason }, 'Refused a webhook delivery; more in the next minutes are logged together');
      this.startInterval();
      return;
    }
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  private startInterval(): void {
    this.since = Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.flush(true)) this.startInterval();
    }, this.settings.logEveryMs);
    this.timer.unref();
  }

  /** One line with the counts since the interval began; false when there was nothing to write. */
  private flush(periodic: boolean): boolean {
    if (this.counts.size === 0) return false;
    const refused = Object.fromEntries(this.counts);
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 0);
    this.counts = new Map();
    this.logger.warn(
      { event: 'webhook-refusals', refused, total, seconds: Math.round((Date.now() - this.since) / 1000), ...(periodic ? {} : { final: true }) },
      `Refused ${total} more webhook deliveries`,
    );
    return true;
  }
}

/**
 * Each address's key, remembered: every delivery is checked, and working out an IPv6 address's /56
 * takes about 10 µs (an IPv4 address on a dual-stack socket, `::ffff:…`, is one), where the same few
 * addresses (Webex's, a proxy's) send nearly all of them.
 */
const clientKeys = new LRUCache<string, string>({ max: 1000 });

/** IPv4 addresses as they are, IPv6 ones by their /56, as express-rate-limit keys them. */
function clientOf(req: Request): string {
  const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  let key = clientKeys.get(address);
  if (key === undefined) {
    key = ipKeyGenerator(address);
    clientKeys.set(address, key);
  }
  return key;
}
