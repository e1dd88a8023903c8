import { createHash, createHmac } from 'node:crypto';
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
import { isOldFormKey, isSelfCheckingKey, keyBelongsTo, mintCallEventsKey } from './call-events-key.js';

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
/**
 * How long this instance still takes deliveries to a person's earlier key of the old form after it
 * moved them to a new one (deliveries Webex sent just before the move); a moved key of the new form
 * needs no such memory, it checks itself.
 */
const RETIRED_KEY_MS = 10 * 60_000;
/** Part of the fingerprint: a new form of key moves everyone's webhooks once. */
const KEY_FORM = 'self-checking keys';

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
  /** The secrets deliveries may be signed with now (WebhookSecrets.acceptedNow): a key's tag may be made under any. */
  acceptedSecrets?: () => string[];
  /**
   * The person's subscription, failing at once (DatabaseUnavailableError) rather than waiting when the
   * database is away: a delivery is answered now, not when the database is back.
   */
  subscriptionNow?: (personId: string) => Promise<CallEventSubscription | undefined>;
}

/** What one check cost and found. */
export interface CheckResult {
  /** Requests made to Webex. */
  requests: number;
  /** Webex was failing (5xx, 429, no answer): nothing was recorded, and the check is due again. */
  passing?: WebexApiError;
}

/**
 * Whether a delivery whose signature matched came from the person its address was given to:
 * `someone-else` (another person's events, or a forged `createdBy`), `unlinked` (the address was
 * theirs, but they have unlinked since), or `unchecked` (the database is away: the address says it is
 * theirs, and whether they are still linked is checked when the event is acted on).
 */
export type Ownership = 'owner' | 'unchecked' | 'someone-else' | 'unlinked';

/** What the call-events route needs to check a delivery made to `/webhook/calls/<key>`. */
export interface CallEventsSender {
  /** The person's secret derived from a webhook secret: WEBHOOK_SECRET, or during a rotation another accepted one. */
  deriveSecret: (webhookSecret: string) => string;
  /** Called with a signed delivery's `createdBy`. Throws when that cannot be told now. */
  ownership: (createdBy: string) => Promise<Ownership>;
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
  /** Whose webhook each key of the old form is, as last read: deliveries are still checked while the database is away. */
  private readonly owners = new Map<string, string>();
  /** Old-form keys this instance moved people from, and until when their deliveries are still taken. */
  private readonly retired = new Map<string, { personId: string; until: number }>();
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
    const subscription = await this.store.openSubscription(personId, mintCallEventsKey(this.settings.webhookSecret, personId));
    if (!isSelfCheckingKey(subscription.key)) this.owners.set(subscription.key, personId);
    // A key of the old form, or tagged under a secret being retired: the person gets a new address.
    const rekey = !keyBelongsTo(subscription.key, personId, [this.settings.webhookSecret]);
    const madeForOthers = rekey || (subscription.fingerprint !== undefined && subscription.fingerprint !== this.fingerprint);
    if (!madeForOthers && unlessCheckedAfter !== undefined && (subscription.checkedAt ?? 0) >= unlessCheckedAfter) return { requests: 0 };
    if (!(await this.store.leaseSubscription(personId, this.now(), CHECK_LEASE_MS))) return { requests: 0 };
    const key = rekey ? mintCallEventsKey(this.settings.webhookSecret, personId) : subscription.key;
    const settings = this.settingsFor(key);
    let requests = 0;
    const counted = countingRequests(this.webhooks, () => (requests += 1));
    try {
      const { webhookId, outcome } = await this.vault.withToken(personId, (token) => this.reconcile(counted, token, subscription, settings));
      // Recorded only once Webex sends to the new address: until then the old one is the person's.
      await this.store.recordSubscription(personId, { ...(rekey ? { key } : {}), webhookId, status: 'active', fingerprint: this.fingerprint, checkedAt: this.now() });
      if (rekey) this.retire(subscription.key, personId);
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
    for (const [key, retired] of this.retired) if (retired.personId === personId) this.retired.delete(key);
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

  /**
   * Who a delivery to `/webhook/calls/<key>` must come from, and the secret it must be signed with;
   * undefined for an address no one was given. A key of the current form is checked from
   * configuration alone (see call-events-key.ts), so a delivery to it is taken, and kept on disk, even
   * when the database is away and this instance has just started; one of the old form only through the
   * database, or what this instance last read of it. Throws when that cannot be told now.
   */
  async senderFor(key: string): Promise<CallEventsSender | undefined> {
    const deriveSecret = (webhookSecret: string): string => personalSecret(webhookSecret, key);
    if (isSelfCheckingKey(key)) return { deriveSecret, ownership: (createdBy) => this.ownershipByTag(key, createdBy) };
    if (!isOldFormKey(key)) return undefined;
    const personId = await this.oldFormOwner(key);
    return personId ? { deriveSecret, ownership: async (createdBy) => (createdBy === personId ? 'owner' : 'someone-else') } : undefined;
  }

  private async ownershipByTag(key: string, createdBy: string): Promise<Ownership> {
    if (!keyBelongsTo(key, createdBy, this.settings.acceptedSecrets?.() ?? [this.settings.webhookSecret])) return 'someone-else';
    try {
      // Any of the person's keys tagged under an accepted secret: the one recorded, one being moved to, one moved from.
      return (await (this.settings.subscriptionNow ?? ((id) => this.store.subscription(id)))(createdBy)) ? 'owner' : 'unlinked';
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) return 'unchecked';
      throw error;
    }
  }

  private async oldFormOwner(key: string): Promise<string | undefined> {
    let personId: string | undefined;
    try {
      personId = (await this.store.subscriptionByKey(key))?.personId;
    } catch (error) {
      // The database is away: a key this instance has seen stands, so the delivery can be kept for later.
      personId = error instanceof DatabaseUnavailableError ? (this.owners.get(key) ?? this.retiredOwner(key)) : undefined;
      if (!personId) throw error;
      return personId;
    }
    if (personId) this.owners.set(key, personId);
    else this.owners.delete(key);
    return personId ?? this.retiredOwner(key);
  }

  private retire(key: string, personId: string): void {
    this.owners.delete(key);
    if (isSelfCheckingKey(key)) return;
    const now = this.now();
    for (const [old, { until }] of this.retired) if (until <= now) this.retired.delete(old);
    this.retired.set(key, { personId, until: now + RETIRED_KEY_MS });
  }

  private retiredOwner(key: string): string | undefined {
    const retired = this.retired.get(key);
    return retired && retired.until > this.now() ? retired.personId : undefined;
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
   * Changes when every person's webhook target URL or secret does (a new PUBLIC_URL or WEBHOOK_SECRET,
   * or a new form of key):
   * people whose webhooks were made for another are moved first, within a rotation's grace period.
   */
  get fingerprint(): string {
    return createHash('sha256').update(`${this.settings.publicUrl}${CALL_EVENTS_PATH}\n${this.settings.webhookSecret}\n${KEY_FORM}`).digest('hex').slice(0, 16);
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
