import { DAY_MS, HOUR_MS, dayOf, hourOf } from './figures.js';

export type PeriodName = 'today' | 'week' | 'month';

/** The span a report covers, and the width of each bar of its chart. */
export interface Period {
  name: PeriodName;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  bucketMs: number;
  /** How the card and chart name it. */
  title: string;
}

/**
 * `today`: the last 24 hours, an hour a bar; `week` (the default): the last 7 days, today included,
 * a day a bar; `month`: the last 30. Days and hours are UTC's: the chart is one image for everyone,
 * and says so; the card shows the span's start in each reader's own time zone.
 */
export function periodOf(name: PeriodName, nowMs: number): Period {
  if (name === 'today') {
    const toMs = hourOf(nowMs) + HOUR_MS;
    return { name, fromMs: toMs - DAY_MS, toMs, bucketMs: HOUR_MS, title: 'the last 24 hours' };
  }
  const days = name === 'week' ? 7 : 30;
  const toMs = dayOf(nowMs) + DAY_MS;
  return { name, fromMs: toMs - days * DAY_MS, toMs, bucketMs: DAY_MS, title: `the last ${days} days` };
}
