import { cardTime, expand, type RenderedCard } from '../cards/render.js';
import { escapeName } from '../chat/markdown.js';
import { LIST_MAX_ITEMS } from '../chat/limits.js';
import { HOUR_MS, humanWait } from './figures.js';
import { busiestHourInstant, type Bucket, type Summary } from './summary.js';

/** What `report me` shows a person: their own calls only. */
export interface PersonFigures {
  parked: number;
  /** Of the calls they parked: taken by anyone, rang back to them, callers who hung up. */
  parkedTaken: number;
  parkedRangBack: number;
  parkedHungUp: number;
  /** Calls they took themselves (retrieved or picked up), wherever parked, and the median wait of those. */
  took: number;
  medianWaitTaken?: number;
}

export interface PersonCount {
  name: string;
  taken: number;
}

const BAR_WIDTH = 20;
/** One character per outcome, in the order a bar is drawn: taken, rang back, hung up, the rest. */
const BAR_CHARS = { taken: '█', rangBack: '▓', hungUp: '▒', other: '░' } as const;
const LEGEND = '█ taken  ▓ rang back  ▒ hung up  ░ no longer tracked or still waiting';

const shortDay = (ms: number): string => new Date(ms).toISOString().slice(5, 10);
const shortHour = (ms: number): string => `${new Date(ms).toISOString().slice(11, 13)}h`;

/** A bar per day (hour for `today`) of the same numbers as the chart, drawn in characters. */
export function textBars(summary: Summary): string[] {
  const most = Math.max(1, ...summary.buckets.map((b) => b.parked));
  const label = summary.period.bucketMs === HOUR_MS ? shortHour : shortDay;
  return summary.buckets.map((bucket) => `${label(bucket.startMs)} ${bar(bucket, most)} ${bucket.parked}`);
}

function bar(bucket: Bucket, most: number): string {
  const cells = (n: number): number => Math.round((n / most) * BAR_WIDTH);
  const taken = cells(bucket.taken);
  const rangBack = cells(bucket.taken + bucket.rangBack) - taken;
  const hungUp = cells(bucket.taken + bucket.rangBack + bucket.hungUp) - taken - rangBack;
  const other = cells(bucket.parked) - taken - rangBack - hungUp;
  const drawn = BAR_CHARS.taken.repeat(taken) + BAR_CHARS.rangBack.repeat(rangBack) + BAR_CHARS.hungUp.repeat(hungUp) + BAR_CHARS.other.repeat(Math.max(0, other));
  // Figure spaces: ordinary ones collapse in a card, and the counts would not line up.
  return drawn.padEnd(BAR_WIDTH, '\u2007');
}

/** The desk's figures as title/value pairs; `{{TIME()}}` shows the busiest hour in the reader's zone. */
export function spaceFacts(summary: Summary, nowMs: number): { title: string; value: string }[] {
  const { totals } = summary;
  const facts = [
    { title: 'Calls parked', value: totals.waiting ? `${totals.parked} (${totals.waiting} still waiting)` : String(totals.parked) },
    { title: 'Taken (retrieved or picked up)', value: String(totals.taken) },
    { title: 'Rang back to the parker', value: String(totals.rangBack) },
    { title: 'Caller hung up while parked', value: String(totals.hungUp) },
    { title: 'No longer tracked', value: String(totals.untracked) },
    { title: 'Typical wait until taken (median)', value: summary.medianWait === undefined ? '–' : humanWait(summary.medianWait) },
    { title: 'Longest wait until taken', value: summary.longestWait === undefined ? '–' : humanWait(summary.longestWait) },
  ];
  if (summary.busiestHour !== undefined) {
    const start = busiestHourInstant(summary.busiestHour, nowMs);
    const end = cardTime(new Date(Date.parse(start) + HOUR_MS).toISOString());
    facts.push({ title: 'Busiest hour', value: `{{TIME(${start})}}–{{TIME(${end})}}` });
  }
  return facts;
}

/**
 * The space's report: the desk's figures, a text bar chart of the same numbers as the image (for a
 * client or an organisation that blocks files), and buttons for the other periods. Team figures only:
 * no caller and no person, but with `people` (REPORT_SHOW_PEOPLE, five people or more) the counts
 * of calls each person took, alphabetically, never ranked.
 */
export function spaceReportCard(summary: Summary, nowMs: number, people: PersonCount[] = []): RenderedCard {
  const facts = spaceFacts(summary, nowMs);
  const bars = summary.totals.parked ? textBars(summary) : [];
  const waiting = summary.totals.waiting
    ? `${summary.totals.waiting} of these calls are still waiting: they count as parked, and their outcome and wait are not in the figures yet.`
    : '';
  const shownPeople = peopleRows(people);
  const barsTitle = summary.period.bucketMs === HOUR_MS ? 'Calls parked per hour (UTC)' : 'Calls parked per day (UTC)';
  const title = `Front desk report: ${summary.period.title}`;
  const card = expand('report', {
    title,
    from: cardTime(new Date(summary.period.fromMs).toISOString()),
    scope: ', calls parked from this space',
    facts,
    barsTitle,
    bars: bars.map((line) => ({ line })),
    legend: LEGEND,
    people: shownPeople,
    note: waiting || (summary.totals.parked ? '' : 'No calls were parked from this space in this period.'),
    buttons: true,
  });
  const plainFacts = facts.map((f) => `- ${f.title}: ${f.value.replace(/\{\{TIME\(([^)]+)\)\}\}/g, (_m, iso: string) => `${iso.slice(11, 16)} UTC`)}`);
  const fallback = [`**${title}**`, ...plainFacts, ...(waiting ? [waiting] : []), ...(bars.length ? ['```', ...bars, '```'] : [])].join('\n');
  return { card, fallback };
}

/**
 * The people rows of a space's report: the first `LIST_MAX_ITEMS` as they come (alphabetically, never
 * ranked), the rest counted in one row, so a large team's report stays within the card budget.
 */
function peopleRows(people: PersonCount[]): { name: string; taken: string }[] {
  const shown = people.slice(0, LIST_MAX_ITEMS).map((p) => ({ name: escapeName(p.name), taken: String(p.taken) }));
  const rest = people.slice(LIST_MAX_ITEMS);
  if (rest.length === 0) return shown;
  const taken = rest.reduce((sum, p) => sum + p.taken, 0);
  return [...shown, { name: `${rest.length} more people took ${taken} calls`, taken: String(taken) }];
}

/** `report me`: the person's own calls, in a 1:1 space only. */
export function personReportCard(figures: PersonFigures, summaryTitle: string, fromMs: number, keptNote: string): RenderedCard {
  const facts = [
    { title: 'Calls you parked', value: String(figures.parked) },
    { title: '… taken by someone', value: String(figures.parkedTaken) },
    { title: '… rang back to you', value: String(figures.parkedRangBack) },
    { title: '… caller hung up while parked', value: String(figures.parkedHungUp) },
    { title: 'Calls you took', value: String(figures.took) },
    { title: 'Typical wait of the calls you took', value: figures.medianWaitTaken === undefined ? '–' : humanWait(figures.medianWaitTaken) },
  ];
  const title = `Your calls: ${summaryTitle}`;
  const card = expand('report', { title, from: cardTime(new Date(fromMs).toISOString()), scope: ', in every space', facts, barsTitle: '', bars: [], legend: '', people: [], note: keptNote, buttons: false });
  return { card, fallback: [`**${title}**`, ...facts.map((f) => `- ${f.title}: ${f.value}`), ...(keptNote ? [keptNote] : [])].join('\n') };
}
