/**
 * The bot with many linked people, each with their three call-events webhooks (created, updated, deleted): what their upkeep
 * (webhook checks, token renewals) costs in Webex requests, how long start-up takes, how much memory
 * the bot holds, and whether a park and a retrieve still take the same Webex calls.
 */
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { World } from '../test/support/world.js';
import { WEBHOOK_SECRET } from '../test/support/world.js';
import { SqliteStore } from '../src/storage/sqlite-store.js';
import { TokenCipher } from '../src/auth/token-cipher.js';
import { TokenVault } from '../src/auth/token-vault.js';
import { IdentityApi } from '../src/webex/identity-api.js';
import { WebexHttpClient } from '../src/webex/http-client.js';
import { WebhooksApi } from '../src/webex/webhooks-api.js';
import { CallEventSubscriptions } from '../src/webhooks/call-event-subscriptions.js';
import { Metrics } from '../src/ops/metrics.js';
import { createLogger } from '../src/logger.js';
import type { SimRequestRecord } from '../src/simulator/model.js';
import { memoryOf, round, Timeline } from './measure.js';
import { callsByEndpoint, parkAndRetrieve, type FlowTimes, type Worker } from './flows.js';

export interface LinkedPeopleFigures {
  linkedPeople: number;
  /** Seconds the upkeep was watched, with the production settings (checks every 10 min, 120 requests a minute). */
  watchedSeconds: number;
  /** Upkeep requests to Webex (people's tokens, token renewals) over the watch, as an hourly rate. */
  upkeepRequestsPerHour: number;
  /** The most upkeep requests in any one second of the watch: a burst shows here. */
  upkeepPeakPerSecond: number;
  /** Upkeep requests in the first 10 s after start: start-up touching every person shows here. */
  upkeepRequestsFirst10s: number;
  /** Process start → ready. */
  startUpMs: number;
  peakRssMb: number;
  /** Webex calls per park and per retrieve (returning sender), upkeep left out. */
  callsPerPark: number;
  callsPerRetrieve: number;
  /** What checking everyone at every start and every 10 minutes (the code before) would ask per hour. */
  everyoneEveryTenMinutesPerHour: number;
}

const CHECK_MINUTES = 10;

export async function benchLinkedPeople(entry: string, count: number, watchSeconds: number): Promise<LinkedPeopleFigures> {
  const key = randomBytes(32).toString('base64');
  const world = await World.create({ entry, env: { TOKEN_ENCRYPTION_KEY: key, WEBHOOK_CHECK_MINUTES: String(CHECK_MINUTES) } });
  const logger = createLogger('silent');
  const seeded = new Set<string>();

  // Linked people as a running bot would have left them: accounts, and three webhooks each, made with
  // their own tokens through the bot's own code, last checked at any time in the past ten minutes.
  const store = new SqliteStore(world.databaseFile);
  const http = new WebexHttpClient(world.sim.apiUrl, logger);
  const vault = new TokenVault(store, new TokenCipher(Buffer.from(key, 'base64')), new IdentityApi(http, { clientId: 'x', clientSecret: 'x', redirectUri: 'x' }), logger);
  const subscriptions = new CallEventSubscriptions({ publicUrl: world.botUrl, webhookSecret: WEBHOOK_SECRET }, store, vault, new WebhooksApi(http), new Metrics(), logger);
  const people = Array.from({ length: count }, (_, i) => world.addPerson(`Linked ${i}`, String(100_000 + i)));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const person = people[i]!;
        seeded.add(person.id);
        const accessToken = world.sim.org.issueToken(person.id, 'access', ['spark:calls_read', 'spark:calls_write', 'spark:people_read']);
        await vault.save(person.id, person.name, { access_token: accessToken, refresh_token: `refresh-${i}`, expires_in: 14 * 86_400, refresh_token_expires_in: 90 * 86_400, scope: 'spark:calls_read', token_type: 'Bearer' });
        await subscriptions.ensure(person.id);
      }
    }),
  );
  await store.close();
  const db = new DatabaseSync(world.databaseFile);
  db.prepare('UPDATE call_event_subscriptions SET checked_at = ? - (abs(random()) % ?)').run(Date.now(), CHECK_MINUTES * 60_000);
  db.close();

  const timeline = new Timeline(world.sim);
  // Token renewals would show as POST /access_token too, but none is due here (refresh tokens last 90 days).
  const isUpkeep = (r: SimRequestRecord): boolean => r.tokenKind === 'access' && seeded.has(r.personId ?? '');
  const startedAt = performance.now();
  const wallStart = Date.now();
  await world.start();
  const startUpMs = round(performance.now() - startedAt);
  const watchStart = Date.now();

  // A park and a retrieve among all this: the same Webex calls as with nobody else linked.
  const parker = world.addPerson('Bench parker', '3000');
  const retriever = world.addPerson('Bench retriever', '5000');
  await world.link(parker);
  await world.link(retriever);
  const worker: Worker = { parker, retriever, room: world.groupSpace('Bench desk', [parker, retriever]) };
  const flowPeople = new Set([parker.id, retriever.id]);
  await parkAndRetrieve(world, timeline, worker, true);
  const flows: FlowTimes[] = [];
  for (let i = 0; i < 5; i += 1) flows.push(await parkAndRetrieve(world, timeline, worker, true));
  const perFlow = (part: 'parkCalls' | 'retrieveCalls'): number => {
    const counts = callsByEndpoint(flows.flatMap((f) => f[part]).filter((r) => !isUpkeep(r)), flowPeople);
    return round(Object.values(counts).reduce((a, b) => a + b, 0) / flows.length, 2);
  };

  const remaining = watchSeconds * 1000 - (Date.now() - watchStart);
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  const watchEnd = Date.now();
  const upkeep = timeline.requests.filter(isUpkeep);
  const perSecond = new Map<number, number>();
  for (const r of upkeep) perSecond.set(Math.floor(r.at / 1000), (perSecond.get(Math.floor(r.at / 1000)) ?? 0) + 1);
  const watched = upkeep.filter((r) => r.at >= watchStart && r.at <= watchEnd);
  const seconds = (watchEnd - watchStart) / 1000;
  const figures: LinkedPeopleFigures = {
    linkedPeople: count,
    watchedSeconds: round(seconds),
    upkeepRequestsPerHour: Math.round((watched.length / seconds) * 3600),
    upkeepPeakPerSecond: Math.max(0, ...perSecond.values()),
    upkeepRequestsFirst10s: upkeep.filter((r) => r.at >= wallStart && r.at < watchStart + 10_000).length,
    startUpMs,
    peakRssMb: memoryOf(world.bot.pid).peakRssMb,
    callsPerPark: perFlow('parkCalls'),
    callsPerRetrieve: perFlow('retrieveCalls'),
    everyoneEveryTenMinutesPerHour: count * (60 / CHECK_MINUTES),
  };
  await world.close();
  return figures;
}
