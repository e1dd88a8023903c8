import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';

export interface MismatchSettings {
  /** Signature failures in `windowMs` from one address that raise the alarm. */
  failures: number;
  windowMs: number;
  /** How long an address that sent a correctly signed delivery counts as Webex's. */
  trustMs: number;
  /** After an alarm, how long its failures must stop before the next one raises another. */
  quietMs: number;
}

export const MISMATCH_SETTINGS: MismatchSettings = { failures: 10, windowMs: 60_000, trustMs: 60 * 60_000, quietMs: 10 * 60_000 };

interface Failing {
  windowStart: number;
  count: number;
  last: number;
  alarmed: boolean;
}

/** The reasons that mean a delivery's signature did not match a secret accepted now. */
const SIGNATURE_FAILURES: ReadonlySet<string> = new Set(['bad-signature', 'previous-secret-expired']);

/**
 * Many signature failures from an address that also sends correctly signed deliveries are not an
 * attacker's guesses but Webex signing with a secret this instance does not accept: another instance
 * registered the webhooks with a different WEBHOOK_SECRET (one rotated on one instance only, or a
 * typo), or a rotation's grace period ended before the webhooks moved. That is said once, loudly (a
 * `webhook-secret-mismatch` line and a metric), and again only after the failures stopped for a
 * while. Only addresses that sent a signed delivery are followed, so the memory is bounded by them.
 */
export class SecretMismatchAlarm {
  private readonly signedBy = new LRUCache<string, number>({ max: 256 });
  private readonly failing = new Map<string, Failing>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly settings: MismatchSettings = MISMATCH_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A delivery from `client` was signed with a secret accepted now. */
  signed(client: string): void {
    this.signedBy.set(client, this.now());
  }

  /** A delivery from `client` was refused for `reason`. */
  refused(client: string, reason: string): void {
    if (!SIGNATURE_FAILURES.has(reason)) return;
    const now = this.now();
    const signedAt = this.signedBy.get(client);
    if (signedAt === undefined || now - signedAt > this.settings.trustMs) return;
    let state = this.failing.get(client);
    if (!state || now - state.last >= this.settings.quietMs) {
      // The first failure, or the first after a quiet spell: counting starts again.
      state = { windowStart: now, count: 0, last: now, alarmed: false };
      this.prune(now);
      this.failing.set(client, state);
    }
    if (now - state.windowStart > this.settings.windowMs) Object.assign(state, { windowStart: now, count: 0 });
    state.count += 1;
    state.last = now;
    if (state.alarmed || state.count < this.settings.failures) return;
    state.alarmed = true;
    this.metrics.webhookSecretMismatches.inc();
    this.logger.warn(
      { event: 'webhook-secret-mismatch', failures: state.count, seconds: Math.round((now - state.windowStart) / 1000) },
      'Many webhook deliveries from an address that also sends correctly signed ones (Webex) fail their signature check: ' +
        'most likely another instance registered the webhooks with a different WEBHOOK_SECRET (a secret rotated on one instance only). ' +
        'Give every instance the same WEBHOOK_SECRET, WEBHOOK_SECRET_PREVIOUS and WEBHOOK_SECRET_NEXT; until then these deliveries are refused',
    );
  }

  private prune(now: number): void {
    for (const [client, state] of this.failing) if (now - state.last >= this.settings.quietMs) this.failing.delete(client);
  }
}
