import { HOUR_MS, humanWait } from './figures.js';
import type { Summary } from './summary.js';
import { element, svgDocument, text } from './svg.js';

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 480;
/** The font the PNG renderer loads (src/report/chart-png.ts): the only one the chart names. */
export const CHART_FONT = 'DejaVu Sans';

/** The outcomes a bar is split into, bottom up, with their colours (distinct for colour-blind readers too). */
const SEGMENTS = [
  { key: 'taken', label: 'Taken', colour: '#1b7a3e' },
  { key: 'rangBack', label: 'Rang back', colour: '#e69f00' },
  { key: 'hungUp', label: 'Hung up', colour: '#c0392b' },
  { key: 'untracked', label: 'No longer tracked', colour: '#8c8c8c' },
  { key: 'waiting', label: 'Still waiting', colour: '#56b4e9' },
] as const;
const LINE_COLOUR = '#3b2f8f';

/** Steps of the wait axis a person reads at a glance: 15 s, 30 s, 1 min, 2 min, … */
const WAIT_STEPS = [15, 30, 60, 120, 300, 600, 900, 1800];

const PLOT = { left: 64, right: 72, top: 70, bottom: 92 };

/** A round step for an axis that reaches `max` in about `ticks` steps: 1, 2, 5, 10, 20, … */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return Math.max(step, 1);
}

/**
 * The chart as SVG: calls parked per day (per hour for `today`), each bar split by outcome, and the
 * median wait until taken as a line on its own axis (right). Days and hours are UTC's, and it says so.
 */
export function chartSvg(summary: Summary): string {
  const { buckets, period } = summary;
  const width = CHART_WIDTH - PLOT.left - PLOT.right;
  const height = CHART_HEIGHT - PLOT.top - PLOT.bottom;
  const font = { 'font-family': CHART_FONT, fill: '#222' };
  const countStep = niceStep(Math.max(...buckets.map((b) => b.parked)), 5);
  const countMax = countStep * Math.max(1, Math.ceil(Math.max(...buckets.map((b) => b.parked), 1) / countStep));
  const waits = buckets.map((b) => b.medianWait).filter((w): w is number => w !== undefined);
  const waitStep = WAIT_STEPS.find((step) => step * 4 >= Math.max(...waits, 60)) ?? 3600;
  const waitMax = waitStep * Math.max(1, Math.ceil(Math.max(...waits, 1) / waitStep));
  const slot = width / buckets.length;
  const barWidth = Math.max(2, slot * 0.7);
  const y = (count: number): number => PLOT.top + height - (count / countMax) * height;
  const yWait = (seconds: number): number => PLOT.top + height - (seconds / waitMax) * height;
  const hourly = period.bucketMs === HOUR_MS;
  const parts: string[] = [element('rect', { x: 0, y: 0, width: CHART_WIDTH, height: CHART_HEIGHT, fill: '#ffffff' })];

  parts.push(text(`Calls parked ${hourly ? 'per hour' : 'per day'}: ${period.title}`, { ...font, x: PLOT.left, y: 32, 'font-size': 20, 'font-weight': 'bold' }));
  parts.push(text(`${hourly ? 'Hours' : 'Days'} in UTC. Line: median wait until taken.`, { ...font, x: PLOT.left, y: 54, 'font-size': 13, fill: '#555' }));

  for (let count = 0; count <= countMax; count += countStep) {
    parts.push(element('line', { x1: PLOT.left, x2: PLOT.left + width, y1: y(count), y2: y(count), stroke: '#e3e3e3', 'stroke-width': 1 }));
    parts.push(text(String(count), { ...font, x: PLOT.left - 8, y: y(count) + 4, 'font-size': 12, 'text-anchor': 'end' }));
  }
  for (let seconds = 0; seconds <= waitMax; seconds += waitStep) {
    parts.push(text(humanWait(seconds), { ...font, x: PLOT.left + width + 8, y: yWait(seconds) + 4, 'font-size': 12, fill: LINE_COLOUR }));
  }

  const labelEvery = Math.ceil(buckets.length / 12);
  buckets.forEach((bucket, i) => {
    const x = PLOT.left + i * slot + (slot - barWidth) / 2;
    let below = 0;
    for (const segment of SEGMENTS) {
      const n = bucket[segment.key];
      if (!n) continue;
      parts.push(element('rect', { x, y: y(below + n), width: barWidth, height: y(below) - y(below + n), fill: segment.colour }));
      below += n;
    }
    if (i % labelEvery === 0) {
      const iso = new Date(bucket.startMs).toISOString();
      const label = hourly ? `${iso.slice(11, 13)}:00` : iso.slice(5, 10);
      parts.push(text(label, { ...font, x: x + barWidth / 2, y: PLOT.top + height + 18, 'font-size': 12, 'text-anchor': 'middle' }));
    }
  });
  parts.push(element('line', { x1: PLOT.left, x2: PLOT.left + width, y1: y(0), y2: y(0), stroke: '#444', 'stroke-width': 1 }));

  const points = buckets.flatMap((bucket, i) => (bucket.medianWait === undefined ? [] : [`${PLOT.left + i * slot + slot / 2},${yWait(bucket.medianWait)}`]));
  if (points.length > 1) parts.push(element('polyline', { points: points.join(' '), fill: 'none', stroke: LINE_COLOUR, 'stroke-width': 3 }));
  for (const point of points) {
    const [cx, cy] = point.split(',').map(Number);
    parts.push(element('circle', { cx: cx ?? 0, cy: cy ?? 0, r: 4, fill: LINE_COLOUR }));
  }

  let legendX = PLOT.left;
  const legendY = CHART_HEIGHT - 30;
  for (const segment of [...SEGMENTS, { label: 'Median wait', colour: LINE_COLOUR }]) {
    parts.push(element('rect', { x: legendX, y: legendY - 11, width: 14, height: 14, fill: segment.colour }));
    parts.push(text(segment.label, { ...font, x: legendX + 20, y: legendY, 'font-size': 13 }));
    legendX += 34 + segment.label.length * 8;
  }
  return svgDocument(CHART_WIDTH, CHART_HEIGHT, parts);
}
