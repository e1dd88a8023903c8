import type { CallEventSubscriptions } from './call-event-subscriptions.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import { isPassing } from '../webex/errors.js';

export interface UpkeepSettings {
  /** How often each person's call-events webhooks are checked (WEBHOOK_CHECK_MINUTES). */
  checkEveryMs: number;
  /** Webex requests upkeep may make a minute, across all instances (UPKEEP_REQUESTS_PER_MINUTE). */
  requestsPerMinute: number;
  /** A refresh token ending within this is renewed, so a quiet person's link does not lapse. */
  refreshMarginMs: number;
  /** How often the budget is handed out: one instance works each tick. */
  tickMs?: number;
}

/** Work that shares upkeep's budget; each returns the Webex requests it made. */
export interface UpkeepHooks {
  /** Asks about the secondary lines calls were parked from (src/calls/line-watch.ts), first in each tick: a recall must show within 30 s. */
  lineWatch?: { round(): Promise<number> };
  /** Reads a person's secondary lines again when last read before `readBeforeMs`. */
  lines?: { refresh(personId: string, readBeforeMs: number): Promise<number> };
}

/** Longest pause when Webex keeps failing upkeep requests (5xx with no Retry-After). */
const MAX_BACKOFF_MS = 5 * 60_000;
const FIRST_BACKOFF_MS = 5000;
const LEASE = 'call-events-upkeep';

/**
 * Each linked person's standing with Webex, kept up a few people at a time: their call-events
 * webhooks checked every `checkEveryMs` (unless their events have been arriving, which proves them),
 * and tokens renewed before their refresh token ends. Requests are spread evenly within a budget,
 * so 10,000 linked people never make a burst; start-up touches only the people who are due. When
 * Webex fails (429, 5xx) upkeep pauses, honouring Retry-After or backing off, and catches up after.
 */
export class Upkeep {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private allowance = 0;
  private queue: string[] = [];
  private fetchedAt = 0;
  private pausedUntil = 0;
  private backoffMs = 0;

  constructor(
    private readonly subscriptions: Pick<CallEventSubscriptions, 'ensure' | 'fingerprint'>,
    private readonly vault: Pick<TokenVault, 'renewIfEnding'>,
    private readonly store: Store,
    private readonly settings: UpkeepSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly hooks: UpkeepHooks = {},
  ) {}

  private get tickMs(): number {
    return this.settings.tickMs ?? 1000;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One tick's share of the budget, by whichever instance takes this tick. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.work();
    } catch (error) {
      this.logger.warn({ event: 'upkeep-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Upkeep of linked people failed; it goes on at the next tick');
    } finally {
      this.running = false;
    }
  }

  private async work(): Promise<void> {
    const now = this.now();
    if (now < this.pausedUntil) return;
    if (!(await this.store.takeLease(LEASE, now, this.tickMs * 0.9))) return;
    const share = (this.settings.requestsPerMinute * this.tickMs) / 60_000;
    this.allowance = Math.min(this.allowance + share, Math.max(share, 1));
    // Charged even past the budget (a waiting card must not go stale); what remains is left to the people due.
    if (this.hooks.lineWatch) this.allowance -= await this.hooks.lineWatch.round();
    const dueBefore = now - this.settings.checkEveryMs;
    let fetched = false;
    while (this.allowance >= 1) {
      if (this.queue.length === 0 || now - this.fetchedAt > 60_000) {
        // Once a tick at most: people another check is busy with cost no request and stay due, and every
        // store call here can resolve at once, so fetching them again would spin without ever yielding.
        if (fetched) return;
        fetched = true;
        // About a minute's worth at a time: one query a minute, not one a tick.
        this.queue = await this.store.dueForUpkeep({
          checkedBeforeMs: dueBefore,
          refreshBeforeMs: now + this.settings.refreshMarginMs,
          fingerprint: this.subscriptions.fingerprint,
          limit: Math.max(10, Math.ceil(this.settings.requestsPerMinute)),
        });
        this.fetchedAt = now;
        if (this.queue.length === 0) return;
      }
      const personId = this.queue.shift() as string;
      try {
        const renewed = await this.vault.renewIfEnding(personId, now + this.settings.refreshMarginMs);
        const result = await this.subscriptions.ensure(personId, dueBefore);
        const lineReads = (await this.hooks.lines?.refresh(personId, dueBefore).catch(() => 1)) ?? 0;
        this.allowance -= result.requests + (renewed ? 1 : 0) + lineReads;
        if (result.passing) throw result.passing;
        this.backoffMs = 0;
      } catch (error) {
        if (!isPassing(error)) {
          // Not Webex failing for everyone (a link that lapsed, a refused refresh): the next person.
          this.allowance -= 1;
          continue;
        }
        this.queue.unshift(personId);
        this.backoffMs = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : Math.min(Math.max(this.backoffMs * 2, FIRST_BACKOFF_MS), MAX_BACKOFF_MS);
        this.pausedUntil = this.now() + this.backoffMs;
        this.allowance = 0;
        this.logger.warn({ event: 'upkeep-paused', ...error.toLog(), resumeInMs: this.backoffMs }, 'Webex is failing; upkeep of linked people pauses and catches up after');
        return;
      }
    }
  }
}
