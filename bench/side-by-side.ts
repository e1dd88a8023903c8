/**
 * The bot and a baseline at zero distance, side by side: their one-at-a-time flows take turns, and
 * their load rounds alternate, so both meet the same moments of a shared, noisy machine.
 */
import { Baseline, type BaselineFlow, type LoadRound } from './baseline.js';
import { ParkBotBench } from './park-bot.js';
import { callsByEndpoint, chattedByPerson, type FlowTimes } from './flows.js';
import { endpointOf, percentiles, round } from './measure.js';

export interface SideBySideSettings {
  botEntry: string;
  baselineEntry: string;
  workers: number;
  sequentialFlows: number;
  /** Load rounds per bot (each bot's events per second is the median of its rounds). */
  rounds: number;
  /** Seconds of load per bot, over all rounds. */
  seconds: number;
  /** The load stops once the bot's store holds this many parked calls. */
  records: number;
}

const median = (values: number[]): number => percentiles(values).p50;

/** Throughput over load rounds: events per second is the median round's. */
function throughput(rounds: LoadRound[], workers: number): { seconds: number; workers: number; flows: number; flowsPerSecond: number; eventsPerSecond: number; eventsPerSecondRounds: number[] } {
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  const flows = rounds.reduce((sum, r) => sum + r.flows, 0);
  const eventsPerSecondRounds = rounds.map((r) => r.eventsPerSecond);
  return { seconds: round(seconds), workers, flows, flowsPerSecond: round(flows / (seconds || 1)), eventsPerSecond: median(eventsPerSecondRounds), eventsPerSecondRounds };
}

/** Calls per flow (the people's own chatting left out), and the mean arrival of each call of a park after its delivery. */
function callFigures(flows: FlowTimes[], firstTime: FlowTimes[], returning: FlowTimes[], people: Set<string>) {
  const callsPerFlow = (some: FlowTimes[], part: 'parkCalls' | 'retrieveCalls'): number =>
    some.length ? round(some.flatMap((f) => f[part]).filter((r) => !chattedByPerson(r, people)).length / some.length, 2) : 0;
  const average = (counts: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(counts).map(([endpoint, n]) => [endpoint, round(n / flows.length, 2)]));
  const sum = (counts: Record<string, number>): number => round(Object.values(counts).reduce((a, b) => a + b, 0), 2);
  const perPark = average(callsByEndpoint(flows.flatMap((f) => f.parkCalls), people));
  const perRetrieve = average(callsByEndpoint(flows.flatMap((f) => f.retrieveCalls), people));
  const offsets: Record<string, number[]> = {};
  for (const flow of flows) {
    for (const call of flow.parkCalls.filter((r) => r.at >= flow.parkStart)) (offsets[endpointOf(call)] ??= []).push(call.at - flow.parkStart);
  }
  return {
    parkFlowTimelineMs: Object.fromEntries(Object.entries(offsets).map(([endpoint, times]) => [endpoint, round(times.reduce((a, b) => a + b, 0) / times.length, 2)])),
    upstreamCalls: {
      perParkFlow: { total: sum(perPark), byEndpoint: perPark },
      perRetrieveFlow: { total: sum(perRetrieve), byEndpoint: perRetrieve },
      firstTimeSender: { park: callsPerFlow(firstTime, 'parkCalls'), retrieve: callsPerFlow(firstTime, 'retrieveCalls') },
      returningSender: { park: callsPerFlow(returning, 'parkCalls'), retrieve: callsPerFlow(returning, 'retrieveCalls') },
    },
  };
}

/** The like-for-like baseline's figures from its flows and rounds; its first flow per sender also discovers the space. */
export function baselineFigures(flows: BaselineFlow[], rounds: LoadRound[], senders: number, memory: { rssMb: number; peakRssMb: number }) {
  return {
    latencyMs: percentiles(flows.map((f) => f.latency)),
    latencyMsReturningSender: percentiles(flows.slice(senders).map((f) => f.latency)),
    throughput: throughput(rounds, senders),
    memory,
  };
}

export async function benchSideBySide(settings: SideBySideSettings, likeForLike: boolean) {
  const bot = await ParkBotBench.start({ entry: settings.botEntry, workers: settings.workers, restart: true });
  const baseline = await Baseline.start({ entry: settings.baselineEntry, likeForLike, senders: settings.workers });
  const sequential: FlowTimes[] = [];
  const baselineSequential: BaselineFlow[] = [];
  for (let i = 0; i < settings.sequentialFlows; i += 1) {
    sequential.push(await bot.flow(i));
    baselineSequential.push(await baseline.flow(i));
  }
  const botRounds: (LoadRound & { flowTimes: FlowTimes[] })[] = [];
  const baselineRounds: LoadRound[] = [];
  for (let r = 1; r <= settings.rounds; r += 1) {
    // Each round may fill its share of the records still to make.
    const records = Math.ceil(bot.parked + (settings.records - bot.parked) / (settings.rounds - r + 1));
    const botRound = await bot.load(settings.seconds / settings.rounds, records);
    botRounds.push(botRound);
    baselineRounds.push(await baseline.load(botRound.seconds, settings.records));
  }
  const memory = { parkedRecords: bot.parked, ...(await bot.memory()) };
  const people = bot.people;
  await bot.close();
  const baselineMemory = baseline.memory();
  await baseline.stop();

  const firstTime = sequential.slice(0, settings.workers);
  const returning = sequential.slice(settings.workers);
  const underLoad = botRounds.flatMap((r) => r.flowTimes);
  return {
    sequential,
    baselineSequential,
    parkBot: {
      botAddedLatencyMs: {
        parkFlow: percentiles(sequential.map((f) => f.park)),
        retrieveFlow: percentiles(sequential.map((f) => f.retrieve)),
        // A first-time sender's flow also pays the sender lookup and the space's discovery.
        parkFlowReturningSender: percentiles(returning.map((f) => f.park)),
        retrieveFlowReturningSender: percentiles(returning.map((f) => f.retrieve)),
        parkFlowFirstTimeSender: percentiles(firstTime.map((f) => f.park)),
        retrieveFlowFirstTimeSender: percentiles(firstTime.map((f) => f.retrieve)),
        parkFlowUnderLoad: percentiles(underLoad.map((f) => f.park)),
        retrieveFlowUnderLoad: percentiles(underLoad.map((f) => f.retrieve)),
      },
      throughput: throughput(botRounds, settings.workers),
      ...callFigures(sequential, firstTime, returning, people),
      memory,
    },
    baseline: baselineFigures(baselineSequential, baselineRounds, settings.workers, baselineMemory),
  };
}
