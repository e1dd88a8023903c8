import express, { type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import webhookHandler from 'webex-node-bot-framework/webhook';
import type { Config } from './config.js';
import { pseudonym, type Logger } from './logger.js';
import { openStore } from './storage/open-store.js';
import { WebexHttpClient } from './webex/http-client.js';
import { CallingApi } from './webex/calling-api.js';
import { IdentityApi } from './webex/identity-api.js';
import { TokenCipher } from './auth/token-cipher.js';
import { TokenVault } from './auth/token-vault.js';
import { LinkFlow } from './auth/link-flow.js';
import { createFramework, startFramework } from './bot/framework.js';
import { limitSpacesInMemory } from './bot/spaces-in-memory.js';
import { withReadsChecked } from './bot/framework-reads.js';
import { RecentCalls } from './calls/recent-calls.js';
import { CallView } from './calls/call-view.js';
import { PersonLines } from './calls/lines.js';
import { LineWatch } from './calls/line-watch.js';
import { registerHandlers } from './bot/router.js';
import { EventIntake } from './bot/event-intake.js';
import { webhookRoute } from './http/webhook-route.js';
import { signBody } from './http/verify-signature.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { opsRoutes } from './http/ops-routes.js';
import { Metrics } from './ops/metrics.js';
import { InFlight } from './ops/in-flight.js';
import type { RetryPolicy } from './webex/retry-policy.js';
import { MessagingApi } from './webex/messaging-api.js';
import { WebhooksApi } from './webex/webhooks-api.js';
import { CardBoard } from './bot/card-board.js';
import { CallEventSubscriptions } from './webhooks/call-event-subscriptions.js';
import { BotWebhooks } from './webhooks/bot-webhooks.js';
import { WebhookSecrets } from './webhooks/webhook-secrets.js';
import { callEventsRoute } from './http/call-events-route.js';
import { RefusedDeliveries } from './http/refused-deliveries.js';
import { onlyHosts } from './http/only-hosts.js';
import { defaultTotalConnections, limitConnections } from './http/connection-limits.js';
import { handleCallEvent } from './bot/handlers/call-event.js';
import { resumePendingPark } from './bot/handlers/park.js';
import { startBackgroundJobs } from './bot/background-jobs.js';
import type { BotServices } from './bot/context.js';
import { DatabaseGate } from './storage/database-gate.js';
import { DeliverySpool } from './storage/delivery-spool.js';
import { Upkeep } from './webhooks/upkeep.js';

export interface ParkBot {
  /** Where the HTTP server listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops taking events, lets work in flight finish (bounded), then closes the server and database. */
  stop(): Promise<void>;
}

export interface ParkBotOptions {
  retryPolicy?: RetryPolicy;
  /** More routes on the bot's server: the playground's, in playground mode only. */
  routes?: Router;
  /** How long a shutdown waits for parks and retrieves already under way. */
  drainTimeoutMs?: number;
  /** The address to listen on; every interface when unset. */
  host?: string;
  /** Answer only requests whose Host header names one of these (port aside); any Host when unset. */
  allowedHosts?: string[];
}

/** An event whose processing died this many times (with its instance) is given up, not retried forever. */
const MAX_EVENT_ATTEMPTS = 3;
/** A refresh token ending within this is renewed by upkeep (Webex's last 90 days). */
const REFRESH_MARGIN_MS = 14 * 24 * 60 * 60_000;
/** Generous enough for a whole office behind one NAT address linking at once. */
const OAUTH_REQUESTS_PER_MINUTE = 300;

/** Every error answer is JSON with a reason a caller can act on: never a stack trace or a file path. */
function jsonErrors(logger: Logger): express.ErrorRequestHandler {
  const reasons: Record<string, string> = {
    'entity.too.large': 'The request body is too large',
    'encoding.unsupported': 'The request body is in an encoding this server does not accept',
    'entity.parse.failed': 'The request body is not valid JSON',
    'request.aborted': 'The request was cut off before its body arrived',
  };
  return (error: unknown, _req, res, _next) => {
    const { status, type } = error as { status?: unknown; type?: unknown };
    const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    if (code >= 500) logger.error({ event: 'http-error', error: error instanceof Error ? error.message : 'unknown' }, 'A request failed');
    const reason = (typeof type === 'string' && reasons[type]) || (code < 500 ? 'The request could not be read' : 'Something went wrong on our side');
    if (!res.headersSent) res.status(code).json({ error: reason });
  };
}

/** Builds every part from the configuration, starts the HTTP server, then the framework. */
export async function startParkBot(config: Config, logger: Logger, options: ParkBotOptions = {}): Promise<ParkBot> {
  const startedAt = Date.now();
  const metrics = new Metrics();
  const inFlight = new InFlight();
  const database = await openStore(config.database, logger);
  // Everything goes through the gate: work meeting a database outage waits for it to come back.
  const gate = new DatabaseGate(database, logger);
  const store = gate.store;
  metrics.databaseUp.set(1);
  gate.on('down', () => metrics.databaseUp.set(0));
  gate.on('up', () => metrics.databaseUp.set(1));
  // One file per instance (named by its port) where deliveries wait while the database is away.
  const spool = new DeliverySpool(config.spoolDir, `inbox-${config.port}`, (deliveries) =>
    logger.info({ event: 'spool-replayed', deliveries }, 'Put the deliveries kept during the outage into the inbox'),
  );
  const leftOver = await spool.open();
  if (leftOver) logger.warn({ event: 'spool-found', deliveries: leftOver }, 'Deliveries kept during an earlier outage are replayed now');
  const http = new WebexHttpClient(config.webexApiUrl, logger, options.retryPolicy, (endpoint, status, seconds) =>
    metrics.webexLatency.observe({ endpoint, status }, seconds),
  );
  const calling = new CallingApi(http);
  const identity = new IdentityApi(http, config.oauth);
  const vault = new TokenVault(store, new TokenCipher(config.tokenEncryptionKey, config.tokenReadOnlyKeys), identity, logger);
  const secrets = new WebhookSecrets({ current: config.webhookSecret, ...config.webhookSecretRotation }, (signedWith) => metrics.webhookSignatures.inc({ secret: signedWith }));
  await secrets.startGrace(store, logger);
  const linkFlow = new LinkFlow(
    { publicUrl: config.publicUrl, webexApiUrl: config.webexApiUrl, clientId: config.oauth.clientId, redirectUri: config.oauth.redirectUri },
    store,
    identity,
    vault,
    logger,
  );

  const webhooksApi = new WebhooksApi(http);
  const botWebhooks = new BotWebhooks(webhooksApi, config.botToken, store, metrics, logger);
  // Call events this instance may have missed: before it started, and while the database was away (deliveries waited on disk).
  const callView = new CallView({ store, calling, trustedSince: () => Math.max(startedAt, gate.upSince) });
  const subscriptions = new CallEventSubscriptions(
    {
      publicUrl: config.publicUrl,
      webhookSecret: config.webhookSecret,
      checkEveryMs: config.webhookCheckMs,
      onRemade: (personId) => callView.distrust(personId),
      acceptedSecrets: () => secrets.acceptedNow(),
      // A delivery is answered now: during an outage this fails at once instead of waiting for the database.
      subscriptionNow: (personId) => gate.run('subscription', () => database.subscription(personId), false),
    },
    store,
    vault,
    webhooksApi,
    metrics,
    logger,
  );
  const messaging = new MessagingApi(http, config.botToken);
  const board = new CardBoard(messaging, store, metrics, logger);
  const lines = new PersonLines({ calling, cache: store });
  const services: BotServices = { calling, identity, vault, store, linkFlow, logger, metrics, board, subscriptions, members: messaging, messaging, recentCalls: new RecentCalls(), callView, lines };

  const framework = createFramework(config);
  const handleWebhook = webhookHandler(framework);
  const intake = new EventIntake(
    {
      framework: (request) => withReadsChecked(() => handleWebhook(request)),
      callEvent: (delivery, key) => handleCallEvent(services, delivery, logger.child({ eventKey: pseudonym(key) })),
    },
    store,
    metrics,
    inFlight,
    logger,
    { leaseMs: config.eventLeaseMs, maxAttempts: MAX_EVENT_ATTEMPTS },
    (json) => signBody(json, config.webhookSecret),
    { gate, spool },
  );
  registerHandlers(framework, services, intake);
  limitSpacesInMemory(framework, config.maxSpacesInMemory, (count) => metrics.spacesForgotten.inc(count));

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  if (options.allowedHosts) app.use(onlyHosts(options.allowedHosts));
  // Refused deliveries are counted, logged in aggregate, and limited per client (only those not correctly signed).
  const refusals = new RefusedDeliveries(metrics, logger);
  app.use(webhookRoute(secrets, intake, refusals, logger));
  app.use(callEventsRoute((key) => subscriptions.senderFor(key), secrets, intake, refusals, logger));
  app.use('/oauth', rateLimit({ windowMs: 60_000, limit: OAUTH_REQUESTS_PER_MINUTE, standardHeaders: 'draft-7', legacyHeaders: false }));
  app.use(
    oauthRoutes(linkFlow, logger, (personId, stateId) => {
      // Tracked like the rest, so a shutdown waits for it instead of leaving the webhook half made.
      void inFlight.track(subscriptions.ensure(personId).catch(() => logger.warn({ event: 'call-events-webhook-failed' }, 'Could not check a call events webhook')));
      // Her lines are read now, so that her parks need not ask Webex for them (a new link may grant what the old did not).
      void inFlight.track(
        vault
          .withToken(personId, (token) => lines.read(personId, token))
          .catch((error: unknown) => logger.warn({ event: 'lines-read-failed', error: error instanceof Error ? error.message : 'unknown' }, "Could not read a person's secondary lines")),
      );
      void inFlight.track(
        messaging
          .post({ toPersonId: personId, markdown: 'Your Webex account is linked. Type `park` during a call to park it, or `help` to see everything I can do.' })
          .then(() => resumePendingPark(services, personId, stateId))
          .catch((error: unknown) => logger.warn({ event: 'after-link-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Could not finish what came after a link')),
      );
    }),
  );
  app.use(
    opsRoutes(
      { database: () => store.ping(), framework: () => intake.isOpen, spool: () => (spool.fault ? 'unreadable' : 'ok'), webhooks: () => botWebhooks.health },
      metrics,
      config.metricsToken,
    ),
  );
  if (options.routes) app.use(options.routes);
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  app.use(jsonErrors(logger));

  // A client that sends its request slowly is cut off rather than holding a connection open; Node
  // looks for such requests every `connectionsCheckingInterval`, which is set here to match. A
  // connection that sends nothing at all, and crowds of connections, are limitConnections' part.
  const headersTimeout = Math.min(config.requestTimeoutMs, 10_000);
  const server: Server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.min(config.requestTimeoutMs / 2, 5_000),
    },
    app,
  );
  const trustedProxy = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  const connections = { perClient: config.connections.perClient, total: config.connections.total ?? defaultTotalConnections(), idleMs: headersTimeout };
  limitConnections(server, connections, (address) => trustedProxy(address, 0), (reason) => metrics.connectionsClosed.inc({ reason }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  logger.info(
    { event: 'http-listening', port, host: options.host ?? 'all interfaces', maxConnections: connections.total, maxConnectionsPerClient: connections.perClient, idleSeconds: connections.idleMs / 1000 },
    'HTTP server listening',
  );

  try {
    await startFramework(framework, botWebhooks, messaging);
  } catch (error) {
    server.close();
    await store.close();
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`could not connect the bot to Webex at ${config.webexApiUrl} (check WEBEX_BOT_TOKEN and WEBEX_API_URL): ${reason}`);
  }
  intake.open(framework.person.id);
  const jobs = startBackgroundJobs(services, { botWebhooks }, { ...config.parkedCalls, webhookCheckMs: config.webhookCheckMs });
  const upkeep = new Upkeep(
    subscriptions,
    vault,
    store,
    { checkEveryMs: config.webhookCheckMs, requestsPerMinute: config.upkeepRequestsPerMinute, refreshMarginMs: REFRESH_MARGIN_MS },
    logger,
    Date.now,
    {
      lineWatch: new LineWatch({
        store,
        calling,
        vault,
        recentCalls: services.recentCalls,
        show: (call) => board.showRingEnd(call),
        count: (outcome) => metrics.linePolls.inc({ outcome }),
        logger,
        pollMs: config.linePollMs,
      }),
      lines: { refresh: (personId, readBeforeMs) => lines.refresh(personId, readBeforeMs, (id, action) => vault.withToken(id, action)) },
    },
  );
  upkeep.start();
  logger.info({ event: 'bot-ready', bot: framework.person.displayName, webhook: `${config.publicUrl}/webhook` }, 'Park bot is ready');

  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      intake.close();
      jobs.stop();
      upkeep.stop();
      const drained = await inFlight.drain(options.drainTimeoutMs ?? 10_000);
      logger.info({ event: 'drained', complete: drained, unfinished: inFlight.size }, 'Work in flight finished');
      // framework.stop() is not called: it deletes the bot's webhooks, which other instances share.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      refusals.stop();
      gate.close();
      await spool.close();
      await store.close();
    },
  };
}
