/**
 * `npm run soak`: a chaos run. Three bot instances on one PostgreSQL behind a load balancer, people
 * parking (some `park for @colleague`) and tapping Retrieve without pause, and on a seeded schedule:
 * an instance killed with SIGKILL; PostgreSQL stopped and started; Webex answering 503 or 429 for a
 * while; webhook deliveries delayed, duplicated and reordered; an instance stopped with SIGSTOP past
 * the event lease right after it took a delivery, then resumed; every instance's spool disk full for a
 * moment during a database outage; a rolling restart followed by a database outage while call events
 * arrive (recalls, declined recalls, pick-ups from a desk phone). Afterwards the simulator's own
 * record is checked (bench/soak-checks.ts). Prints the figures and exits non-zero on any violation.
 * `npm test` runs a 20-second version with the faults that fit in it.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { World, cardText, submitButtons, type TestPerson } from '../test/support/world.js';
import { freshDatabase, startTestPostgres } from '../test/support/postgres.js';
import type { SimMessage } from '../src/simulator/model.js';
import { Chaos, FAULT_KINDS, type FaultKind } from './soak-faults.js';
import { checkRun, type Desk, type ParkAsked, type TapMade } from './soak-checks.js';
import { SpoolDisks } from './soak-disks.js';
import { between, seeded } from './soak-random.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    seed: { type: 'string', default: '19' },
    instances: { type: 'string', default: '3' },
    desks: { type: 'string', default: '3' },
    /** Which faults to draw from, comma-separated (default: all of FAULT_KINDS). */
    faults: { type: 'string', default: FAULT_KINDS.join(',') },
  },
});
const SECONDS = Number(args.seconds);
const INSTANCES = Number(args.instances);
/** Short, so a pause outlasts it within a few seconds; a pause lasts this plus 1.5 to 4 s. */
const LEASE_SECONDS = 5;
const chosenFaults = (args.faults ?? '').split(',').map((kind) => kind.trim()).filter(Boolean);
const unknownFault = chosenFaults.find((kind) => !(FAULT_KINDS as readonly string[]).includes(kind));
if (unknownFault || !chosenFaults.length) {
  process.stderr.write(`--faults takes a comma-separated list of: ${FAULT_KINDS.join(', ')}\n`);
  process.exit(2);
}

// People's choices, the schedule of faults and the choices inside a fault draw from separate
// sequences, so the schedule of faults is the same for a seed however the people's turns interleave.
const random = seeded(Number(args.seed));
const scheduleRandom = seeded(Number(args.seed) + 1);
const insideRandom = seeded(Number(args.seed) + 2);
/** What an instance logs once it is up (BotProcess waits for the same). */
const READY = '"event":"bot-ready"';
const log = (line: string): void => void process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Told the id of the next park message or tap the desks send: a pause fault waits for one. */
let requestWatchers: ((id: string) => void)[] = [];

async function main(): Promise<number> {
  const server = await startTestPostgres();
  if ('unavailable' in server) {
    process.stderr.write(`The soak needs PostgreSQL: ${server.unavailable}\n`);
    return 2;
  }
  // Ctrl-C or a kill of the soak: the exit handlers stop the bots, unmount the disks and PostgreSQL.
  let serverStopped = false;
  const stopServer = (): void => {
    if (!serverStopped) server.stop();
    serverStopped = true;
  };
  process.on('exit', stopServer);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  let kinds = chosenFaults as FaultKind[];
  let disks: SpoolDisks | undefined;
  if (kinds.includes('diskfull')) {
    const mounted = SpoolDisks.mount(INSTANCES);
    if ('unavailable' in mounted) {
      log(`diskfull fault SKIPPED: cannot mount a tmpfs for each spool (${mounted.unavailable}); run as root to include it`);
      kinds = kinds.filter((kind) => kind !== 'diskfull');
    } else disks = mounted;
  }
  let world: World | undefined;
  let chaos: Chaos | undefined;
  try {
    const databaseUrl = (await freshDatabase(server.adminUrl)) as string;
    world = await World.create({ instances: INSTANCES, databaseUrl, env: { EVENT_LEASE_SECONDS: String(LEASE_SECONDS), WEBHOOK_CHECK_MINUTES: '0.5' } });
    const bots = world.bots;
    const startBot = async (index: number): Promise<void> => {
      const bot = bots[index] as World['bot'];
      const readyBefore = bot.output.split(READY).length;
      // On a busy machine three instances starting at once can take longer than start()'s 20 s.
      await bot.start(disks ? { SPOOL_DIR: disks.dir(index) } : {}).catch(async (error: unknown) => {
        if (!bot.running || !(await waitUntil(60_000, () => bot.output.split(READY).length > readyBefore))) throw error;
      });
    };
    for (const index of bots.keys()) await startBot(index);
    world.sim.telephony.recallMs = 15_000;
    const desks: Desk[] = [];
    for (let i = 0; i < Number(args.desks); i += 1) {
      const parker = world.addPerson(`Parker ${i}`, String(2001 + i));
      const retrievers: [TestPerson, TestPerson] = [world.addPerson(`Taker ${i}a`, String(3001 + 2 * i)), world.addPerson(`Taker ${i}b`, String(3002 + 2 * i))];
      for (const person of [parker, ...retrievers]) await world.link(person);
      desks.push({ parker, retrievers, room: world.groupSpace(`Desk ${i}`, [parker, ...retrievers]) });
    }
    log(`${INSTANCES} instances, ${desks.length} desks, ${SECONDS} s, seed ${args.seed}, faults: ${kinds.join(', ')}`);
    const parks: ParkAsked[] = [];
    const taps: TapMade[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    const liveWorld = world;
    chaos = new Chaos(
      {
        world,
        server,
        disks,
        kinds,
        leaseMs: LEASE_SECONDS * 1000,
        startBot,
        nextRequest: () => new Promise((resolve) => requestWatchers.push(resolve)),
        log,
      },
      scheduleRandom,
      insideRandom,
    );
    await Promise.all([...desks.map((desk) => drive(liveWorld, desk, parks, taps, deadline)), chaos.run(deadline)]);
    log('load and faults over; letting everything settle');
    for (const [index, bot] of bots.entries()) if (!bot.running) await startBot(index);
    await world.sim.webhooks.settled();
    await sleep(30_000);
    await world.sim.webhooks.settled();
    return report(world, parks, taps, chaos, kinds);
  } finally {
    chaos?.resumeAll();
    await world?.close().catch((error: unknown) => log(`closing: ${error instanceof Error ? error.message : String(error)}`));
    disks?.unmount();
    stopServer();
  }
}

function sent(id: string): void {
  const watchers = requestWatchers;
  requestWatchers = [];
  for (const watcher of watchers) watcher(id);
}

/** One desk's traffic: a call arrives, the parker parks it (for a colleague now and then), one or two colleagues tap Retrieve, or nobody does. */
async function drive(world: World, desk: Desk, parks: ParkAsked[], taps: TapMade[], deadline: number): Promise<void> {
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
    const forPerson = random() < 0.25 ? desk.retrievers[between(random, 0, 1)] : undefined;
    const command = forPerson ? `park for <@personId:${forPerson.id}|${forPerson.name}>` : 'park';
    const message = await world.api<SimMessage>(desk.parker.clientToken, 'POST', '/messages', { roomId: desk.room.id, markdown: `<@personId:${world.botPerson.id}|Park Bot> ${command}` });
    sent(message.id);
    parks.push({ desk, caller, callId: call.id, messageId: message.id, at, ...(forPerson ? { forPerson } : {}) });
    const outcome = await waitUntil(30_000, () => world.botMessages(desk.room).find((m) => !seen.has(m.id) && (mentions(m, caller) || (!m.attachments && (m.text ?? '').startsWith(desk.parker.name)))));
    if (!outcome?.attachments) {
      await sleep(between(random, 200, 1500));
      continue;
    }
    await sleep(between(random, 100, 2000));
    const roll = random();
    if (roll < 0.15) {
      // Nobody takes it: it rings back the parker after the recall time.
      await sleep(between(random, 1000, 3000));
      continue;
    }
    const tappers = roll < 0.45 ? desk.retrievers : [desk.retrievers[between(random, 0, 1)] as TestPerson];
    await Promise.all(tappers.map((tapper) => tap(world, desk, tapper, outcome, caller, taps)));
    const taken = await waitUntil(20_000, () => world.botMessages(desk.room).find((m) => !seen.has(m.id) && mentions(m, caller) && /Retrieved by/.test(cardText(m))));
    for (const tapper of desk.retrievers) {
      for (const ringing of world.sim.telephony.list(tapper.id)) {
        if (taken && random() < 0.7 && ringing.state === 'alerting') world.sim.telephony.answer(tapper.id, ringing.id);
      }
    }
    await sleep(between(random, 200, 1500));
  }
}

/** A tap on the card's Retrieve button, kept with the id Webex gave the action (each delivery names it). */
async function tap(world: World, desk: Desk, tapper: TestPerson, card: SimMessage, caller: string, taps: TapMade[]): Promise<void> {
  const at = Date.now();
  const action = await world.api<{ id: string }>(tapper.clientToken, 'POST', '/attachment/actions', { type: 'submit', messageId: card.id, inputs: submitButtons(card)[0]?.data ?? {} }).catch(() => undefined);
  if (!action) return;
  sent(action.id);
  taps.push({ desk, tapper, actionId: action.id, caller, at });
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

/** Prints the figures and every violation (grouped by kind first), and exits non-zero on any. */
function report(world: World, parks: ParkAsked[], taps: TapMade[], chaos: Chaos, kinds: FaultKind[]): number {
  const { violations, figures } = checkRun(world, parks, taps, chaos.excusedWindows);
  const somethingWentWrong = [...world.sim.org.messages.values()].filter((m) => m.personId === world.botPerson.id && /something went wrong/i.test(m.text ?? '')).length;
  const deliveries = world.sim.webhooks.deliveries.length;
  const lines = world.bots.flatMap((bot) => bot.lines);
  const count = (event: string): number => lines.filter((line) => line.event === event).length;
  const byKind = new Map<string, number>();
  for (const { kind } of violations) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  process.stdout.write(
    `\nSoak: ${SECONDS} s, ${INSTANCES} instances, seed ${args.seed}, lease ${LEASE_SECONDS} s\n` +
      `faults: ${kinds.map((kind) => `${kind} ${chaos.counts[kind] ?? 0}`).join(', ')}\n` +
      `parks asked ${figures.parksAsked}: parked once with one card ${figures.parked} (retrieved once ${figures.retrieved}, rang back or closed ${figures.rangBackOrClosed}, still waiting ${figures.stillWaiting}), answered with a reason ${figures.answeredWithReason}\n` +
      `taps ${figures.taps}: acted on ${figures.tapsActedOn}; call events ${figures.callEvents}; refused on every try while the spool's disk was full ${figures.refusedWhileExcused}\n` +
      `webhook deliveries ${deliveries}: kept on disk during database outages ${count('delivery-spooled')}, replayed after a crash or pause ${count('event-replayed')}, recognised as duplicates ${count('duplicate-delivery')}; "something went wrong" answers ${somethingWentWrong}\n` +
      `violations: ${violations.length}${byKind.size ? ` (${[...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')})` : ''}\n${violations.map((v) => `  - [${v.kind}] ${v.detail}`).join('\n')}\n`,
  );
  if (violations.length) keepLogs(world);
  return violations.length ? 1 : 0;
}

/** On a violation, each instance's own log (all its runs) goes to a file, to find out why. */
function keepLogs(world: World): void {
  const dir = mkdtempSync(join(tmpdir(), `soak-seed${args.seed}-`));
  for (const [index, bot] of world.bots.entries()) writeFileSync(join(dir, `instance-${index}.log`), bot.output);
  // And what Webex saw, in one timeline: each request (with whose token) and each delivery.
  const name = (personId: string | undefined): string => world.sim.org.people.get(personId ?? '')?.displayName ?? personId ?? '';
  const timeline = [
    ...world.sim.requests.map((r) => ({ at: r.at, what: `${r.method} ${r.path} ${r.status} ${r.tokenKind === 'bot' ? 'bot' : name(r.personId)} ${JSON.stringify(r.body ?? '')} -> ${JSON.stringify(r.response ?? '').slice(0, 300)}` })),
    ...world.sim.webhooks.deliveries.map((d) => ({ at: d.at, what: `DELIVERY ${d.resource} ${d.event} ${d.dataId} ${d.status} ${d.resource === 'telephony_calls' ? d.body.slice(0, 400) : ''}` })),
  ].sort((a, b) => a.at - b.at);
  writeFileSync(join(dir, 'webex.log'), timeline.map((e) => `${new Date(e.at).toISOString().slice(11, 23)} ${e.what}`).join('\n'));
  process.stdout.write(`each instance's log: ${dir}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`The soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
