/** The before/after table `npm run bench` prints: the figures the performance work started from, and now. */
import type { Percentiles } from './measure.js';
import type { ClientFigures } from './http-clients.js';
import type { SpacesFigures } from './spaces.js';

export interface Before {
  callsPerPark: number;
  callsPerRetrieve: number;
  parkOneAtATime: { p50: number; p99: number };
  parkSixteenAtOnce: { p99: number };
  eventsPerSecond: number;
  baselineEventsPerSecond: number;
  peakRssMb: number;
  peakRssRecords: number;
  spaces: { spaces: number; rssMb: number | null; peakRssMb: number | null; startUpMs: number; note?: string }[];
  /** Where issue 20 (round trips at a network's distance) started from, measured with `--rtt`. */
  roundTrips: {
    rttMs: number;
    criticalPath: { park: number; retrieve: number };
    timeToCardMs: { park: { p50: number; p99: number }; retrieve: { p50: number; p99: number } };
    baselineTimeToCardMs: { p50: number; p99: number };
    tail: { park: number; retrieve: number; baseline: number };
    eventsPerSecond: number;
    baselineEventsPerSecond: number;
  };
}

export interface After {
  calls: { park: number; retrieve: number };
  rttMs: number;
  /** Round trips waited for one after another, at `rttMs`. */
  criticalPath: { park: number; retrieve: number };
  timeToCardMs: { park: Percentiles; retrieve: Percentiles };
  baselineTimeToCardMs: Percentiles;
  /** p99 / p50 one at a time at zero distance, returning senders. */
  tail: { park: number; retrieve: number; baseline: number };
  parkOneAtATime: Percentiles;
  parkOneAtATimeReturning: Percentiles;
  parkUnderLoad: Percentiles;
  /** The like-for-like baseline one message at a time: how long this machine's tail is on its own. */
  baselineOneAtATime: Percentiles;
  httpClients: Record<'fetch' | 'undiciRequest', ClientFigures>;
  eventsPerSecond: number;
  baselineEventsPerSecond: number;
  /** How many load rounds each events-per-second figure is the median of. */
  rounds: number;
  peakRssMb: number;
  records: number;
  spaces: SpacesFigures[];
}

const ms = (p: { p50: number; p99: number }): string => `${p.p50.toFixed(1)} / ${p.p99.toFixed(1)} ms (${(p.p99 / p.p50).toFixed(1)} ×)`;
const toCard = (p: { p50: number; p99: number }): string => `${p.p50.toFixed(0)} / ${p.p99.toFixed(0)} ms`;
const tails = (t: { park: number; retrieve: number; baseline: number }): string => `${t.park} / ${t.retrieve} × (baseline ${t.baseline} ×)`;

/**
 * Before is where the performance work started (issue 11's first figures; for round trips, issue 20's,
 * taken at its own RTT, which the row names when it differs from this run's).
 */
export function beforeAfterTable(before: Before, after: After): string {
  const then = before.roundTrips;
  const thenAt = (text: string): string => (then.rttMs === after.rttMs ? text : `${text} (RTT ${then.rttMs} ms)`);
  const rows: [string, string, string, string][] = [
    ['', 'before', 'now', 'target'],
    ['Webex calls per park (returning sender)', String(before.callsPerPark), String(after.calls.park), '≤ 4'],
    ['Webex calls per retrieve (returning sender)', String(before.callsPerRetrieve), String(after.calls.retrieve), '≤ 4'],
    [
      'round trips one after another, park / retrieve',
      thenAt(`${then.criticalPath.park} / ${then.criticalPath.retrieve}`),
      `${after.criticalPath.park} / ${after.criticalPath.retrieve}`,
      '≤ 3 / ≤ 3',
    ],
    [`park time to card at RTT ${after.rttMs} ms, p50 / p99`, thenAt(toCard(then.timeToCardMs.park)), toCard(after.timeToCardMs.park), `p50 ≤ ${3 * after.rttMs + 15} ms`],
    [`retrieve time to card at RTT ${after.rttMs} ms, p50 / p99`, thenAt(toCard(then.timeToCardMs.retrieve)), toCard(after.timeToCardMs.retrieve), `p50 ≤ ${3 * after.rttMs + 15} ms`],
    ['like-for-like baseline echo card (context)', thenAt(toCard(then.baselineTimeToCardMs)), toCard(after.baselineTimeToCardMs), ''],
    ['one at a time at 0 ms, p99/p50: park / retrieve', tails(then.tail), tails(after.tail), '≤ baseline'],
    ['park one at a time, p50 / p99 (all flows)', ms(before.parkOneAtATime), ms(after.parkOneAtATime), ''],
    ['park one at a time, returning senders', '', ms(after.parkOneAtATimeReturning), ''],
    ['like-for-like baseline one at a time, returning', '', ms(after.baselineOneAtATime), ''],
    [
      'CPU per Webex call (client + local server)',
      `fetch ${after.httpClients.fetch.cpuMicrosPerRequest} µs`,
      `undici request ${after.httpClients.undiciRequest.cpuMicrosPerRequest} µs`,
      'the cheaper',
    ],
    ['park 16 at once, p99', `${before.parkSixteenAtOnce.p99} ms`, `${after.parkUnderLoad.p99.toFixed(0)} ms`, ''],
    [
      'events per second (× like-for-like baseline)',
      `${before.eventsPerSecond} (${(before.eventsPerSecond / before.baselineEventsPerSecond).toFixed(2)} × a stock one)`,
      `${after.eventsPerSecond} (${(after.eventsPerSecond / after.baselineEventsPerSecond).toFixed(2)} ×, median of ${after.rounds})`,
      '≥ 1 ×',
    ],
    ['peak RSS under load', `${before.peakRssMb} MB at ${before.peakRssRecords} records`, `${after.peakRssMb} MB at ${after.records} records`, '≤ 200 MB'],
  ];
  for (const now of after.spaces) {
    const then = before.spaces.find((s) => s.spaces === now.spaces);
    const memory = (rss: number | null, peak: number | null, startUpMs: number): string =>
      rss === null || peak === null ? 'crashed' : `${rss} MB (peak ${peak}), start ${(startUpMs / 1000).toFixed(1)} s`;
    rows.push([
      `${now.spaces.toLocaleString('en')} spaces, each spoke once: RSS, start-up`,
      then ? memory(then.rssMb, then.peakRssMb, then.startUpMs) : '',
      `${now.stillUp ? memory(now.afterEverySpaceSpoke.rssMb, now.afterEverySpaceSpoke.peakRssMb, now.startUpMs) : 'crashed'}; baseline peak ${now.baseline.peakRssMb}`,
      '≤ 200 MB and ≤ 1.1 × the baseline, no crash',
    ]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ').trimEnd()).join('\n');
}
