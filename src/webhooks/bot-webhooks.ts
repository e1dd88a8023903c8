import { reconcileWebhook, type ReconcileOutcome, type WantedWebhook } from './reconcile.js';
import { WebexApiError } from '../webex/errors.js';
import type { WebhooksApi } from '../webex/webhooks-api.js';
import type { Webhook } from '../webex/schemas.js';
import type { Store } from '../storage/store.js';
import type { Metrics } from '../ops/metrics.js';
import type { Logger } from '../logger.js';

/** The webhook calls the framework makes through its Webex SDK handle. */
export interface FrameworkWebhookCalls {
  list: (...args: unknown[]) => Promise<unknown>;
  remove: (...args: unknown[]) => Promise<unknown>;
  create: (webhook: WantedWebhook) => Promise<unknown>;
}

const CHECK_LEASE = 'bot-webhooks';

export type BotWebhooksHealth = 'ok' | 'failing' | 'unknown';

/**
 * The bot's own webhooks (the messages firehose and card submits), shared by every instance. The
 * framework deletes them and makes them anew at each start (shared/webex-spec/NOTES.md), so every
 * rolling restart would leave Webex nowhere to deliver for a moment. Its webhook calls come here
 * instead: nothing is deleted, each webhook it asks for is kept if right, updated in place if its
 * address or secret may have changed or Webex disabled it, and created only if missing. Every few
 * minutes one instance checks them again.
 */
export class BotWebhooks {
  private readonly wanted = new Map<string, WantedWebhook>();
  private state: BotWebhooksHealth = 'unknown';

  constructor(
    private readonly api: WebhooksApi,
    private readonly botToken: string,
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get health(): BotWebhooksHealth {
    return this.state;
  }

  /** Takes over the framework's webhook calls; call right after `framework.start()`, before it lists them. */
  takeOver(calls: FrameworkWebhookCalls): void {
    calls.list = () => Promise.resolve({ items: [] });
    calls.remove = () => Promise.resolve();
    // At start the secret may have changed (it cannot be read back), so a webhook found is updated.
    calls.create = (asked) => {
      // A copy: the framework reuses the object it passes for its next webhook.
      const webhook = { ...asked };
      this.wanted.set(`${webhook.resource}/${webhook.event}`, webhook);
      return this.guarded(() => this.ensure(webhook, true));
    };
  }

  /** Every `intervalMs`, by one of the instances: whichever takes the lease for that interval. */
  async check(intervalMs: number): Promise<void> {
    if (this.wanted.size === 0 || !(await this.store.takeLease(CHECK_LEASE, this.now(), intervalMs * 0.9))) return;
    await this.guarded(async () => {
      for (const webhook of this.wanted.values()) await this.ensure(webhook, false);
    });
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.state = 'ok';
      return result;
    } catch (error) {
      this.state = 'failing';
      this.metrics.botWebhookChecks.inc({ outcome: 'failed' });
      this.logger.error(
        { event: 'bot-webhooks-failed', ...(error instanceof WebexApiError ? error.toLog() : { error: error instanceof Error ? error.message : 'unknown' }) },
        "Could not check the bot's webhooks with Webex",
      );
      throw error;
    }
  }

  private async ensure(wanted: WantedWebhook, refresh: boolean): Promise<Webhook> {
    const candidates = (await this.api.list(this.botToken)).filter(
      (webhook) => webhook.name === wanted.name && webhook.resource === wanted.resource && webhook.event === wanted.event,
    );
    const { webhook, outcome } = await reconcileWebhook(this.api, this.botToken, wanted, candidates, { refresh });
    this.record(wanted, outcome);
    return webhook;
  }

  private record(wanted: WantedWebhook, outcome: ReconcileOutcome): void {
    this.metrics.botWebhookChecks.inc({ outcome });
    if (outcome !== 'kept') {
      this.logger.info({ event: 'bot-webhook', outcome, resource: wanted.resource, webhookEvent: wanted.event }, `The bot's ${wanted.resource} webhook was ${outcome}`);
    }
  }
}
