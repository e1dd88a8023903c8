import { HOUR_MS, addTally, emptyTally, median, type HourTally } from './figures.js';
import type { Period } from './period.js';

/** One bar of the chart: a day (or an hour, for `today`). */
export interface Bucket extends Omit<HourTally, 'hourStartMs' | 'waits'> {
  startMs: number;
  /** Seconds; undefined when none was taken in it. */
  medianWait?: number;
}

/** The figures a report shows. */
export interface Summary {
  period: Period;
  totals: Omit<HourTally, 'hourStartMs' | 'waits'>;
  medianWait?: number;
  longestWait?: number;
  /** The hour of the day (UTC, 0–23) in which most calls were parked; undefined with none. */
  busiestHour?: number;
  buckets: Bucket[];
}

/** Adds the hours' tallies up for the period: totals, waits, the busiest hour and a bucket per bar. */
export function summarize(tallies: readonly HourTally[], period: Period): Summary {
  const inPeriod = tallies.filter((t) => t.hourStartMs >= period.fromMs && t.hourStartMs < period.toMs);
  const total = inPeriod.reduce((sum, t) => addTally(sum, t), emptyTally(period.fromMs));
  const byHourOfDay = new Array<number>(24).fill(0);
  for (const t of inPeriod) {
    const hour = new Date(t.hourStartMs).getUTCHours();
    byHourOfDay[hour] = (byHourOfDay[hour] ?? 0) + t.parked;
  }
  const most = Math.max(...byHourOfDay);
  const buckets: Bucket[] = [];
  for (let start = period.fromMs; start < period.toMs; start += period.bucketMs) {
    const inBucket = inPeriod.filter((t) => t.hourStartMs >= start && t.hourStartMs < start + period.bucketMs);
    const { hourStartMs: _start, waits, ...counts } = inBucket.reduce((sum, t) => addTally(sum, t), emptyTally(start));
    const middle = median(waits);
    buckets.push({ startMs: start, ...counts, ...(middle === undefined ? {} : { medianWait: middle }) });
  }
  const { hourStartMs: _from, waits, ...totals } = total;
  const middle = median(waits);
  return {
    period,
    totals,
    ...(middle === undefined ? {} : { medianWait: middle, longestWait: Math.max(...waits) }),
    ...(most > 0 ? { busiestHour: byHourOfDay.indexOf(most) } : {}),
    buckets,
  };
}

/** The busiest hour as an instant (today's, UTC) a card's `{{TIME()}}` shows in the reader's zone. */
export const busiestHourInstant = (hour: number, nowMs: number): string => new Date(Math.floor(nowMs / (24 * HOUR_MS)) * 24 * HOUR_MS + hour * HOUR_MS).toISOString().replace('.000Z', 'Z');
