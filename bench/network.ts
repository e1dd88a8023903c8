/**
 * The bot and the like-for-like baseline with Webex at a network's distance: the simulator answers
 * each request a round trip late, so what a person waits for is the round trips made one after
 * another. Flows are taken one at a time, the two bots taking turns.
 */
import { Baseline, type BaselineFlow } from './baseline.js';
import { ParkBotBench } from './park-bot.js';
import type { FlowTimes } from './flows.js';

/** One-at-a-time flows need no crowd: a few workers, each warmed up once. */
const MAX_WORKERS = 4;

export async function flowsAtDistance(options: { botEntry: string; baselineEntry: string; rttMs: number; workers: number; flows: number }): Promise<{ bot: FlowTimes[]; baseline: BaselineFlow[] }> {
  const workers = Math.min(options.workers, MAX_WORKERS);
  const bot = await ParkBotBench.start({ entry: options.botEntry, workers, rttMs: options.rttMs, restart: false });
  const baseline = await Baseline.start({ entry: options.baselineEntry, likeForLike: true, senders: workers, rttMs: options.rttMs });
  try {
    // Each worker's first flow pays its sender lookup, its space's discovery and (for the bot) the first listing of its calls.
    for (let i = 0; i < workers; i += 1) {
      await bot.flow(i);
      await baseline.flow(i);
    }
    const measured = { bot: [] as FlowTimes[], baseline: [] as BaselineFlow[] };
    for (let i = 0; i < options.flows; i += 1) {
      measured.bot.push(await bot.flow(i));
      measured.baseline.push(await baseline.flow(i));
    }
    return measured;
  } finally {
    await bot.close();
    await baseline.stop();
  }
}
