/**
 * The bot in many spaces: how long it takes to start, and how much memory it holds once every space
 * has spoken to it (the framework keeps an object per space it has heard from).
 */
import { World } from '../test/support/world.js';
import { heapOf, memoryOf, percentiles, round, Timeline, type Percentiles } from './measure.js';
import { Baseline } from './baseline.js';

export interface SpacesFigures {
  spaces: number;
  /** From starting the process to its ready line (webhooks checked), with this many spaces. */
  startUpMs: number;
  afterStart: { rssMb: number; heapUsedMb: number };
  /** Once every space has sent one message and had its answer. */
  afterEverySpaceSpoke: { rssMb: number; peakRssMb: number; heapUsedMb: number; externalMb: number };
  /** Webhook sent → the bot's answer posted, for each space's first message (its discovery included). */
  firstAnswerMs: Percentiles;
  eventsPerSecond: number;
  /** The bot still answers its readiness check: the heap cap did not bring it down. */
  stillUp: boolean;
  /** The like-for-like baseline in as many spaces, each asked once in the same way: its RSS then and its peak. */
  baseline: { rssMb: number; peakRssMb: number };
}

const TALKERS = 8;

/** Puts the bot in `count` spaces before it starts, then has each space ask for `help` once; then the baseline, alike. */
export async function benchSpaces(entry: string, baselineEntry: string, count: number, workers: number): Promise<SpacesFigures> {
  const world = await World.create({ entry });
  const talkers = Array.from({ length: TALKERS }, (_, i) => world.addPerson(`Talker ${i}`));
  const rooms = Array.from({ length: count }, (_, i) => world.groupSpace(`Team ${i}`, [talkers[i % TALKERS] ?? talkers[0]!]));
  const startedAt = performance.now();
  await world.start();
  const startUpMs = round(performance.now() - startedAt);
  const afterStart = { rssMb: memoryOf(world.bot.pid).rssMb, heapUsedMb: (await heapOf(world.botUrl)).heapUsedMb };

  const timeline = new Timeline(world.sim);
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  const deliveriesBefore = timeline.deliveries;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < count; i = next++) {
        const room = rooms[i]!;
        const answered = timeline.botPostIn(room.id);
        const message = await world.say(talkers[i % TALKERS]!, room, 'help');
        const answer = await answered;
        latencies.push(answer.at - (timeline.sentAt.get(message.id) ?? answer.at));
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  const stillUp = await fetch(`${world.botUrl}/readyz`).then((response) => response.ok, () => false);
  const afterEverySpaceSpoke = stillUp ? { ...memoryOf(world.bot.pid), ...(await heapOf(world.botUrl)) } : { rssMb: 0, peakRssMb: 0, heapUsedMb: 0, externalMb: 0 };
  await world.close();
  const baseline = await Baseline.start({ entry: baselineEntry, likeForLike: true, senders: TALKERS, spaces: count });
  await baseline.askEverySpace(count, workers);
  const baselineMemory = baseline.memory();
  await baseline.stop();
  return {
    spaces: count,
    startUpMs,
    afterStart,
    afterEverySpaceSpoke,
    firstAnswerMs: percentiles(latencies),
    eventsPerSecond: round((timeline.deliveries - deliveriesBefore) / seconds),
    stillUp,
    baseline: baselineMemory,
  };
}
