import type { ParkedCall, Store } from '../storage/store.js';
import { DAY_MS, median, outcomeOf, tallyCalls, waitOf, type HourTally } from './figures.js';
import type { Period } from './period.js';
import type { PersonCount, PersonFigures } from './report-card.js';
import type { ReportStore } from '../storage/store.js';
import { summarize, type Summary } from './summary.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The space's figures for the period: an hour's kept tally where there is one (its records may be
 * gone), else the hour counted from the call records. Each hour comes from one source only.
 */
export async function spaceSummary(store: ReportStore, roomId: string, period: Period): Promise<{ summary: Summary; calls: ParkedCall[] }> {
  const [kept, calls] = await Promise.all([store.reportHours(roomId, period.fromMs, period.toMs), store.parkedCallsBetween(iso(period.fromMs), iso(period.toMs), roomId)]);
  const keptHours = new Set(kept.map((t) => t.hourStartMs));
  const live = tallyCalls(calls).filter((t) => !keptHours.has(t.hourStartMs));
  return { summary: summarize([...kept, ...live], period), calls };
}

/**
 * A person's own figures, from the call records (kept CLOSED_CALL_RETENTION_DAYS): the tallies name no one.
 * Read a day at a time: the records are every space's, and a month of a busy organisation's would not fit the bot's heap.
 */
export async function personFigures(store: ReportStore, personId: string, period: Period): Promise<PersonFigures> {
  const counts = { parked: 0, parkedTaken: 0, parkedRangBack: 0, parkedHungUp: 0, took: 0 };
  const waits: number[] = [];
  for (const [fromMs, toMs] of dayWindows(period.fromMs, period.toMs)) {
    for (const call of await store.parkedCallsBetween(iso(fromMs), iso(toMs))) {
      const outcome = outcomeOf(call);
      if (outcome !== undefined && call.parkedBy.personId === personId) {
        counts.parked += 1;
        if (outcome === 'taken') counts.parkedTaken += 1;
        if (outcome === 'rangBack') counts.parkedRangBack += 1;
        if (outcome === 'hungUp') counts.parkedHungUp += 1;
      }
      if (outcome === 'taken' && (call.retrievedBy ?? call.pickedUpBy)?.personId === personId) {
        counts.took += 1;
        const wait = waitOf(call);
        if (wait !== undefined) waits.push(wait);
      }
    }
  }
  const middle = median(waits);
  return { ...counts, ...(middle === undefined ? {} : { medianWaitTaken: middle }) };
}

/** [from, to) cut into windows of a day at most; each starts where the last ended, so an hour aligned start keeps every hour in one window. */
function dayWindows(fromMs: number, toMs: number): [number, number][] {
  const windows: [number, number][] = [];
  for (let start = fromMs; start < toMs; start += DAY_MS) windows.push([start, Math.min(start + DAY_MS, toMs)]);
  return windows;
}

/** The fewest people whose counts a space's report may show: fewer would single someone out. */
export const MIN_PEOPLE_SHOWN = 5;

/**
 * Calls taken per person in the space, alphabetically (never ranked), only when at least five people
 * took calls; calls let go, rung back or hung up are never counted per person.
 */
export function takenByPerson(calls: readonly ParkedCall[]): PersonCount[] {
  const counts = new Map<string, PersonCount>();
  for (const call of calls) {
    const taker = outcomeOf(call) === 'taken' ? (call.retrievedBy ?? call.pickedUpBy) : undefined;
    if (!taker) continue;
    const entry = counts.get(taker.personId) ?? { name: taker.name, taken: 0 };
    entry.taken += 1;
    counts.set(taker.personId, entry);
  }
  if (counts.size < MIN_PEOPLE_SHOWN) return [];
  return [...counts.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const DEFAULT_REPORT_RETENTION_MS = 400 * DAY_MS;
/** An hour's tally is kept once it is this old (every call in it long closed), or half the records' retention if shorter. */
const SETTLE_MS = 2 * DAY_MS;
const TALLY_EVERY_MS = 60 * 60_000;
const REPORT_TALLY_LEASE = 'report-tallies';

/**
 * Housekeeping's step before call records are pruned (`keepHouse`'s `beforePruning`): each settled
 * hour's tally is kept while all its records still are, and tallies past `reportRetentionMs` go. It
 * reads every record of the retention, so once an hour, by one instance.
 */
export async function keepReportTallies(store: Store, nowMs: number, settings: { retentionMs: number; reportRetentionMs?: number | undefined }): Promise<void> {
  if (!(await store.takeLease(REPORT_TALLY_LEASE, nowMs, TALLY_EVERY_MS))) return;
  await keepSettledHours(store, nowMs, settings.retentionMs, Math.min(SETTLE_MS, settings.retentionMs / 2));
  await store.pruneReportHours(nowMs - (settings.reportRetentionMs ?? DEFAULT_REPORT_RETENTION_MS));
}

/**
 * Tallies of settled hours, to keep past the records' retention: hours that ended `settleMs` ago or
 * more, none of whose calls is still open, whose records are all still kept (parked within the
 * records' retention). The store keeps the first tally of an hour, so running this again changes nothing.
 */
export async function keepSettledHours(store: ReportStore, nowMs: number, recordsRetentionMs: number, settleMs: number): Promise<number> {
  const fromMs = Math.ceil((nowMs - recordsRetentionMs) / 3_600_000) * 3_600_000;
  const toMs = Math.floor((nowMs - settleMs) / 3_600_000) * 3_600_000;
  if (toMs <= fromMs) return 0;
  let kept = 0;
  // A day of records at a time (every space's): the whole retention of a busy organisation would not fit the bot's heap.
  // The windows start on the hour, so each hour is tallied from all its records at once.
  for (const [windowFrom, windowTo] of dayWindows(fromMs, toMs)) {
    const byRoom = new Map<string, ParkedCall[]>();
    for (const call of await store.parkedCallsBetween(iso(windowFrom), iso(windowTo))) {
      const roomCalls = byRoom.get(call.roomId) ?? [];
      roomCalls.push(call);
      byRoom.set(call.roomId, roomCalls);
    }
    for (const [roomId, roomCalls] of byRoom) {
      const settled: HourTally[] = tallyCalls(roomCalls).filter((t) => t.waiting === 0);
      await store.keepReportHours(roomId, settled);
      kept += settled.length;
    }
  }
  return kept;
}
