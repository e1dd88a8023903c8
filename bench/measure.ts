/** What the benchmark measures with: percentiles, a process's memory, and a watch on the simulator. */
import { readFileSync } from 'node:fs';
import type { SimRequestRecord } from '../src/simulator/model.js';
import type { WebexSimulator } from '../src/simulator/server.js';
import { endpointOf as endpointName } from '../src/webex/http-client.js';

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export const round = (value: number, places = 1): number => Math.round(value * 10 ** places) / 10 ** places;

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: round(at(0.5), 3), p99: round(at(0.99), 3), max: round(sorted.at(-1) ?? 0, 3), count: sorted.length };
}

/**
 * How many round trips were waited for one after another: the longest chain of requests each sent
 * after Webex had answered the one before. Requests in flight at the same time (their intervals
 * overlap) are one step, however many there are.
 */
export function sequentialRoundTrips(records: SimRequestRecord[]): number {
  const answered = records.filter((r): r is SimRequestRecord & { answeredAt: number } => r.answeredAt !== undefined).sort((a, b) => a.at - b.at);
  const depth: number[] = [];
  answered.forEach((request, i) => {
    depth[i] = 1 + Math.max(0, ...answered.slice(0, i).map((before, j) => (before.answeredAt <= request.at ? (depth[j] ?? 0) : 0)));
  });
  return Math.max(0, ...depth);
}

/** How many flows took each number of round trips, and the number most took (the median flow's). */
export function roundTripCounts(counts: number[]): { median: number; flows: Record<string, number> } {
  const flows: Record<string, number> = {};
  for (const count of counts) flows[count] = (flows[count] ?? 0) + 1;
  return { median: percentiles(counts).p50, flows };
}

/** Resident memory of a process, from /proc: now and at its peak (MB). */
export function memoryOf(pid: number | undefined): { rssMb: number; peakRssMb: number } {
  const status = pid ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMb: round(kb('VmRSS') / 1024), peakRssMb: round(kb('VmHWM') / 1024) };
}

/** The bot's own account of its memory, from its Prometheus metrics (MB): JS heap and off-heap. */
export async function heapOf(botUrl: string): Promise<{ heapUsedMb: number; externalMb: number }> {
  const text = await (await fetch(`${botUrl}/metrics`)).text();
  const mb = (name: string): number => round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 1048576);
  return { heapUsedMb: mb('parkbot_nodejs_heap_size_used_bytes'), externalMb: mb('parkbot_nodejs_external_memory_bytes') };
}

/** Calls group by endpoint, named as the bot's own metrics name them. */
export const endpointOf = (record: SimRequestRecord): string => endpointName(record.method, record.path);

export const bodyMentions = (record: SimRequestRecord, text: string): boolean => JSON.stringify(record.body ?? '').includes(text);

/** However loaded the machine, a flow takes well under this; a longer wait is a bot that dropped it. */
const FLOW_TIMEOUT_MS = 30_000;

/**
 * Watches the simulator: when a delivery for a given data id left it, and each answered request.
 * Both feed the latency figures: bot-added = last Webex call of a flow − its webhook delivery.
 */
export class Timeline {
  readonly sentAt = new Map<string, number>();
  private readonly waiters: { match: (r: SimRequestRecord) => boolean; resolve: (r: SimRequestRecord) => void }[] = [];
  requests: SimRequestRecord[] = [];
  deliveries = 0;

  constructor(sim: WebexSimulator) {
    sim.webhooks.on('sending', (delivery) => {
      this.sentAt.set(delivery.dataId, delivery.at);
      this.deliveries += 1;
    });
    sim.events.on('request', (record) => {
      this.requests.push(record);
      const index = this.waiters.findIndex((w) => w.match(record));
      if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(record);
    });
  }

  /** The next request that `matches`; a bot that never makes it fails the run, naming `what` it waited for. */
  next(what: string, match: (r: SimRequestRecord) => boolean): Promise<SimRequestRecord> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (record: SimRequestRecord) => {
          clearTimeout(timer);
          resolve(record);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`No ${what} within ${FLOW_TIMEOUT_MS / 1000} s`));
      }, FLOW_TIMEOUT_MS);
      this.waiters.push(waiter);
    });
  }

  /** The bot's card (or any message) posted in a room. */
  botPostIn(roomId: string): Promise<SimRequestRecord> {
    return this.next(`bot message in space ${roomId}`, (r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && bodyMentions(r, roomId));
  }
}
