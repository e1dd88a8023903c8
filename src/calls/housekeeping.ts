import { moveAll } from './lifecycle.js';
import type { ParkedCall, Store } from '../storage/store.js';

export interface HousekeepingSettings {
  /** A call still waiting (or ringing a retriever whose answer never came) after this long is no longer shown as waiting. */
  maxWaitMs: number;
  /** Closed records are kept this long, then forgotten. */
  retentionMs: number;
  /** The report's hourly tallies (no personal data) are kept this long (REPORT_RETENTION_DAYS). */
  reportRetentionMs?: number;
}

/**
 * The clock's part in a parked call's life: a call nobody took within `maxWaitMs` expires (its card
 * must not go on claiming it waits), and records closed longer than `retentionMs` ago are pruned,
 * after `beforePruning` (the report keeps its tallies of their hours there: src/report/gather.ts).
 * Every instance may run it: each expiry is a compare-and-set, so one instance closes each call.
 */
export async function keepHouse(
  store: Store,
  settings: HousekeepingSettings,
  now: Date = new Date(),
  beforePruning: (nowMs: number) => Promise<void> = async () => undefined,
): Promise<{ expired: ParkedCall[]; pruned: number }> {
  const stale = await store.openParkedBefore(new Date(now.getTime() - settings.maxWaitMs).toISOString());
  const waitedSeconds = Math.round(settings.maxWaitMs / 1000);
  const expired = await moveAll(store, stale, { type: 'expired', waitedSeconds }, now);
  const cutoff = now.getTime() - settings.retentionMs;
  await beforePruning(now.getTime());
  const pruned = await store.pruneParkedCalls(cutoff, new Date(cutoff).toISOString());
  return { expired, pruned };
}
