/**
 * `npm run soak`: a chaos run. Three bot instances on one PostgreSQL behind a load balancer, people
 * parking and tapping Retrieve without pause, and on a seeded schedule: an instance killed with
 * SIGKILL, PostgreSQL stopped and started, Webex answering 503 or 429 for a while, webhook deliveries
 * delayed, duplicated and reordered. Afterwards the simulator's own record is checked: every park
 * asked was parked once with one card, or answered with a reason; no call was retrieved twice; each
 * card's last state matches what happened at Webex; no delivery was acted on twice. Prints the
 * figures and exits non-zero on any violation. `npm test` runs a 20-second version.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { World, cardText, submitButtons, type TestPerson } from '../test/support/world.js';
import { freshDatabase, startTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import type { SimMessage, SimRoom } from '../src/simulator/model.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    seed: { type: 'string', default: '19' },
    instances: { type: 'string', default: '3' },
    desks: { type: 'string', default: '3' },
  },
});
const SECONDS = Number(args.seconds);
const INSTANCES = Number(args.instances);

/** A small seeded generator (mulberry32): the same seed, the same schedule of faults and choices. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// People's choices and the faults draw from separate sequences, so the schedule of faults is the same
// for a seed however the people's turns interleave.
const random = seeded(Number(args.seed));
const faultRandom = seeded(Number(args.seed) + 1);
const between = (low: number, high: number, from = random): number => low + Math.floor(from() * (high - low + 1));
const log = (line: string): void => void process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Desk {
  parker: TestPerson;
  retrievers: [TestPerson, TestPerson];
  room: SimRoom;
}

interface ParkAsked {
  desk: Desk;
  caller: string;
  callId: string;
  messageId: string;
  at: number;
}

const faults: Record<string, number> = { kill: 0, postgres: 0, webex503: 0, webex429: 0, deliveries: 0 };

async function main(): Promise<number> {
  const server = await startTestPostgres();
  if ('unavailable' in server) {
    process.stderr.write(`The soak needs PostgreSQL: ${server.unavailable}\n`);
    return 2;
  }
  let world: World | undefined;
  try {
    const databaseUrl = (await freshDatabase(server.adminUrl)) as string;
    world = await World.create({ instances: INSTANCES, databaseUrl, env: { EVENT_LEASE_SECONDS: '10', WEBHOOK_CHECK_MINUTES: '0.5' } });
    await world.start();
    world.sim.telephony.recallMs = 15_000;
    const desks: Desk[] = [];
    for (let i = 0; i < Number(args.desks); i += 1) {
      const parker = world.addPerson(`Parker ${i}`, String(2001 + i));
      const retrievers: [TestPerson, TestPerson] = [world.addPerson(`Taker ${i}a`, String(3001 + 2 * i)), world.addPerson(`Taker ${i}b`, String(3002 + 2 * i))];
      for (const person of [parker, ...retrievers]) await world.link(person);
      desks.push({ parker, retrievers, room: world.groupSpace(`Desk ${i}`, [parker, ...retrievers]) });
    }
    log(`${INSTANCES} instances, ${desks.length} desks, ${SECONDS} s, seed ${args.seed}`);
    const parks: ParkAsked[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all([...desks.map((desk) => drive(world as World, desk, parks, deadline)), chaos(world, server, deadline)]);
    log('load and faults over; letting everything settle');
    for (const bot of world.bots) if (!bot.running) await bot.start();
    await world.sim.webhooks.settled();
    await sleep(30_000);
    return report(world, parks);
  } finally {
    await world?.close().catch((error: unknown) => log(`closing: ${error instanceof Error ? error.message : String(error)}`));
    server.stop();
  }
}

/** One desk's traffic: a call arrives, the parker parks it, one or two colleagues tap Retrieve, or nobody does. */
async function drive(world: World, desk: Desk, parks: ParkAsked[], deadline: number): Promise<void> {
  let n = 0;
  while (Date.now() < deadline) {
    n += 1;
    const caller = `Soak caller ${desk.parker.name.split(' ')[1]}-${String(n).padStart(4, '0')}`;
    // The parker's own line is where the call parks: wait for an earlier call left there to ring back.
    await waitUntil(30_000, () => !world.sim.telephony.parked.has(desk.parker.person.extension ?? ''));
    for (const call of world.sim.telephony.list(desk.parker.id)) world.sim.telephony.hangup(desk.parker.id, call.id);
    const call = world.sim.telephony.placeIncomingCall({ toPersonId: desk.parker.id, from: { name: caller } });
    const seen = world.seenIn(desk.room);
    const at = Date.now();
    const message = await world.say(desk.parker, desk.room, 'park');
    parks.push({ desk, caller, callId: call.id, messageId: message.id, at });
    const outcome = await waitUntil(30_000, () => world.botMessages(desk.room).find((m) => !seen.has(m.id) && (mentions(m, caller) || (!m.attachments && (m.text ?? '').startsWith(desk.parker.name)))));
    if (!outcome?.attachments) {
      await sleep(between(200, 1500));
      continue;
    }
    await sleep(between(100, 2000));
    const roll = random();
    if (roll < 0.15) {
      // Nobody takes it: it rings back the parker after the recall time.
      await sleep(between(1000, 3000));
      continue;
    }
    const data = submitButtons(outcome)[0]?.data;
    const tappers = roll < 0.45 ? desk.retrievers : [desk.retrievers[between(0, 1)] as TestPerson];
    await Promise.all(tappers.map((tapper) => world.tap(tapper, outcome, data).catch(() => undefined)));
    const taken = await waitUntil(20_000, () => world.botMessages(desk.room).find((m) => !seen.has(m.id) && mentions(m, caller) && /Retrieved by/.test(cardText(m))));
    for (const tapper of desk.retrievers) {
      for (const ringing of world.sim.telephony.list(tapper.id)) {
        if (taken && random() < 0.7 && ringing.state === 'alerting') world.sim.telephony.answer(tapper.id, ringing.id);
      }
    }
    await sleep(between(200, 1500));
  }
}

/** Faults one after another, on the seeded schedule, until the deadline. */
async function chaos(world: World, server: TestPostgres, deadline: number): Promise<void> {
  await sleep(between(2000, 4000, faultRandom));
  while (Date.now() < deadline - 3000) {
    const kind = (['kill', 'postgres', 'webex503', 'webex429', 'deliveries'] as const)[between(0, 4, faultRandom)] ?? 'kill';
    faults[kind] = (faults[kind] ?? 0) + 1;
    const lasting = between(2000, 6000, faultRandom);
    log(`fault: ${kind} for ${lasting} ms`);
    switch (kind) {
      case 'kill': {
        const bot = world.bots[between(0, world.bots.length - 1, faultRandom)];
        await bot?.stop('SIGKILL');
        await sleep(lasting);
        await bot?.start();
        break;
      }
      case 'postgres':
        server.pause();
        await sleep(lasting);
        server.resume();
        break;
      case 'webex503':
        world.sim.outage({ status: 503, forMs: lasting, ...(faultRandom() < 0.5 ? { tokenKind: 'bot' as const } : { pathPrefix: '/telephony' }) });
        await sleep(lasting);
        break;
      case 'webex429':
        world.sim.outage({ status: 429, retryAfterSeconds: between(1, 3, faultRandom), forMs: lasting, ...(faultRandom() < 0.5 ? { tokenKind: 'bot' as const } : { pathPrefix: '/telephony' }) });
        await sleep(lasting);
        break;
      case 'deliveries':
        world.sim.webhooks.deliverTwice = true;
        world.sim.webhooks.jitterMs = 800;
        await sleep(lasting);
        world.sim.webhooks.deliverTwice = false;
        world.sim.webhooks.jitterMs = 0;
        break;
    }
    await sleep(between(3000, 8000, faultRandom));
  }
}

const mentions = (message: SimMessage, caller: string): boolean => Boolean(message.attachments) && cardText(message).includes(caller);

async function waitUntil<T>(timeoutMs: number, probe: () => T | undefined): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const found = probe();
    if (found) return found;
    await sleep(50);
  }
  return undefined;
}

/** Checks the run against the simulator's own record of requests and messages. */
function report(world: World, parks: ParkAsked[]): number {
  const violations: string[] = [];
  const figures = { parksAsked: parks.length, parked: 0, answeredWithReason: 0, retrieved: 0, rangBackOrClosed: 0, stillWaiting: 0, somethingWentWrong: 0 };
  const parkRequests = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/telephony/calls/park' && r.status === 200);
  const retrieves = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/telephony/calls/retrieve' && r.status === 201);
  const cardPosts = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && r.status === 200);
  const bodyOf = (r: { body?: unknown }): string => JSON.stringify(r.body ?? '');
  const parkedNumber = (r: { response?: unknown }): string => ((r.response as { parkedAgainst?: { number?: string } } | undefined)?.parkedAgainst?.number ?? '');

  for (const [index, park] of parks.entries()) {
    const atWebex = parkRequests.filter((r) => bodyOf(r).includes(park.callId));
    const waitingCards = cardPosts.filter((r) => bodyOf(r).includes(park.caller) && bodyOf(r).includes('"action":"retrieve"'));
    if (atWebex.length > 1) violations.push(`${park.caller}: parked ${atWebex.length} times at Webex`);
    if (atWebex.length === 0) {
      if (waitingCards.length) violations.push(`${park.caller}: a card claims a park that did not happen`);
      const next = parks.slice(index + 1).find((p) => p.desk === park.desk)?.at ?? Infinity;
      const answered = world.botMessages(park.desk.room).some((m) => !m.attachments && (m.text ?? '').startsWith(park.desk.parker.name) && Date.parse(m.created) >= park.at && Date.parse(m.created) <= next);
      if (process.env.SOAK_DEBUG) log(`${park.caller} answered: ${world.botMessages(park.desk.room).filter((m) => !m.attachments && Date.parse(m.created) >= park.at && Date.parse(m.created) <= next).map((m) => m.text).join(' / ')}`);
      if (answered) figures.answeredWithReason += 1;
      else violations.push(`${park.caller}: the park was neither made nor answered`);
      continue;
    }
    figures.parked += 1;
    if (waitingCards.length !== 1) violations.push(`${park.caller}: parked once, but ${waitingCards.length} waiting cards were posted`);
    // Retrieves of this call: on its number, after it was parked and before the number's next park.
    const parkedAt = atWebex[0]?.at ?? 0;
    const number = parkedNumber(atWebex[0] ?? {});
    const nextPark = parkRequests.filter((r) => parkedNumber(r) === number && r.at > parkedAt).map((r) => r.at)[0] ?? Infinity;
    const taken = retrieves.filter((r) => bodyOf(r).includes(`"${number}"`) && r.at > parkedAt && r.at < nextPark);
    if (taken.length > 1) violations.push(`${park.caller}: retrieved ${taken.length} times`);
    const live = world.botMessages(park.desk.room).filter((m) => mentions(m, park.caller));
    if (live.length !== 1) {
      violations.push(`${park.caller}: ${live.length} live cards`);
      continue;
    }
    const text = cardText(live[0] as SimMessage);
    const stillParked = [...world.sim.telephony.parked.values()].some((p) => p.call.id === park.callId || p.call.remoteParty?.name === park.caller);
    if (taken.length === 1) {
      figures.retrieved += 1;
      if (!/Retrieved by/.test(text)) violations.push(`${park.caller}: retrieved at Webex, but the card says: ${text.slice(0, 80)}`);
    } else if (stillParked) {
      figures.stillWaiting += 1;
      if (!submitButtons(live[0] as SimMessage).length) violations.push(`${park.caller}: still parked at Webex, but the card offers no Retrieve: ${text.slice(0, 80)}`);
    } else {
      figures.rangBackOrClosed += 1;
      if (/Retrieved by/.test(text) || submitButtons(live[0] as SimMessage).some((b) => b.data?.action === 'retrieve')) {
        violations.push(`${park.caller}: not retrieved and no longer parked at Webex, but the card says: ${text.slice(0, 80)}`);
      }
    }
  }
  figures.somethingWentWrong = [...world.sim.org.messages.values()].filter((m) => m.personId === world.botPerson.id && /something went wrong/i.test(m.text ?? '')).length;
  const deliveries = world.sim.webhooks.deliveries.length;
  const spooled = world.bots.flatMap((bot) => bot.lines.filter((line) => line.event === 'delivery-spooled')).length;
  const replayed = world.bots.flatMap((bot) => bot.lines.filter((line) => line.event === 'event-replayed')).length;
  const duplicates = world.bots.flatMap((bot) => bot.lines.filter((line) => line.event === 'duplicate-delivery')).length;
  process.stdout.write(
    `\nSoak: ${SECONDS} s, ${INSTANCES} instances, seed ${args.seed}\n` +
      `faults: ${Object.entries(faults).map(([kind, count]) => `${kind} ${count}`).join(', ')}\n` +
      `parks asked ${figures.parksAsked}: parked once with one card ${figures.parked} (retrieved once ${figures.retrieved}, rang back or closed ${figures.rangBackOrClosed}, still waiting ${figures.stillWaiting}), answered with a reason ${figures.answeredWithReason}\n` +
      `webhook deliveries ${deliveries}: kept on disk during database outages ${spooled}, replayed after a crash ${replayed}, recognised as duplicates ${duplicates}; "something went wrong" answers ${figures.somethingWentWrong}\n` +
      `violations: ${violations.length}\n${violations.map((v) => `  - ${v}`).join('\n')}\n`,
  );
  return violations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`The soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
