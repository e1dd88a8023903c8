import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { request } from 'undici';
import { preciseNow } from './clock.js';
import type { SimEvent, SimOrg } from './org.js';
import type { SimDelivery, SimWebhook } from './model.js';

/** `all` covers messages, memberships and rooms, but never card submissions, as on Webex. */
const FIREHOSE_RESOURCES = new Set(['messages', 'memberships', 'rooms']);

function matches(webhook: SimWebhook, event: SimEvent): boolean {
  if (webhook.status !== 'active') return false;
  const resourceMatches = webhook.resource === event.resource || (webhook.resource === 'all' && FIREHOSE_RESOURCES.has(event.resource));
  const eventMatches = webhook.event === 'all' || webhook.event === event.event;
  if (!resourceMatches || !eventMatches || !event.audience.includes(webhook.createdBy)) return false;
  if (!webhook.filter) return true;
  return webhook.filter.split('&').every((clause) => {
    const [key = '', value = ''] = clause.split('=');
    const actual = event.data[key];
    return typeof actual === 'string' && actual === decodeURIComponent(value);
  });
}

/** Waits before each further try of a delivery that failed (Webex retries; its schedule is not published). */
const RETRY_DELAYS_MS = [200, 400, 800];
/** A delivery the receiver has not answered in this long has failed. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** A webhook whose deliveries fail this many events in a row is disabled, as Webex does. */
const DISABLE_AFTER_FAILED_EVENTS = 20;

/**
 * Sends each event to every matching webhook's `targetUrl`, over real HTTP, signed with the
 * webhook's secret (`X-Spark-Signature`, hex HMAC-SHA1 of the exact body sent). A delivery that is not
 * answered 2xx is tried again a few times; a webhook that keeps failing is turned `inactive`.
 */
export class WebhookDispatcher extends EventEmitter<{ sending: [SimDelivery] }> {
  readonly deliveries: SimDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly failedInARow = new Map<string, number>();
  /** Webex delivers at least once: when set, every event goes out twice, as retries and races do. */
  deliverTwice = false;
  /** When set, each delivery waits up to this long (at random) before it goes out: deliveries arrive late and out of order. */
  jitterMs = 0;

  constructor(org: SimOrg) {
    super();
    org.on('event', (event) => {
      for (const webhook of org.webhooks.values()) {
        if (!matches(webhook, event)) continue;
        this.track(this.deliverWithRetries(webhook, event));
        if (this.deliverTwice) this.track(this.deliverWithRetries(webhook, event));
      }
    });
  }

  /** Resolves once every delivery started so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliverWithRetries(webhook: SimWebhook, event: SimEvent): Promise<void> {
    if (this.jitterMs) await new Promise((resolve) => setTimeout(resolve, Math.random() * this.jitterMs));
    for (let attempt = 0; ; attempt += 1) {
      const status = await this.deliver(webhook, event);
      if (typeof status === 'number' && status >= 200 && status < 300) {
        this.failedInARow.delete(webhook.id);
        return;
      }
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    const failures = (this.failedInARow.get(webhook.id) ?? 0) + 1;
    this.failedInARow.set(webhook.id, failures);
    if (failures >= DISABLE_AFTER_FAILED_EVENTS) webhook.status = 'inactive';
  }

  private async deliver(webhook: SimWebhook, event: SimEvent): Promise<SimDelivery['status']> {
    const { secret: _secret, ...visible } = webhook;
    const body = JSON.stringify({ ...visible, resource: event.resource, event: event.event, actorId: event.actorId, data: event.data });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.secret) headers['x-spark-signature'] = createHmac('sha1', webhook.secret).update(body).digest('hex');
    const record: SimDelivery = {
      webhookId: webhook.id,
      body,
      ...(headers['x-spark-signature'] ? { signature: headers['x-spark-signature'] } : {}),
      resource: event.resource,
      event: event.event,
      dataId: String(event.data.id),
      status: 'error',
      at: preciseNow(),
    };
    this.emit('sending', record);
    try {
      const response = await request(webhook.targetUrl, { method: 'POST', headers, body, headersTimeout: DELIVERY_TIMEOUT_MS, bodyTimeout: DELIVERY_TIMEOUT_MS });
      record.status = response.statusCode;
      await response.body.dump();
    } catch {
      record.status = 'error';
    }
    this.deliveries.push(record);
    return record.status;
  }
}
