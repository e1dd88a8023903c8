/** The park bot on its own simulator, with parkers and retrievers linked, driven flow by flow or under load. */
import { World } from '../test/support/world.js';
import { heapOf, memoryOf, round, Timeline } from './measure.js';
import { parkAndRetrieve, type FlowTimes, type Worker } from './flows.js';
import type { LoadRound } from './baseline.js';

export class ParkBotBench {
  /** Parks made so far: each leaves a record in the bot's store. */
  parked = 0;

  private constructor(
    private readonly world: World,
    private readonly timeline: Timeline,
    readonly workers: Worker[],
  ) {}

  /**
   * `restart`: the bot starts afresh once everyone has linked, so each worker's first flow is a
   * first-time sender's (its lookup, its space's discovery, no call view yet) and the rest returning.
   */
  static async start(options: { entry: string; workers: number; rttMs?: number; restart: boolean; secondaryLines?: boolean }): Promise<ParkBotBench> {
    const world = await World.create({ entry: options.entry, simulator: { rttMs: options.rttMs ?? 0 } });
    // Every space exists before the bot starts: the framework drops a message that arrives while it still
    // spawns for a space it was just added to, which at a network's distance takes long enough to catch `link`.
    const workers: Worker[] = Array.from({ length: options.workers }, (_, i) => {
      const parker = world.addPerson(`Parker ${i}`, String(3000 + i));
      const retriever = world.addPerson(`Retriever ${i}`, String(5000 + i));
      world.directSpace(parker);
      world.directSpace(retriever);
      // With `secondaryLines`, each parker's calls come in on a main line shared onto her phone (issue 26).
      const line = options.secondaryLines
        ? world.sim.telephony.lines.add({ displayName: 'Main line', extension: String(8000 + i), phoneNumber: `+1408555${String(i).padStart(4, '0')}`, sharedWith: [parker.id] })
        : undefined;
      return { parker, retriever, room: world.groupSpace(`Desk ${i}`, [parker, retriever]), ...(line ? { line } : {}) };
    });
    await world.start();
    const timeline = new Timeline(world.sim);
    for (const { parker, retriever } of workers) {
      await world.link(parker);
      await world.link(retriever);
    }
    if (options.restart) {
      await world.bot.stop();
      await world.bot.start();
    }
    return new ParkBotBench(world, timeline, workers);
  }

  /** Everyone whose own chatting (messages, taps) is not the bot's doing. */
  get people(): Set<string> {
    return new Set(this.workers.flatMap((w) => [w.parker.id, w.retriever.id]));
  }

  get deliveries(): number {
    return this.timeline.deliveries;
  }

  /** The `i`th flow of the run: worker `i` modulo their number parks, and their colleague retrieves; at a person's pace when `paced`. */
  flow(i: number, paced = true): Promise<FlowTimes> {
    this.parked += 1;
    return parkAndRetrieve(this.world, this.timeline, this.workers[i % this.workers.length] as Worker, paced);
  }

  /** Every worker parks and retrieves in a loop for `seconds`, or until the store holds `records` parked calls. */
  async load(seconds: number, records: number): Promise<LoadRound & { flowTimes: FlowTimes[] }> {
    const started = performance.now();
    const deliveriesBefore = this.timeline.deliveries;
    const flowTimes: FlowTimes[] = [];
    await Promise.all(
      this.workers.map(async (_, i) => {
        while (this.parked < records && performance.now() - started < seconds * 1000) flowTimes.push(await this.flow(i, false));
      }),
    );
    // The simulator's own record of every request is what the flows read; the timeline's copy can go.
    this.timeline.requests = [];
    const elapsed = (performance.now() - started) / 1000;
    return { seconds: round(elapsed), flows: flowTimes.length, eventsPerSecond: round((this.timeline.deliveries - deliveriesBefore) / elapsed), flowTimes };
  }

  async memory(): Promise<{ rssMb: number; peakRssMb: number; heapUsedMb: number; externalMb: number }> {
    return { ...memoryOf(this.world.bot.pid), ...(await heapOf(this.world.botUrl)) };
  }

  close(): Promise<void> {
    return this.world.close();
  }
}
