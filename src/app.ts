import express, { type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Server } from 'node:http';
import type Framework from 'webex-node-bot-framework';
import webhookHandler from 'webex-node-bot-framework/webhook';
import type { Config } from './config.js';
import { pseudonym, type Logger } from './logger.js';
import { openStore } from './storage/open-store.js';
import { DatabaseGate } from './storage/database-gate.js';
import { DeliverySpool } from './storage/delivery-spool.js';
import type { Store } from './storage/store.js';
import { WebexHttpClient } from './webex/http-client.js';
import { CallingApi } from './webex/calling-api.js';
import { IdentityApi } from './webex/identity-api.js';
import { MessagingApi } from './webex/messaging-api.js';
import { WebhooksApi } from './webex/webhooks-api.js';
import type { RetryPolicy } from './webex/retry-policy.js';
import { TokenCipher } from './auth/token-cipher.js';
import { TokenVault } from './auth/token-vault.js';
import { LinkFlow } from './auth/link-flow.js';
import { RecentCalls } from './calls/recent-calls.js';
import { CallView } from './calls/call-view.js';
import { PersonLines } from './calls/lines.js';
import { LineWatch } from './calls/line-watch.js';
import { CallEventSubscriptions } from './webhooks/call-event-subscriptions.js';
import { BotWebhooks } from './webhooks/bot-webhooks.js';
import { WebhookSecrets } from './webhooks/webhook-secrets.js';
import { signBody } from './webhooks/signature.js';
import { Upkeep } from './webhooks/upkeep.js';
import { createFramework, startFramework } from './bot/framework.js';
import { limitSpacesInMemory } from './bot/spaces-in-memory.js';
import { withReadsChecked } from './bot/framework-reads.js';
import { registerHandlers } from './bot/router.js';
import { EventIntake } from './bot/event-intake.js';
import { CardBoard } from './bot/card-board.js';
import { handleCallEvent } from './bot/handlers/call-event.js';
import { resumePendingPark } from './bot/handlers/park.js';
import { startBackgroundJobs } from './bot/background-jobs.js';
import type { BotServices } from './bot/context.js';
import { webhookRoute } from './http/webhook-route.js';
import { callEventsRoute } from './http/call-events-route.js';
import { RefusedDeliveries } from './http/refused-deliveries.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { opsRoutes } from './http/ops-routes.js';
import { onlyHosts } from './http/only-hosts.js';
import { jsonErrors, notFound } from './http/json-errors.js';
import { listen } from './http/listen.js';
import { Metrics } from './ops/metrics.js';
import { InFlight } from './ops/in-flight.js';

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
/** How long a shutdown waits for work under way, unless the caller says otherwise. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The composition root. A delivery arrives over HTTP, is checked and kept by the event intake, and
 * is handled by the framework's handlers, which use the services, which use Webex and storage. The
 * parts are built from the bottom of that path up, each step from what the steps before it made;
 * then the server listens, the bot connects to Webex, and the intake opens. {@link stopParkBot}
 * takes it all down again, in one place.
 */
export async function startParkBot(config: Config, logger: Logger, options: ParkBotOptions = {}): Promise<ParkBot> {
  const instance: Instance = { startedAt: Date.now(), logger, metrics: new Metrics(), inFlight: new InFlight() };
  const storage = await openStorage(config, instance);
  const webex = webexClients(config, instance, options.retryPolicy);
  const services = await buildServices(config, storage, webex, instance);
  const events = buildEventIntake(config, storage, services.bot, instance);
  const { app, refusals } = buildHttpApp(config, options, storage, services, events.intake, instance);
  const { server, port } = await listen(app, { ...config, host: options.host }, instance.metrics, logger);
  const opened: Opened = { instance, storage, server, refusals };
  const timers = await connectToWebex(config, services, events, () => closeServerAndStorage(opened));
  const running: Running = { ...opened, intake: events.intake, timers };
  return { url: `http://127.0.0.1:${port}`, stop: () => stopParkBot(running, options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS) };
}

/** What belongs to this running instance as a whole: when it started, its logs and metrics, and the work a shutdown waits for. */
interface Instance {
  startedAt: number;
  logger: Logger;
  metrics: Metrics;
  inFlight: InFlight;
}

interface Storage {
  /** The database itself, for the few reads that must fail at once during an outage rather than wait. */
  database: Store;
  gate: DatabaseGate;
  /** The database behind the gate: what every part uses. */
  store: Store;
  spool: DeliverySpool;
}

/** The database, behind a gate that holds work through an outage, and the spool where deliveries wait meanwhile. */
async function openStorage(config: Config, { logger, metrics }: Instance): Promise<Storage> {
  const database = await openStore(config.database, logger);
  const gate = new DatabaseGate(database, logger);
  metrics.databaseUp.set(1);
  gate.on('down', () => metrics.databaseUp.set(0));
  gate.on('up', () => metrics.databaseUp.set(1));
  // One file per instance (named by its port) where deliveries wait while the database is away.
  const spool = new DeliverySpool(config.spoolDir, `inbox-${config.port}`, (deliveries) =>
    logger.info({ event: 'spool-replayed', deliveries }, 'Put the deliveries kept during the outage into the inbox'),
  );
  const leftOver = await spool.open();
  if (leftOver) logger.warn({ event: 'spool-found', deliveries: leftOver }, 'Deliveries kept during an earlier outage are replayed now');
  return { database, gate, store: gate.store, spool };
}

interface WebexClients {
  calling: CallingApi;
  identity: IdentityApi;
  messaging: MessagingApi;
  webhooks: WebhooksApi;
}

/** One HTTP client to Webex (timed into the metrics), and the APIs over it; messages and the bot's webhooks go as the bot. */
function webexClients(config: Config, { logger, metrics }: Instance, retryPolicy?: RetryPolicy): WebexClients {
  const http = new WebexHttpClient(config.webexApiUrl, logger, retryPolicy, (endpoint, status, seconds) => metrics.webexLatency.observe({ endpoint, status }, seconds));
  return { calling: new CallingApi(http), identity: new IdentityApi(http, config.oauth), messaging: new MessagingApi(http, config.botToken), webhooks: new WebhooksApi(http) };
}

interface Services {
  /** What the handlers use. */
  bot: BotServices;
  secrets: WebhookSecrets;
  botWebhooks: BotWebhooks;
}

/** People's tokens and links, the webhook secrets and webhooks, the calls as Webex last told them, and the cards that show them. */
async function buildServices(config: Config, { database, gate, store }: Storage, webex: WebexClients, { startedAt, logger, metrics }: Instance): Promise<Services> {
  const { calling, identity, messaging } = webex;
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
  const botWebhooks = new BotWebhooks(webex.webhooks, config.botToken, store, metrics, logger);
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
    webex.webhooks,
    metrics,
    logger,
  );
  const board = new CardBoard(messaging, store, metrics, logger);
  const lines = new PersonLines({ calling, cache: store });
  const report = { ...config.report, recordsRetentionMs: config.parkedCalls.retentionMs };
  const bot: BotServices = { calling, identity, vault, store, linkFlow, logger, metrics, board, subscriptions, members: messaging, messaging, recentCalls: new RecentCalls(), callView, lines, report };
  return { bot, secrets, botWebhooks };
}

/**
 * The framework with the bot's handlers registered, behind the event intake that keeps each
 * delivery in the store (or the spool) before it is handled, and hands it to the framework, or, for
 * a person's call event, to the call-event handler.
 */
function buildEventIntake(config: Config, { gate, store, spool }: Storage, services: BotServices, { logger, metrics, inFlight }: Instance): { framework: Framework; intake: EventIntake } {
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
  return { framework, intake };
}

/** The routes, in the order a request meets them: deliveries, the OAuth link, health and metrics, then anything extra. */
function buildHttpApp(config: Config, options: ParkBotOptions, { store, spool }: Storage, services: Services, intake: EventIntake, instance: Instance): { app: express.Express; refusals: RefusedDeliveries } {
  const { logger, metrics } = instance;
  const { secrets, botWebhooks, bot } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  if (options.allowedHosts) app.use(onlyHosts(options.allowedHosts));
  // Refused deliveries are counted, logged in aggregate, and limited per client (only those not correctly signed).
  const refusals = new RefusedDeliveries(metrics, logger);
  app.use(webhookRoute(secrets, intake, refusals, logger));
  app.use(callEventsRoute((key) => bot.subscriptions.senderFor(key), secrets, intake, refusals, logger));
  app.use('/oauth', rateLimit({ windowMs: 60_000, limit: OAUTH_REQUESTS_PER_MINUTE, standardHeaders: 'draft-7', legacyHeaders: false }));
  app.use(oauthRoutes(bot.linkFlow, logger, afterLink(bot, instance.inFlight)));
  const readiness = { database: () => store.ping(), framework: () => intake.isOpen, spool: () => (spool.fault ? 'unreadable' : 'ok'), webhooks: () => botWebhooks.health };
  app.use(opsRoutes(readiness, metrics, config.metricsToken));
  if (options.routes) app.use(options.routes);
  app.use(notFound);
  app.use(jsonErrors(logger));
  return { app, refusals };
}

/** Asks about the secondary lines calls wait from (no events come for them), within upkeep's budget. */
function lineWatchOf(config: Config, bot: BotServices): LineWatch {
  return new LineWatch({
    store: bot.store,
    calling: bot.calling,
    vault: bot.vault,
    recentCalls: bot.recentCalls,
    show: (call) => bot.board.showRingEnd(call),
    count: (outcome) => bot.metrics.linePolls.inc({ outcome }),
    logger: bot.logger,
    pollMs: config.linePollMs,
  });
}

/** Once a person has linked: their call-events webhook is made, their lines read, they are told, and a park they asked for before linking goes ahead. */
function afterLink(services: BotServices, inFlight: InFlight): (personId: string, stateId: string) => void {
  const { subscriptions, messaging, logger } = services;
  return (personId, stateId) => {
    // Tracked like the rest, so a shutdown waits for it instead of leaving the webhook half made.
    void inFlight.track(subscriptions.ensure(personId).catch(() => logger.warn({ event: 'call-events-webhook-failed' }, 'Could not check a call events webhook')));
    // Her lines are read now, so that her parks need not ask Webex for them (a new link may grant what the old did not).
    void inFlight.track(
      services.vault
        .withToken(personId, (token) => services.lines.read(personId, token))
        .catch((error: unknown) => logger.warn({ event: 'lines-read-failed', error: error instanceof Error ? error.message : 'unknown' }, "Could not read a person's secondary lines")),
    );
    void inFlight.track(
      messaging
        .post({ toPersonId: personId, markdown: 'Your Webex account is linked. Type `park` during a call to park it, or `help` to see everything I can do.' })
        .then(() => resumePendingPark(services, personId, stateId))
        .catch((error: unknown) => logger.warn({ event: 'after-link-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Could not finish what came after a link')),
    );
  };
}

/**
 * Connects the framework to Webex (its identity, its two webhooks), then opens the intake and starts
 * the bot's own work. A bot that cannot connect closes what it opened and says why, in one line.
 */
async function connectToWebex(
  config: Config,
  { bot, botWebhooks }: Services,
  { framework, intake }: { framework: Framework; intake: EventIntake },
  closeOpened: () => Promise<void>,
): Promise<Stoppable[]> {
  try {
    await startFramework(framework, botWebhooks, bot.messaging);
  } catch (error) {
    await closeOpened();
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`could not connect the bot to Webex at ${config.webexApiUrl} (check WEBEX_BOT_TOKEN and WEBEX_API_URL): ${reason}`);
  }
  intake.open(framework.person.id);
  const jobs = startBackgroundJobs(bot, { botWebhooks }, { ...config.parkedCalls, reportRetentionMs: config.report.retentionMs, webhookCheckMs: config.webhookCheckMs });
  const upkeep = new Upkeep(
    bot.subscriptions,
    bot.vault,
    bot.store,
    { checkEveryMs: config.webhookCheckMs, requestsPerMinute: config.upkeepRequestsPerMinute, refreshMarginMs: REFRESH_MARGIN_MS },
    bot.logger,
    Date.now,
    { lineWatch: lineWatchOf(config, bot), lines: { refresh: (personId, readBeforeMs) => bot.lines.refresh(personId, readBeforeMs, (id, action) => bot.vault.withToken(id, action)) } },
  );
  upkeep.start();
  bot.logger.info({ event: 'bot-ready', bot: framework.person.displayName, webhook: `${config.publicUrl}/webhook` }, 'Park bot is ready');
  return [jobs, upkeep];
}

/** What was opened before the bot connected to Webex. */
interface Opened {
  instance: Instance;
  storage: Storage;
  server: Server;
  refusals: RefusedDeliveries;
}

type Stoppable = { stop(): void };

/** What {@link stopParkBot} takes down. */
interface Running extends Opened {
  intake: EventIntake;
  /** The bot's own work on timers: housekeeping and the bot's webhook checks, and upkeep. */
  timers: Stoppable[];
}

/**
 * The stop sequence, in the order that loses nothing:
 * 1. No new work: the intake answers deliveries 503 (Webex sends them to another instance, or
 *    later), and the bot's timers stop.
 * 2. Work under way finishes (bounded), with the server, Webex and storage all still there for it.
 *    The server stays up meanwhile so a delivery gets that 503 rather than a refused connection,
 *    and /readyz says not ready.
 * 3. The server closes, cutting the idle connections left open, since there is nothing more to answer.
 * 4. What was refused is logged a last time, now that no request can add to it.
 * 5. Storage last, since everything above may still write to it: the gate stops holding work for
 *    an outage, the spool's file closes, then the database.
 * framework.stop() is not called: it deletes the bot's webhooks, which other instances share.
 */
async function stopParkBot(running: Running, drainTimeoutMs: number): Promise<void> {
  const { intake, timers, instance } = running;
  intake.close();
  timers.forEach((timer) => timer.stop());
  const drained = await instance.inFlight.drain(drainTimeoutMs);
  instance.logger.info({ event: 'drained', complete: drained, unfinished: instance.inFlight.size }, 'Work in flight finished');
  await closeServerAndStorage(running);
}

/** Steps 3 to 5 of {@link stopParkBot}: also all that a start that could not connect to Webex has to close. */
async function closeServerAndStorage({ server, refusals, storage }: Opened): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  refusals.stop();
  storage.gate.close();
  await storage.spool.close();
  await storage.store.close();
}
