import type { Request } from 'express';
import { MemoryStore, ipKeyGenerator, type Options } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { SecretMismatchAlarm } from './secret-mismatch-alarm.js';

export interface RefusalSettings {
  /** Refused deliveries a client may cause in a minute before its unsigned or badly signed ones are answered 429. */
  perMinute: number;
  /** How often the refusals counted meanwhile are written, as one line. */
  logEveryMs: number;
}

export const REFUSAL_SETTINGS: RefusalSettings = { perMinute: 60, logEveryMs: 10_000 };

const WINDOW_MS = 60_000;

/**
 * Webhook deliveries refused (no or a bad signature, an address no one was given, and the few
 * refused after their signature matched): anyone on the internet can make most of them, so they must
 * cost little. Each is counted in /metrics at once; the log gets the first one of a quiet spell, then
 * one line per interval with the counts, never a line each. A client (its address, as TRUST_PROXY
 * says to read it) past `perMinute` refusals gets 429 instead of 401 for the rest of the minute.
 *
 * Verify first, limit only what fails: a correctly signed delivery is taken whatever its client's
 * count, because Webex's deliveries all come from a few addresses, and when some of them fail (a
 * secret that differs between instances) the rest must still go through. So a client over the limit
 * still has its signed-looking deliveries read (at most MAX_BODY, within the per-client connection
 * limit and the request timeout) and checked (an HMAC per accepted secret) before the 429; what can
 * be turned away unread is (`limitedUnread`): a delivery with no signature at all, or to an address
 * no one was given. That costs a little more than turning everything away unread, and is what keeps
 * a secret mismatch on one instance from also refusing the deliveries that are right.
 */
export class RefusedDeliveries {
  private readonly clients = new MemoryStore();
  private counts = new Map<string, number>();
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly mismatch: SecretMismatchAlarm;

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly settings: RefusalSettings = REFUSAL_SETTINGS,
    mismatch?: SecretMismatchAlarm,
  ) {
    this.clients.init({ windowMs: WINDOW_MS } as Options);
    this.mismatch = mismatch ?? new SecretMismatchAlarm(metrics, logger);
  }

  /** Seconds until `req`'s client is under its limit again, or undefined when it is now. */
  async overLimit(req: Request): Promise<number | undefined> {
    const client = await this.clients.get(clientOf(req));
    if (!client || client.totalHits < this.settings.perMinute) return undefined;
    return Math.max(1, Math.ceil(((client.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
  }

  /** A delivery from `req`'s client was signed with a secret accepted now. */
  signed(req: Request): void {
    this.mismatch.signed(clientOf(req));
  }

  /**
   * A delivery from `req`'s client was refused for `reason`; `signed` when its signature matched.
   * Returns the seconds to put in Retry-After when the delivery is to be answered 429 instead: an
   * unsigned or badly signed one from a client over its limit. A signed one never is.
   */
  async refused(req: Request, reason: string, signed: boolean): Promise<number | undefined> {
    const client = clientOf(req);
    this.mismatch.refused(client, reason);
    const wait = signed ? undefined : await this.overLimit(req);
    if (wait !== undefined) {
      this.count('rate-limited');
      return wait;
    }
    void this.clients.increment(client);
    this.count(reason);
    return undefined;
  }

  /** A delivery refused before it was read, because its client is over the limit (no signature, or an address no one was given). */
  limitedUnread(): void {
    this.count('rate-limited');
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
