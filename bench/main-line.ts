/**
 * `npx tsx bench/main-line.ts --rtt 50 --flows 50`: park and retrieve flows one at a time with Webex at
 * a network's distance, for parkers whose calls come in on their own line and for parkers whose calls
 * come in on a secondary line (the main number, issue 26), taking turns. Prints the round trips waited
 * for one after another and the time to card of each; bench/README.md, "The main line", states them.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { ParkBotBench } from './park-bot.js';
import { percentiles, roundTripCounts } from './measure.js';
import type { FlowTimes } from './flows.js';

const { values: args } = parseArgs({
  options: {
    rtt: { type: 'string', default: '50' },
    flows: { type: 'string', default: '50' },
    workers: { type: 'string', default: '2' },
    'from-source': { type: 'boolean', default: false },
  },
});
const entry = args['from-source'] ? join('src', 'main.ts') : join('dist', 'main.js');
const rttMs = Number(args.rtt);
const workers = Number(args.workers);

function figures(flows: FlowTimes[]): Record<string, unknown> {
  return {
    parkRoundTrips: roundTripCounts(flows.map((f) => f.parkRoundTrips)),
    retrieveRoundTrips: roundTripCounts(flows.map((f) => f.retrieveRoundTrips)),
    parkToCardMs: percentiles(flows.map((f) => f.parkToCard)),
    retrieveToCardMs: percentiles(flows.map((f) => f.retrieveToCard)),
  };
}

async function main(): Promise<void> {
  const own = await ParkBotBench.start({ entry, workers, rttMs, restart: false });
  const onLine = await ParkBotBench.start({ entry, workers, rttMs, restart: false, secondaryLines: true });
  try {
    // Each worker's first flow pays the first listing of its calls (its call view starts then): not measured.
    for (let i = 0; i < workers; i += 1) {
      await own.flow(i);
      await onLine.flow(i);
    }
    const measured = { own: [] as FlowTimes[], onLine: [] as FlowTimes[] };
    for (let i = 0; i < Number(args.flows); i += 1) {
      measured.own.push(await own.flow(i));
      measured.onLine.push(await onLine.flow(i));
    }
    process.stdout.write(`${JSON.stringify({ rttMs, flows: Number(args.flows), ownLine: figures(measured.own), secondaryLine: figures(measured.onLine) }, null, 2)}\n`);
  } finally {
    await own.close();
    await onLine.close();
  }
}

void main();
