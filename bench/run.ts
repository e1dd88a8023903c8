/**
 * `npm run bench`: what the bot adds on top of Webex, measured against the local simulator with no
 * added latency, next to a bare webex-node-bot-framework bot. See bench/README.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { World, WEBHOOK_SECRET } from '../test/support/world.js';
import { BotProcess, freePort } from '../test/support/bot-process.js';
import { startSimulator } from '../src/simulator/server.js';
import { bodyMentions, endpointOf, heapOf, memoryOf, percentiles, Timeline } from './measure.js';
import { callsByEndpoint, chattedByPerson, parkAndRetrieve, type FlowTimes, type Worker } from './flows.js';
import { benchLinkedPeople } from './linked-people.js';
import { benchSpaces } from './spaces.js';
import { benchHttpClients } from './http-clients.js';
import { beforeAfterTable, type Before } from './report.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '16' },
    records: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    sequential: { type: 'string', default: '200' },
    // How many spaces the bot is in, for the memory and start-up curve: a comma-separated list.
    spaces: { type: 'string', default: '100,1000,10000' },
    // How many linked people (three call-events webhooks each), for the upkeep phase: a comma-separated list.
    linked: { type: 'string', default: '1000,10000' },
    // How long each linked-people count is watched with the production settings.
    'linked-seconds': { type: 'string', default: '120' },
    // Requests per HTTP client in the fetch / undici comparison.
    'http-requests': { type: 'string', default: '5000' },
    out: { type: 'string', default: join(__dirname, 'results.json') },
    // Run the TypeScript sources through tsx instead of the built JavaScript (the test suite's smoke run).
    'from-source': { type: 'boolean', default: false },
  },
});
/** The bot runs with the same node flags as `npm start` (its heap cap among them). */
const startScript = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
process.env.BOT_NODE_OPTIONS ??= /node (.*?) ?dist\/main\.js/.exec(startScript)?.[1] ?? '';
const BOT_ENTRY = args['from-source'] ? join('src', 'main.ts') : join('dist', 'main.js');
const BASELINE_ENTRY = args['from-source'] ? join('bench', 'baseline-bot.ts') : join('dist-bench', 'bench', 'baseline-bot.js');
const WORKERS = Number(args.workers);
const TARGET_RECORDS = Number(args.records);
const MAX_SECONDS = Number(args.seconds);
const SEQUENTIAL_FLOWS = Number(args.sequential);
const SPACE_COUNTS = args.spaces.split(',').filter(Boolean).map(Number);
const LINKED_COUNTS = args.linked.split(',').filter(Boolean).map(Number);

async function benchParkBot() {
  const world = await World.create({ entry: BOT_ENTRY });
  await world.start();
  const timeline = new Timeline(world.sim);
  const workers: Worker[] = [];
  for (let i = 0; i < WORKERS; i += 1) {
    const parker = world.addPerson(`Parker ${i}`, String(3000 + i));
    const retriever = world.addPerson(`Retriever ${i}`, String(5000 + i));
    await world.link(parker);
    await world.link(retriever);
    workers.push({ parker, retriever, room: world.groupSpace(`Desk ${i}`, [parker, retriever]) });
  }
  const people = new Set(workers.flatMap((w) => [w.parker.id, w.retriever.id]));
  // A fresh start forgets who linked: each worker's first flow is a first-time sender's, the rest returning.
  await world.bot.stop();
  await world.bot.start();

  // Sequential flows: clean latency figures and exact call counts, one flow at a time.
  const sequential: FlowTimes[] = [];
  for (let i = 0; i < SEQUENTIAL_FLOWS; i += 1) sequential.push(await parkAndRetrieve(world, timeline, workers[i % WORKERS] as Worker));
  const firstTime = sequential.slice(0, WORKERS);
  const returning = sequential.slice(WORKERS);
  const callsPerFlow = (flows: FlowTimes[], part: 'parkCalls' | 'retrieveCalls'): number =>
    flows.length ? Math.round((flows.flatMap((f) => f[part]).filter((r) => !chattedByPerson(r, people)).length / flows.length) * 100) / 100 : 0;
  const perPark = callsByEndpoint(sequential.flatMap((f) => f.parkCalls), people);
  // When, after the delivery left Webex, each call of a park flow reached it (mean ms): where time goes.
  const offsets: Record<string, number[]> = {};
  for (const flow of sequential) {
    for (const call of flow.parkCalls.filter((r) => r.at >= flow.parkStart)) (offsets[endpointOf(call)] ??= []).push(call.at - flow.parkStart);
  }
  const parkTimeline = Object.fromEntries(
    Object.entries(offsets).map(([endpoint, times]) => [endpoint, Math.round((times.reduce((a, b) => a + b, 0) / times.length) * 100) / 100]),
  );
  const perRetrieve = callsByEndpoint(sequential.flatMap((f) => f.retrieveCalls), people);
  const average = (counts: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(counts).map(([endpoint, n]) => [endpoint, Math.round((n / SEQUENTIAL_FLOWS) * 100) / 100]));

  // Sustained load: every worker parks and retrieves in a loop until the store holds the target.
  const started = performance.now();
  const deliveriesBefore = timeline.deliveries;
  let parked = SEQUENTIAL_FLOWS;
  const sustained: FlowTimes[] = [];
  await Promise.all(
    workers.map(async (worker) => {
      while (parked < TARGET_RECORDS && performance.now() - started < MAX_SECONDS * 1000) {
        parked += 1;
        sustained.push(await parkAndRetrieve(world, timeline, worker));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  timeline.requests = [];
  const memory = { ...memoryOf(world.bot.pid), ...(await heapOf(world.botUrl)) };
  await world.close();
  const sum = (counts: Record<string, number>): number => Math.round(Object.values(counts).reduce((a, b) => a + b, 0) * 100) / 100;
  return {
    botAddedLatencyMs: {
      parkFlow: percentiles(sequential.map((f) => f.park)),
      retrieveFlow: percentiles(sequential.map((f) => f.retrieve)),
      // A first-time sender's flow also pays the sender lookup and the space's discovery.
      parkFlowReturningSender: percentiles(returning.map((f) => f.park)),
      retrieveFlowReturningSender: percentiles(returning.map((f) => f.retrieve)),
      parkFlowFirstTimeSender: percentiles(firstTime.map((f) => f.park)),
      retrieveFlowFirstTimeSender: percentiles(firstTime.map((f) => f.retrieve)),
      parkFlowUnderLoad: percentiles(sustained.map((f) => f.park)),
      retrieveFlowUnderLoad: percentiles(sustained.map((f) => f.retrieve)),
    },
    throughput: {
      seconds: Math.round(seconds * 10) / 10,
      workers: WORKERS,
      parkFlowsPerSecond: Math.round((sustained.length / seconds) * 10) / 10,
      parkAndRetrieveFlowsCompleted: sustained.length,
      eventsPerSecond: Math.round(((timeline.deliveries - deliveriesBefore) / seconds) * 10) / 10,
    },
    parkFlowTimelineMs: parkTimeline,
    upstreamCalls: {
      perParkFlow: { total: sum(average(perPark)), byEndpoint: average(perPark) },
      perRetrieveFlow: { total: sum(average(perRetrieve)), byEndpoint: average(perRetrieve) },
      firstTimeSender: { park: callsPerFlow(firstTime, 'parkCalls'), retrieve: callsPerFlow(firstTime, 'retrieveCalls') },
      returningSender: { park: callsPerFlow(returning, 'parkCalls'), retrieve: callsPerFlow(returning, 'retrieveCalls') },
    },
    memory: { parkedRecords: parked, ...memory },
  };
}

/**
 * The same measurements for a bare framework bot answering each message with a fixed card: stock
 * (SDK defaults, no Node flags), or like for like (the bot's SDK person-lookup batching and Node flags).
 */
async function benchBaseline(likeForLike: boolean) {
  const sim = await startSimulator();
  const timeline = new Timeline(sim);
  const bot = sim.org.addPerson({ displayName: 'Baseline Bot', email: 'baseline@webex.bot', type: 'bot' });
  const port = await freePort();
  const baselineBot = new BotProcess(
    {
      WEBEX_BOT_TOKEN: sim.org.issueToken(bot.id, 'bot', []),
      WEBEX_API_URL: sim.apiUrl,
      WEBEX_U2C_URL: sim.u2cUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      WEBHOOK_SECRET,
      ...(likeForLike ? { BASELINE_PEOPLE_BATCHER_WAIT_MS: '1' } : {}),
    },
    { entry: BASELINE_ENTRY, ready: '"event":"baseline-ready"', ...(likeForLike ? {} : { nodeOptions: [] }) },
  );
  // The spaces exist before the baseline starts, as a bot's spaces usually do: the framework drops a message
  // that arrives while it still spawns for the space's membership event (its roomsSpawningNow guard), so a
  // message right after the bot was added would leave a flow waiting for a card that never comes.
  const senders = Array.from({ length: WORKERS }, (_, i) => {
    const person = sim.org.addPerson({ displayName: `Sender ${i}`, email: `sender${i}@example.com` });
    return { person, token: sim.org.issueToken(person.id, 'access', ['spark:all']), room: sim.org.createRoom(person.id, `Room ${i}`, [bot.id]) };
  });
  await baselineBot.start();
  const oneFlow = async (sender: (typeof senders)[number]): Promise<number> => {
    const answered = timeline.next(`baseline card in space ${sender.room.id}`, (r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && bodyMentions(r, sender.room.id));
    const response = await fetch(`${sim.apiUrl}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId: sender.room.id, markdown: `<@personId:${bot.id}|Baseline Bot> hello` }),
    });
    const message = (await response.json()) as { id: string };
    const card = await answered;
    return card.at - (timeline.sentAt.get(message.id) ?? card.at);
  };
  const sequential: number[] = [];
  for (let i = 0; i < SEQUENTIAL_FLOWS; i += 1) sequential.push(await oneFlow(senders[i % WORKERS] as (typeof senders)[number]));
  const started = performance.now();
  const deliveriesBefore = timeline.deliveries;
  let flows = 0;
  await Promise.all(
    senders.map(async (sender) => {
      while (flows < TARGET_RECORDS && performance.now() - started < MAX_SECONDS * 1000) {
        flows += 1;
        await oneFlow(sender);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const memory = memoryOf(baselineBot.pid);
  await baselineBot.stop();
  await sim.close();
  return {
    latencyMs: percentiles(sequential),
    throughput: { seconds: Math.round(seconds * 10) / 10, flowsPerSecond: Math.round((flows / seconds) * 10) / 10, eventsPerSecond: Math.round(((timeline.deliveries - deliveriesBefore) / seconds) * 10) / 10 },
    memory,
  };
}

async function main(): Promise<void> {
  const parkBot = await benchParkBot();
  const stockBaseline = await benchBaseline(false);
  const baseline = await benchBaseline(true);
  const spaces = [];
  for (const count of SPACE_COUNTS) spaces.push(await benchSpaces(BOT_ENTRY, count, WORKERS));
  const linkedPeople = [];
  for (const count of LINKED_COUNTS) linkedPeople.push(await benchLinkedPeople(BOT_ENTRY, count, Number(args['linked-seconds'])));
  const httpClients = await benchHttpClients(Number(args['http-requests']));
  const latency = parkBot.botAddedLatencyMs;
  const { returningSender } = parkBot.upstreamCalls;
  const ratio = (a: number, b: number): number => (b ? Math.round((a / b) * 100) / 100 : 0);
  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    settings: { fromSource: args['from-source'], workers: WORKERS, targetRecords: TARGET_RECORDS, maxSeconds: MAX_SECONDS, sequentialFlows: SEQUENTIAL_FLOWS, botNodeOptions: process.env.BOT_NODE_OPTIONS },
    parkBot,
    baseline: { likeForLike: baseline, stock: stockBaseline },
    spaces,
    linkedPeople,
    httpClients,
    // Against the like-for-like baseline: the same SDK settings and Node flags as the bot.
    ratiosToBaseline: {
      parkFlowP50Latency: ratio(latency.parkFlow.p50, baseline.latencyMs.p50),
      parkFlowP99Latency: ratio(latency.parkFlow.p99, baseline.latencyMs.p99),
      // A park flow here is a park and a retrieve (two events); the baseline's flow is one message.
      throughput: ratio(parkBot.throughput.parkFlowsPerSecond, baseline.throughput.flowsPerSecond),
      eventsPerSecond: ratio(parkBot.throughput.eventsPerSecond, baseline.throughput.eventsPerSecond),
      peakRss: ratio(parkBot.memory.peakRssMb, baseline.memory.peakRssMb),
    },
    targets: {
      '<= 4 upstream calls per park (returning sender)': returningSender.park <= 4,
      '<= 4 upstream calls per retrieve (returning sender)': returningSender.retrieve <= 4,
      'one at a time p99 <= 3 x p50 (park flow, all)': latency.parkFlow.p99 <= 3 * latency.parkFlow.p50,
      'one at a time p99 <= 3 x p50 (park flow, returning senders)': latency.parkFlowReturningSender.p99 <= 3 * latency.parkFlowReturningSender.p50,
      'events/s >= like-for-like baseline': parkBot.throughput.eventsPerSecond >= baseline.throughput.eventsPerSecond,
      'peak RSS <= 200 MB (records)': parkBot.memory.peakRssMb <= 200,
      ...Object.fromEntries(spaces.map((s) => [`peak RSS <= 200 MB and still up (${s.spaces} spaces)`, s.stillUp && s.afterEverySpaceSpoke.peakRssMb <= 200])),
      ...Object.fromEntries(
        linkedPeople.flatMap((l) => [
          [`peak RSS <= 200 MB (${l.linkedPeople} linked people)`, l.peakRssMb <= 200],
          [`upkeep within its budget of 120 a minute, no burst (${l.linkedPeople} linked people)`, l.upkeepRequestsPerHour <= 7200 * 1.05 && l.upkeepPeakPerSecond <= 4],
          [`park and retrieve take the same Webex calls (${l.linkedPeople} linked people)`, l.callsPerPark === returningSender.park && l.callsPerRetrieve === returningSender.retrieve],
        ]),
      ),
    },
  };
  mkdirSync(join(args.out, '..'), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  const before = JSON.parse(readFileSync(join(__dirname, 'before.json'), 'utf8')) as Before;
  const table = beforeAfterTable(before, {
    calls: returningSender,
    parkOneAtATime: latency.parkFlow,
    parkOneAtATimeReturning: latency.parkFlowReturningSender,
    parkUnderLoad: latency.parkFlowUnderLoad,
    baselineOneAtATime: baseline.latencyMs,
    httpClients,
    eventsPerSecond: parkBot.throughput.eventsPerSecond,
    baselineEventsPerSecond: baseline.throughput.eventsPerSecond,
    peakRssMb: parkBot.memory.peakRssMb,
    records: parkBot.memory.parkedRecords,
    spaces,
  });
  const linkedTable = linkedPeople.map(
    (l) =>
      `${l.linkedPeople.toLocaleString('en')} linked people: upkeep ${l.upkeepRequestsPerHour} requests/hour (checking everyone every 10 min: ${l.everyoneEveryTenMinutesPerHour}), ` +
      `peak ${l.upkeepPeakPerSecond}/s, ${l.upkeepRequestsFirst10s} in the first 10 s; start ${(l.startUpMs / 1000).toFixed(1)} s; peak RSS ${l.peakRssMb} MB; ` +
      `Webex calls per park ${l.callsPerPark}, per retrieve ${l.callsPerRetrieve}`,
  );
  const targets = Object.entries(results.targets).map(([target, met]) => `${met ? 'met    ' : 'not met'}  ${target}`);
  process.stdout.write(`${table}\n${linkedTable.map((line) => `\n${line}`).join('')}\n\nTargets:\n${targets.join('\n')}\n\nEvery figure: ${args.out} (see bench/README.md)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
