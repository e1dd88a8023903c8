import type { HourTally, ParkedCall } from '../storage/store.js';

export type { HourTally };

export type Outcome = 'taken' | 'rangBack' | 'hungUp' | 'untracked' | 'waiting';
export const OUTCOMES: readonly Outcome[] = ['taken', 'rangBack', 'hungUp', 'untracked', 'waiting'];

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/** What became of one call; undefined when it was never parked (Webex refused, or the park is under way). */
export function outcomeOf(call: ParkedCall): Outcome | undefined {
  if (call.notParked !== undefined) return undefined;
  switch (call.state) {
    case 'parking':
      return undefined;
    case 'waiting':
    case 'retrieving':
    case 'ringing':
      return 'waiting';
    case 'retrieved':
    case 'picked-up':
      return 'taken';
    case 'rang-back':
      return 'rangBack';
    case 'gone':
      return 'hungUp';
    case 'superseded':
    case 'expired':
      return 'untracked';
  }
}

/** Seconds from parked until taken (retrieved, or closed by a pick-up); undefined for a call not taken. */
export function waitOf(call: ParkedCall): number | undefined {
  if (outcomeOf(call) !== 'taken') return undefined;
  const takenAt = Date.parse(call.retrievedAt ?? call.closedAt ?? '');
  const parkedAt = Date.parse(call.parkedAt);
  if (!Number.isFinite(takenAt) || !Number.isFinite(parkedAt)) return undefined;
  return Math.max(0, Math.round((takenAt - parkedAt) / 1000));
}

export const emptyTally = (hourStartMs: number): HourTally => ({ hourStartMs, parked: 0, taken: 0, rangBack: 0, hungUp: 0, untracked: 0, waiting: 0, waits: [] });

/** The records' tallies, one per hour with a call, oldest first. */
export function tallyCalls(calls: readonly ParkedCall[]): HourTally[] {
  const hours = new Map<number, HourTally>();
  for (const call of calls) {
    const outcome = outcomeOf(call);
    const parkedAt = Date.parse(call.parkedAt);
    if (outcome === undefined || !Number.isFinite(parkedAt)) continue;
    const hour = hourOf(parkedAt);
    const tally = hours.get(hour) ?? emptyTally(hour);
    hours.set(hour, tally);
    tally.parked += 1;
    tally[outcome] += 1;
    const wait = waitOf(call);
    if (wait !== undefined) tally.waits.push(wait);
  }
  return [...hours.values()].sort((a, b) => a.hourStartMs - b.hourStartMs);
}

/** Adds `b` into `a`. */
export function addTally(a: HourTally, b: HourTally): HourTally {
  for (const outcome of OUTCOMES) a[outcome] += b[outcome];
  a.parked += b.parked;
  a.waits.push(...b.waits);
  return a;
}

/** The median of the numbers (the mean of the middle two for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** A wait as a person reads it: "42 s", "2 min 5 s", "1 h 3 min". */
export function humanWait(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const minutes = Math.round((s % 3600) / 60);
  return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${Math.floor(s / 3600)} h`;
}
