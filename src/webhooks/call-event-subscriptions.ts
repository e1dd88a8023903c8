import { createHash, createHmac, randomBytes } from 'node:crypto';
import { NotLinkedError } from '../auth/errors.js';
import { WebexApiError, isPassing } from '../webex/errors.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { WebhooksApi, WebhookSettings } from '../webex/webhooks-api.js';
import { reconcileWebhook, type ReconcileOutcome } from './reconcile.js';
import type { Webhook } from '../webex/schemas.js';
import type { CallEventSubscription, Store } from '../storage/store.js';
import type { Metrics } from '../ops/metrics.js';
import type { Logger } from '../logger.js';
import { DatabaseUnavailableError } from '../storage/database-gate.js';

export const CALL_EVENTS_WEBHOOK_NAME = 'Park Bot call events';
export const CALL_EVENTS_PATH = '/webhook/calls';
/**
 * Rings (new calls, and parked calls ringing back) arrive as `created`, answers as `updated`, calls
 * ending (a retrieve declined or not answered) as `deleted`; the subset's webhook events have no
 * `all`, so each is its own webhook.
 */
const SUBSCRIBED_EVENTS = ['created', 'updated', 'deleted'] as const;
const storedIds = (subscription: CallEventSubscription): string[] => subscription.webhookId?.split(',') ?? [];

/** How long one instance may take over checking one person's webhook. */
const CHECK_LEASE_MS = 30_000;

export interface SubscriptionSettings {
  publicUrl: string;
  /** Each person's webhook secret is derived from this and their webhook's key. */
  webhookSecret: string;
  /** How often a person's webhooks are checked; events they deliver count as a check. */
  checkEveryMs?: number;
  /**
   * A person's webhooks were made again or turned back on (Webex turns off one whose deliveries keep
   * failing): their events may have gone unheard until now.
   */
  onRemade?: (personId: string) => Promise<void>;
}

/** What one check cost and found. */
export interface CheckResult {
  /** Requests made to Webex. */
  requests: number;
  /** Webex was failing (5xx, 429, no answer): nothing was recorded, and the check is due again. */
  passing?: WebexApiError;
}

/** What the call-events route needs to check a delivery made to `/webhook/calls/<key>`. */
export interface CallEventsSender {
  personId: string;
  /** The person's secret derived from a webhook secret: WEBHOOK_SECRET, or during a rotation another accepted one. */
  deriveSecret: (webhookSecret: string) => string;
}

/** A person's own webhook secret: derived from the bot's webhook secret and their webhook's key. */
export function personalSecret(webhookSecret: string, key: string): string {
  return createHmac('sha256', webhookSecret).update(`telephony_calls:${key}`).digest('hex');
}

/**
 * Each linked person's `telephony_calls` webhook, made with their own token (Webex tells a webhook
 * only about its creator's calls). One per person whatever the number of instances: the store hands
 * every instance the same key and lets one at a time talk to Webex about it. A failure is recorded,
 * logged and counted, and never stands in the way of parking or retrieving.
 */
export class CallEventSubscriptions {
  /** Whose webhook each key is, as last read: deliveries are still checked while the database is away. */
  private readonly owners = new Map<string, string>();
  /** When each person's webhooks last delivered each subscribed event here, and when that was recorded. */
  private readonly delivered = new Map<string, { events: Map<string, number>; recorded: number }>();

  constructor(
    private readonly settings: SubscriptionSettings,
    private readonly store: Store,
    private readonly vault: TokenVault,
    private readonly webhooks: WebhooksApi,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The person's webhooks exist, point here, are signed with their secret and are on. With
   * `unlessCheckedAfter`, a person someone else checked since then is left alone.
   */
  async ensure(personId: string, unlessCheckedAfter?: number): Promise<CheckResult> {
    const subscription = await this.store.openSubscription(personId, randomBytes(18).toString('base64url'));
    this.owners.set(subscription.key, personId);
    const madeForOthers = subscription.fingerprint !== undefined && subscription.fingerprint !== this.fingerprint;
    if (!madeForOthers && unlessCheckedAfter !== undefined && (subscription.checkedAt ?? 0) >= unlessCheckedAfter) return { requests: 0 };
    if (!(await this.store.leaseSubscription(personId, this.now(), CHECK_LEASE_MS))) return { requests: 0 };
    const settings = this.settingsFor(subscription.key);
    let requests = 0;
    const counted = countingRequests(this.webhooks, () => (requests += 1));
    try {
      const { webhookId, outcome } = await this.vault.withToken(personId, (token) => this.reconcile(counted, token, subscription, settings));
      await this.store.recordSubscription(personId, { webhookId, status: 'active', fingerprint: this.fingerprint, checkedAt: this.now() });
      this.metrics.callEventSubscriptions.inc({ outcome, reason: '' });
      if (outcome !== 'kept') {
        this.logger.info({ event: 'call-events-webhook', outcome }, `A person's call events webhook was ${outcome}`);
        await this.settings.onRemade?.(personId);
      }
      return { requests };
    } catch (error) {
      const reason = error instanceof NotLinkedError ? 'not-linked' : error instanceof WebexApiError ? error.kind : 'internal';
      this.metrics.callEventSubscriptions.inc({ outcome: 'failed', reason });
      if (isPassing(error)) {
        // Webex failing for now says nothing about this person's webhook: it stays as it was, due again.
        await this.store.recordSubscription(personId, {
          ...(subscription.webhookId ? { webhookId: subscription.webhookId } : {}),
          status: subscription.status,
          ...(subscription.reason ? { reason: subscription.reason } : {}),
          ...(subscription.fingerprint ? { fingerprint: subscription.fingerprint } : {}),
          ...(subscription.checkedAt !== undefined ? { checkedAt: subscription.checkedAt } : {}),
        });
        return { requests, passing: error };
      }
      await this.store.recordSubscription(personId, {
        ...(subscription.webhookId ? { webhookId: subscription.webhookId } : {}),
        status: 'failed',
        reason,
        checkedAt: this.now(),
      });
      this.logger.warn(
        { event: 'call-events-webhook-failed', reason, ...(error instanceof WebexApiError ? error.toLog() : {}) },
        "Could not register a person's call events webhook; their cards change only when someone taps them",
      );
      return { requests };
    }
  }

  /**
   * A call event from the person's webhooks arrived here: once each of them (every subscribed event)
   * has delivered lately, that is as good as a check, and the person's scheduled check is skipped (no
   * request to Webex).
   */
  async sawEvent(personId: string, event: string): Promise<void> {
    const every = this.settings.checkEveryMs;
    if (!every || !(SUBSCRIBED_EVENTS as readonly string[]).includes(event)) return;
    const now = this.now();
    const seen = this.delivered.get(personId) ?? { events: new Map<string, number>(), recorded: 0 };
    seen.events.set(event, now);
    this.delivered.set(personId, seen);
    const recent = now - every / 2;
    if (SUBSCRIBED_EVENTS.some((subscribed) => (seen.events.get(subscribed) ?? 0) < recent) || seen.recorded > recent) return;
    seen.recorded = now;
    await this.store.touchSubscription(personId, now);
  }

  /** On unlink: the webhook goes (while the token still works), then the record. */
  async remove(personId: string): Promise<void> {
    const subscription = await this.store.subscription(personId);
    if (!subscription) return;
    this.owners.delete(subscription.key);
    this.delivered.delete(personId);
    const settings = this.settingsFor(subscription.key);
    try {
      await this.vault.withToken(personId, async (token) => {
        for (const webhook of this.ours(await this.webhooks.list(token), subscription, settings)) await this.webhooks.remove(token, webhook.id);
      });
      this.metrics.callEventSubscriptions.inc({ outcome: 'removed', reason: '' });
    } catch (error) {
      this.logger.warn(
        { event: 'call-events-webhook-not-removed', ...(error instanceof WebexApiError ? error.toLog() : { error: error instanceof Error ? error.name : 'unknown' }) },
        "Could not delete a person's call events webhook; its deliveries will be refused",
      );
    }
    await this.store.deleteSubscription(personId);
  }

  /** Who a delivery to `/webhook/calls/<key>` must come from, and the secret it must be signed with. */
  async senderFor(key: string): Promise<CallEventsSender | undefined> {
    let personId: string | undefined;
    try {
      personId = (await this.store.subscriptionByKey(key))?.personId;
    } catch (error) {
      // The database is away: a key this instance has seen stands, so the delivery can be kept for later.
      personId = error instanceof DatabaseUnavailableError ? this.owners.get(key) : undefined;
      if (!personId) throw error;
      return this.sender(personId, key);
    }
    if (personId) this.owners.set(key, personId);
    else this.owners.delete(key);
    return personId ? this.sender(personId, key) : undefined;
  }

  private sender(personId: string, key: string): CallEventsSender {
    return { personId, deriveSecret: (webhookSecret) => personalSecret(webhookSecret, key) };
  }

  private async reconcile(
    webhooks: WebhooksApi,
    token: string,
    subscription: CallEventSubscription,
    settings: WebhookSettings,
  ): Promise<{ webhookId: string; outcome: ReconcileOutcome }> {
    const mine = this.ours(await webhooks.list(token), subscription, settings);
    const refresh = subscription.fingerprint !== undefined && subscription.fingerprint !== this.fingerprint;
    const kept: string[] = [];
    let outcome: ReconcileOutcome = 'kept';
    for (const event of SUBSCRIBED_EVENTS) {
      const result = await reconcileWebhook(webhooks, token, { ...settings, resource: 'telephony_calls', event }, mine.filter((webhook) => webhook.event === event), {
        refresh,
        preferIds: storedIds(subscription),
      });
      kept.push(result.webhook.id);
      if (result.outcome === 'created' || (result.outcome === 'updated' && outcome === 'kept')) outcome = result.outcome;
    }
    return { webhookId: kept.join(','), outcome };
  }

  /** This deployment's call-events webhooks among a person's: by id, or by name and address. */
  private ours(webhooks: Webhook[], subscription: CallEventSubscription, settings: WebhookSettings): Webhook[] {
    const base = `${this.settings.publicUrl}${CALL_EVENTS_PATH}/`;
    const stored = storedIds(subscription);
    return webhooks.filter(
      (webhook) => stored.includes(webhook.id) || (webhook.resource === 'telephony_calls' && webhook.name === settings.name && webhook.targetUrl.startsWith(base)),
    );
  }

  /**
   * Changes when every person's webhook target URL or secret does (a new PUBLIC_URL or WEBHOOK_SECRET):
   * people whose webhooks were made for another are moved first, within a rotation's grace period.
   */
  get fingerprint(): string {
    return createHash('sha256').update(`${this.settings.publicUrl}${CALL_EVENTS_PATH}\n${this.settings.webhookSecret}`).digest('hex').slice(0, 16);
  }

  private settingsFor(key: string): WebhookSettings {
    return { name: CALL_EVENTS_WEBHOOK_NAME, targetUrl: `${this.settings.publicUrl}${CALL_EVENTS_PATH}/${key}`, secret: this.secretFor(key) };
  }

  private secretFor(key: string): string {
    return personalSecret(this.settings.webhookSecret, key);
  }
}

/** The same API, counting each request made through it. */
function countingRequests(api: WebhooksApi, count: () => void): WebhooksApi {
  return new Proxy(api, {
    get: (target, name, receiver) => {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
