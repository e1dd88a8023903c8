import type { ParkedCall } from '../storage/store.js';
import type { HourTally } from './figures.js';

/**
 * Where a report's figures come from: the per-space hourly tallies kept past the call records'
 * retention (counts and waits only), and the call records themselves while they are kept.
 * Implemented by both stores.
 */
export interface ReportStore {
  /** The space's kept tallies of hours in [fromMs, toMs), oldest first. */
  reportHours(roomId: string, fromMs: number, toMs: number): Promise<HourTally[]>;
  /** Keeps each tally unless one is kept for that space and hour already: the first one stands. */
  keepReportHours(roomId: string, tallies: readonly HourTally[]): Promise<void>;
  /** Forgets tallies of hours before `beforeMs`; returns how many. */
  pruneReportHours(beforeMs: number): Promise<number>;
  /** Call records parked in [fromIso, toIso), of one space when `roomId` is given, oldest first. */
  parkedCallsBetween(fromIso: string, toIso: string, roomId?: string): Promise<ParkedCall[]>;
}
