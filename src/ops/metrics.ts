import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What an operator graphs: parks, retrieves, failures by reason, Webex latency, rejected webhooks. */
export class Metrics {
  readonly registry = new Registry();
  readonly parks = new Counter({ name: 'parkbot_parks_total', help: 'Park requests by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly retrieves = new Counter({ name: 'parkbot_retrieves_total', help: 'Retrieve requests by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly failures = new Counter({ name: 'parkbot_failures_total', help: 'Failed parks, retrieves and device lists (ring on) by reason', labelNames: ['action', 'reason'], registers: [this.registry] });
  readonly webexLatency = new Histogram({
    name: 'parkbot_webex_api_duration_seconds',
    help: 'Webex REST calls made with people’s tokens, by endpoint and status',
    labelNames: ['endpoint', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly webhookRejections = new Counter({
    name: 'parkbot_webhook_rejections_total',
    help: 'Webhook deliveries refused, by reason (bad-signature, no-signature, unknown-webhook, wrong-owner, previous-secret-expired, rate-limited, stale, undated, future, too-large, ...)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly webhookSignatures = new Counter({
    name: 'parkbot_webhook_signatures_total',
    help: 'Webhook deliveries accepted, by the secret that signed them (current; previous during a rotation\'s grace period; next)',
    labelNames: ['secret'],
    registers: [this.registry],
  });
  readonly webhookSecretMismatches = new Counter({
    name: 'parkbot_webhook_secret_mismatch_alarms_total',
    help: 'Times many deliveries from an address that also sends correctly signed ones (Webex) failed their signature check: likely instances with different WEBHOOK_SECRETs',
    registers: [this.registry],
  });
  readonly callEventSubscriptions = new Counter({
    name: 'parkbot_call_event_webhooks_total',
    help: "Checks of people's call-events webhooks, by outcome (kept, created, updated, removed, failed) and failure reason",
    labelNames: ['outcome', 'reason'],
    registers: [this.registry],
  });
  readonly botWebhookChecks = new Counter({
    name: 'parkbot_bot_webhook_checks_total',
    help: "Checks of the bot's own webhooks, by outcome (kept, updated, created, failed)",
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly parkedCallsClosed = new Counter({
    name: 'parkbot_parked_calls_closed_total',
    help: 'Parked calls whose life ended, by how (retrieved, rang-back, picked-up, gone, superseded, expired)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly parkedWaitSeconds = new Histogram({
    name: 'parkbot_parked_wait_seconds',
    help: 'How long parked calls waited until they were taken (retrieved or picked-up), or until they rang back, the caller hung up (gone) or the bot stopped tracking them (superseded, expired), by outcome',
    labelNames: ['outcome'],
    buckets: [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800],
    registers: [this.registry],
  });
  readonly reports = new Counter({ name: 'parkbot_reports_total', help: 'Reports shown: a space\'s (space) or a person\'s own (me)', labelNames: ['kind'], registers: [this.registry] });
  readonly chartSeconds = new Histogram({
    name: 'parkbot_report_chart_seconds',
    help: 'Time to draw a report chart to PNG',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly spacesForgotten = new Counter({
    name: 'parkbot_spaces_forgotten_total',
    help: 'Quiet spaces dropped from memory past MAX_SPACES_IN_MEMORY (rediscovered on their next event)',
    registers: [this.registry],
  });
  readonly connectionsClosed = new Counter({
    name: 'parkbot_connections_closed_total',
    help: 'Connections the server closed itself: silent too long (idle), over the per-client cap (per-client), or to make room under the total cap (total)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly linePolls = new Counter({
    name: 'parkbot_line_polls_total',
    help: 'Secondary lines asked about while a call parked from them waits (no call events come for them), by outcome: asked, recall (a recall seen), failed',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly duplicateDeliveries = new Counter({ name: 'parkbot_duplicate_deliveries_total', help: 'Webhook deliveries ignored as already seen', registers: [this.registry] });
  readonly spooledDeliveries = new Counter({
    name: 'parkbot_spooled_deliveries_total',
    help: 'Webhook deliveries kept on local disk while the database was unavailable (each replayed into the inbox once it is back)',
    registers: [this.registry],
  });
  readonly spoolUnreadable = new Gauge({
    name: 'parkbot_spool_unreadable',
    help: '1 while an entry of the delivery spool cannot be read or removed (kept deliveries wait behind it; /readyz answers 503), else 0',
    registers: [this.registry],
  });
  readonly databaseUp = new Gauge({ name: 'parkbot_database_up', help: '1 while the database can be reached and written, 0 during an outage', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parkbot_' });
  }
}
