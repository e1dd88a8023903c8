import { moveAll } from './lifecycle.js';
import { keepSettledHours } from '../report/gather.js';
import type { ParkedCall, Store } from '../storage/store.js';

export interface HousekeepingSettings {
  /** A call still waiting (or ringing a retriever whose answer never came) after this long is no longer shown as waiting. */
  maxWaitMs: number;
  /** Closed records are kept this long, then forgotten. */
  retentionMs: number;
  /** The report's hourly tallies (no personal data) are kept this long (REPORT_RETENTION_DAYS). */
  reportRetentionMs?: number;
}

const DEFAULT_REPORT_RETENTION_MS = 400 * 24 * 60 * 60_000;
/** An hour's tally is kept once it is this old (every call in it long closed), or half the records' retention if shorter. */
const SETTLE_MS = 2 * 24 * 60 * 60_000;
const TALLY_EVERY_MS = 60 * 60_000;
const REPORT_TALLY_LEASE = 'report-tallies';

/**
 * The clock's part in a parked call's life: a call nobody took within `maxWaitMs` expires (its card
 * must not go on claiming it waits), and records closed longer than `retentionMs` ago are pruned,
 * once the report's tallies of their hours are kept.
 * Every instance may run it: each expiry is a compare-and-set, so one instance closes each call.
 */
export async function keepHouse(store: Store, settings: HousekeepingSettings, now: Date = new Date()): Promise<{ expired: ParkedCall[]; pruned: number }> {
  const stale = await store.openParkedBefore(new Date(now.getTime() - settings.maxWaitMs).toISOString());
  const waitedSeconds = Math.round(settings.maxWaitMs / 1000);
  const expired = await moveAll(store, stale, { type: 'expired', waitedSeconds }, now);
  const cutoff = now.getTime() - settings.retentionMs;
  // Tallied before any record is pruned: each settled hour's tally is kept while all its records still
  // are. It reads every record of the retention, so once an hour, by one instance.
  if (await store.takeLease(REPORT_TALLY_LEASE, now.getTime(), TALLY_EVERY_MS)) {
    await keepSettledHours(store, now.getTime(), settings.retentionMs, Math.min(SETTLE_MS, settings.retentionMs / 2));
    await store.pruneReportHours(now.getTime() - (settings.reportRetentionMs ?? DEFAULT_REPORT_RETENTION_MS));
  }
  const pruned = await store.pruneParkedCalls(cutoff, new Date(cutoff).toISOString());
  return { expired, pruned };
}
