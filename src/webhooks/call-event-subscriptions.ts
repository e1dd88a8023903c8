import { createHash, createHmac, randomBytes } from 'node:crypto';
import { NotLinkedError } from '../auth/errors.js';
import { WebexApiError } from '../webex/errors.js';
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
 * Rings (new calls, and parked calls ringing back) arrive as `created`, answers as `updated`; the
 * subset's webhook events have no `all`, so each is its own webhook.
 */
const SUBSCRIBED_EVENTS = ['created', 'updated'] as const;
const storedIds = (subscription: CallEventSubscription): string[] => subscription.webhookId?.split(',') ?? [];

/** How long one instance may take over checking one person's webhook. */
const CHECK_LEASE_MS = 30_000;

export interface SubscriptionSettings {
  publicUrl: string;
  /** Each person's webhook secret is derived from this and their webhook's key. */
  webhookSecret: string;
}

/** What the call-events route needs to check a delivery made to `/webhook/calls/<key>`. */
export interface CallEventsSender {
  personId: string;
  secret: string;
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

  constructor(
    private readonly settings: SubscriptionSettings,
    private readonly store: Store,
    private readonly vault: TokenVault,
    private readonly webhooks: WebhooksApi,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The person's webhooks exist, point here, are signed with their secret and are on. */
  async ensure(personId: string): Promise<void> {
    const subscription = await this.store.openSubscription(personId, randomBytes(18).toString('base64url'));
    this.owners.set(subscription.key, personId);
    if (!(await this.store.leaseSubscription(personId, this.now(), CHECK_LEASE_MS))) return;
    const settings = this.settingsFor(subscription.key);
    try {
      const { webhookId, outcome } = await this.vault.withToken(personId, (token) => this.reconcile(token, subscription, settings));
      await this.store.recordSubscription(personId, { webhookId, status: 'active', fingerprint: fingerprint(settings), checkedAt: this.now() });
      this.metrics.callEventSubscriptions.inc({ outcome, reason: '' });
      if (outcome !== 'kept') this.logger.info({ event: 'call-events-webhook', outcome }, `A person's call events webhook was ${outcome}`);
    } catch (error) {
      const reason = error instanceof NotLinkedError ? 'not-linked' : error instanceof WebexApiError ? error.kind : 'internal';
      await this.store.recordSubscription(personId, {
        ...(subscription.webhookId ? { webhookId: subscription.webhookId } : {}),
        status: 'failed',
        reason,
        checkedAt: this.now(),
      });
      this.metrics.callEventSubscriptions.inc({ outcome: 'failed', reason });
      this.logger.warn(
        { event: 'call-events-webhook-failed', reason, ...(error instanceof WebexApiError ? error.toLog() : {}) },
        "Could not register a person's call events webhook; their cards change only when someone taps them",
      );
    }
  }

  /** On unlink: the webhook goes (while the token still works), then the record. */
  async remove(personId: string): Promise<void> {
    const subscription = await this.store.subscription(personId);
    if (!subscription) return;
    this.owners.delete(subscription.key);
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

  /** Every linked person's webhook, one after another: at start, and every few minutes. */
  async ensureAll(): Promise<void> {
    for (const personId of await this.store.linkedPersonIds()) await this.ensure(personId);
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
      return { personId, secret: this.secretFor(key) };
    }
    if (personId) this.owners.set(key, personId);
    else this.owners.delete(key);
    return personId ? { personId, secret: this.secretFor(key) } : undefined;
  }

  private async reconcile(token: string, subscription: CallEventSubscription, settings: WebhookSettings): Promise<{ webhookId: string; outcome: ReconcileOutcome }> {
    const mine = this.ours(await this.webhooks.list(token), subscription, settings);
    const refresh = subscription.fingerprint !== undefined && subscription.fingerprint !== fingerprint(settings);
    const kept: string[] = [];
    let outcome: ReconcileOutcome = 'kept';
    for (const event of SUBSCRIBED_EVENTS) {
      const result = await reconcileWebhook(this.webhooks, token, { ...settings, resource: 'telephony_calls', event }, mine.filter((webhook) => webhook.event === event), {
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

  private settingsFor(key: string): WebhookSettings {
    return { name: CALL_EVENTS_WEBHOOK_NAME, targetUrl: `${this.settings.publicUrl}${CALL_EVENTS_PATH}/${key}`, secret: this.secretFor(key) };
  }

  private secretFor(key: string): string {
    return createHmac('sha256', this.settings.webhookSecret).update(`telephony_calls:${key}`).digest('hex');
  }
}

/** Changes when the target URL or the secret does (a new PUBLIC_URL or WEBHOOK_SECRET). */
const fingerprint = (settings: WebhookSettings): string => createHash('sha256').update(`${settings.targetUrl}\n${settings.secret}`).digest('hex').slice(0, 16);
