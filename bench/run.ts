/**
 * `npm run bench`: what the bot adds on top of Webex, measured against the local simulator, next to a
 * bare webex-node-bot-framework bot; with `--rtt`, also with Webex at a network's distance. See bench/README.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentiles, roundTripCounts } from './measure.js';
import { benchLinkedPeople } from './linked-people.js';
import { benchSpaces } from './spaces.js';
import { benchHttpClients } from './http-clients.js';
import { beforeAfterTable, type Before } from './report.js';
import { Baseline, type BaselineFlow } from './baseline.js';
import { baselineFigures, benchSideBySide } from './side-by-side.js';
import { flowsAtDistance } from './network.js';
import { benchCharts } from './charts.js';
import type { FlowTimes } from './flows.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '16' },
    records: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    sequential: { type: 'string', default: '200' },
    // Load rounds per bot, taking turns with the baseline's: events per second is the median round's.
    rounds: { type: 'string', default: '3' },
    // Webex's distance in ms: the simulator answers each request a round trip late (0: at once).
    rtt: { type: 'string', default: '0' },
    // How many spaces the bot is in, for the memory and start-up curve: a comma-separated list.
    spaces: { type: 'string', default: '100,1000,10000' },
    // How many linked people (three call-events webhooks each), for the upkeep phase: a comma-separated list.
    linked: { type: 'string', default: '1000,10000' },
    // How long each linked-people count is watched with the production settings.
    'linked-seconds': { type: 'string', default: '120' },
    // Requests per HTTP client in the fetch / undici comparison.
    'http-requests': { type: 'string', default: '5000' },
    // Report charts drawn in this process, and `report month` asked of the bot, one at a time.
    charts: { type: 'string', default: '50' },
    reports: { type: 'string', default: '20' },
    out: { type: 'string', default: join(__dirname, 'results.json') },
    // Run the TypeScript sources through tsx instead of the built JavaScript (the test suite's smoke run).
    'from-source': { type: 'boolean', default: false },
  },
});
/** The bot runs with the same node flags as `npm start` (its heap cap among them). */
const startScript = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
process.env.BOT_NODE_OPTIONS ??= /node (.*?) ?dist\/main\.js/.exec(startScript)?.[1] ?? '';
/** And with its allocator settings (`MALLOC_ARENA_MAX`), which glibc reads from the environment only. */
process.env.BOT_NODE_ENV ??= [...startScript.matchAll(/\bMALLOC_\w+=\S+/g)].map((match) => match[0]).join(' ');
const BOT_ENTRY = args['from-source'] ? join('src', 'main.ts') : join('dist', 'main.js');
const BASELINE_ENTRY = args['from-source'] ? join('bench', 'baseline-bot.ts') : join('dist-bench', 'bench', 'baseline-bot.js');
const WORKERS = Number(args.workers);
const TARGET_RECORDS = Number(args.records);
const MAX_SECONDS = Number(args.seconds);
const SEQUENTIAL_FLOWS = Number(args.sequential);
const ROUNDS = Number(args.rounds);
const RTT_MS = Number(args.rtt);
const SPACE_COUNTS = args.spaces.split(',').filter(Boolean).map(Number);
const LINKED_COUNTS = args.linked.split(',').filter(Boolean).map(Number);

/** The stock baseline (SDK defaults, no Node flags), for context: one at a time, then one load round. */
async function benchStockBaseline() {
  const stock = await Baseline.start({ entry: BASELINE_ENTRY, likeForLike: false, senders: WORKERS });
  const flows: BaselineFlow[] = [];
  for (let i = 0; i < SEQUENTIAL_FLOWS; i += 1) flows.push(await stock.flow(i));
  const load = await stock.load(MAX_SECONDS / ROUNDS, TARGET_RECORDS);
  const memory = stock.memory();
  await stock.stop();
  return baselineFigures(flows, [load], WORKERS, memory);
}

/** What a person waits for, returning senders only: time to card, and the round trips made one after another. */
function waited(bot: FlowTimes[], baseline: BaselineFlow[]) {
  return {
    bot: {
      timeToCardMs: { park: percentiles(bot.map((f) => f.parkToCard)), retrieve: percentiles(bot.map((f) => f.retrieveToCard)) },
      roundTrips: { park: roundTripCounts(bot.map((f) => f.parkRoundTrips)), retrieve: roundTripCounts(bot.map((f) => f.retrieveRoundTrips)) },
    },
    baseline: { timeToCardMs: percentiles(baseline.map((f) => f.toCard)), roundTrips: roundTripCounts(baseline.map((f) => f.roundTrips)) },
  };
}

async function main(): Promise<void> {
  const side = await benchSideBySide(
    { botEntry: BOT_ENTRY, baselineEntry: BASELINE_ENTRY, workers: WORKERS, sequentialFlows: SEQUENTIAL_FLOWS, rounds: ROUNDS, seconds: MAX_SECONDS, records: TARGET_RECORDS },
    true,
  );
  const stockBaseline = await benchStockBaseline();
  // At zero distance the one-at-a-time flows above are the run's; at a distance, flows of their own.
  const distant = RTT_MS > 0 ? await flowsAtDistance({ botEntry: BOT_ENTRY, baselineEntry: BASELINE_ENTRY, rttMs: RTT_MS, workers: WORKERS, flows: SEQUENTIAL_FLOWS }) : undefined;
  const atRtt = distant ? waited(distant.bot, distant.baseline) : waited(side.sequential.slice(WORKERS), side.baselineSequential.slice(WORKERS));
  const spaces = [];
  for (const count of SPACE_COUNTS) spaces.push(await benchSpaces(BOT_ENTRY, BASELINE_ENTRY, count, WORKERS));
  const linkedPeople = [];
  for (const count of LINKED_COUNTS) linkedPeople.push(await benchLinkedPeople(BOT_ENTRY, count, Number(args['linked-seconds'])));
  const httpClients = await benchHttpClients(Number(args['http-requests']));
  const charts = await benchCharts(BOT_ENTRY, Number(args.charts), Number(args.reports));

  const parkBot = {
    ...side.parkBot,
    timeToCardMs: atRtt.bot.timeToCardMs,
    criticalPath: { park: atRtt.bot.roundTrips.park.median, retrieve: atRtt.bot.roundTrips.retrieve.median, flows: { park: atRtt.bot.roundTrips.park.flows, retrieve: atRtt.bot.roundTrips.retrieve.flows } },
  };
  const baseline = { ...side.baseline, timeToCardMs: atRtt.baseline.timeToCardMs, criticalPath: { message: atRtt.baseline.roundTrips.median, flows: atRtt.baseline.roundTrips.flows } };
  const latency = parkBot.botAddedLatencyMs;
  const { returningSender } = parkBot.upstreamCalls;
  const ratio = (a: number, b: number): number => (b ? Math.round((a / b) * 100) / 100 : 0);
  // One at a time at zero distance, returning senders: how far the slow flows are from the usual one.
  const tail = {
    park: ratio(latency.parkFlowReturningSender.p99, latency.parkFlowReturningSender.p50),
    retrieve: ratio(latency.retrieveFlowReturningSender.p99, latency.retrieveFlowReturningSender.p50),
    baseline: ratio(baseline.latencyMsReturningSender.p99, baseline.latencyMsReturningSender.p50),
  };
  const cardBudgetMs = 3 * RTT_MS + 15;
  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    settings: { fromSource: args['from-source'], workers: WORKERS, targetRecords: TARGET_RECORDS, maxSeconds: MAX_SECONDS, sequentialFlows: SEQUENTIAL_FLOWS, rounds: ROUNDS, rttMs: RTT_MS, botNodeOptions: process.env.BOT_NODE_OPTIONS, botNodeEnv: process.env.BOT_NODE_ENV },
    parkBot,
    baseline: { likeForLike: baseline, stock: stockBaseline },
    tailP99OverP50: tail,
    spaces,
    linkedPeople,
    httpClients,
    charts,
    // Against the like-for-like baseline: the same SDK settings and Node flags as the bot.
    ratiosToBaseline: {
      parkFlowP50Latency: ratio(latency.parkFlow.p50, baseline.latencyMs.p50),
      parkFlowP99Latency: ratio(latency.parkFlow.p99, baseline.latencyMs.p99),
      // A park flow here is a park and a retrieve (two events); the baseline's flow is one message.
      throughput: ratio(parkBot.throughput.flowsPerSecond, baseline.throughput.flowsPerSecond),
      eventsPerSecond: ratio(parkBot.throughput.eventsPerSecond, baseline.throughput.eventsPerSecond),
      peakRss: ratio(parkBot.memory.peakRssMb, baseline.memory.peakRssMb),
    },
    targets: {
      '<= 4 upstream calls per park (returning sender)': returningSender.park <= 4,
      '<= 4 upstream calls per retrieve (returning sender)': returningSender.retrieve <= 4,
      [`<= 3 sequential round trips per park (RTT ${RTT_MS} ms)`]: parkBot.criticalPath.park <= 3,
      [`<= 3 sequential round trips per retrieve (RTT ${RTT_MS} ms)`]: parkBot.criticalPath.retrieve <= 3,
      [`park time to card p50 <= 3 x RTT + 15 ms (${cardBudgetMs} ms)`]: parkBot.timeToCardMs.park.p50 <= cardBudgetMs,
      [`retrieve time to card p50 <= 3 x RTT + 15 ms (${cardBudgetMs} ms)`]: parkBot.timeToCardMs.retrieve.p50 <= cardBudgetMs,
      'one at a time, zero distance: park p99/p50 <= like-for-like baseline': tail.park <= tail.baseline,
      'one at a time, zero distance: retrieve p99/p50 <= like-for-like baseline': tail.retrieve <= tail.baseline,
      [`events/s >= like-for-like baseline (median of ${ROUNDS} rounds)`]: parkBot.throughput.eventsPerSecond >= baseline.throughput.eventsPerSecond,
      'peak RSS <= 200 MB (records)': parkBot.memory.peakRssMb <= 200,
      [`peak RSS <= 200 MB (${Number(args.reports)} reports with charts)`]: charts.botPeakRssMb <= 200,
      ...Object.fromEntries(spaces.map((s) => [`peak RSS <= 200 MB and still up (${s.spaces} spaces)`, s.stillUp && s.afterEverySpaceSpoke.peakRssMb <= 200])),
      ...Object.fromEntries(spaces.map((s) => [`peak RSS <= 1.1 x like-for-like baseline's (${s.spaces} spaces)`, s.afterEverySpaceSpoke.peakRssMb <= 1.1 * s.baseline.peakRssMb])),
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
    rttMs: RTT_MS,
    criticalPath: parkBot.criticalPath,
    timeToCardMs: parkBot.timeToCardMs,
    baselineTimeToCardMs: baseline.timeToCardMs,
    tail,
    parkOneAtATime: latency.parkFlow,
    parkOneAtATimeReturning: latency.parkFlowReturningSender,
    parkUnderLoad: latency.parkFlowUnderLoad,
    baselineOneAtATime: baseline.latencyMsReturningSender,
    httpClients,
    eventsPerSecond: parkBot.throughput.eventsPerSecond,
    baselineEventsPerSecond: baseline.throughput.eventsPerSecond,
    rounds: ROUNDS,
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
  const chartLine = `Report chart (a month, 30 bars): ${charts.chartMs.p50} ms p50, ${charts.chartMs.p99} ms p99 in a renderer process of its own (peak RSS ${charts.rendererPeakRssMb} MB), ${Math.round(charts.pngBytes / 1024)} KB; report month → chart posted ${charts.reportToChartMs.p50} ms p50; bot peak RSS ${charts.botPeakRssMb} MB`;
  linkedTable.push(chartLine);
  const targets = Object.entries(results.targets).map(([target, met]) => `${met ? 'met    ' : 'not met'}  ${target}`);
  process.stdout.write(`${table}\n${linkedTable.map((line) => `\n${line}`).join('')}\n\nTargets:\n${targets.join('\n')}\n\nEvery figure: ${args.out} (see bench/README.md)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
