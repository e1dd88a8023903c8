import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';
import { periodOf, type PeriodName } from '../../report/period.js';
import { personFigures, spaceSummary, takenByPerson } from '../../report/gather.js';
import { personReportCard, spaceReportCard } from '../../report/report-card.js';
import { chartSvg } from '../../report/chart-svg.js';
import { drawChart } from '../../report/draw-chart.js';
import { SupersededError } from '../../fence.js';

/** Webex previews images inline up to 1 MB; a chart is far smaller, and a larger one is not posted. */
export const CHART_MAX_BYTES = 1024 * 1024;

/**
 * `report [today|week|month]` in a space: the desk's figures for calls parked from it, as a card,
 * then the chart as a PNG in the card's thread. Anyone in the space may ask, linked or not: it reads
 * only what the bot recorded. The card says everything the chart does, for clients that block files.
 */
export async function handleReport(ctx: HandlerContext, name: PeriodName): Promise<void> {
  const now = Date.now();
  const period = periodOf(name, now);
  const { summary, calls } = await spaceSummary(ctx.services.store, ctx.conversation.roomId, period);
  const people = ctx.services.report.showPeople && !ctx.isDirect ? takenByPerson(calls) : [];
  const cardId = await ctx.conversation.sendCard(spaceReportCard(summary, now, people));
  ctx.services.metrics.reports.inc({ kind: 'space' });
  if (summary.totals.parked === 0) return;
  const started = performance.now();
  try {
    const { png } = await drawChart(chartSvg(summary));
    ctx.services.metrics.chartSeconds.observe((performance.now() - started) / 1000);
    if (png.length > CHART_MAX_BYTES) {
      ctx.logger.warn({ event: 'report-chart-too-large', bytes: png.length }, 'The report chart was larger than Webex previews; not posted');
      return;
    }
    await ctx.services.messaging.postFile({ roomId: ctx.conversation.roomId, parentId: cardId }, { name: `desk-report-${name}.png`, contentType: 'image/png', bytes: png }, `Chart: calls parked ${summary.period.title}`);
  } catch (error) {
    if (error instanceof SupersededError) throw error;
    // The card already says it all: a chart that fails (or that Webex refuses, where an admin blocks files) is only logged.
    ctx.logger.warn({ event: 'report-chart-failed', error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' }, 'Could not post the report chart');
  }
}

/** `report me`: one's own figures, only in a 1:1 space with the bot. */
export async function handleMyReport(ctx: HandlerContext, by: PersonRef, name: PeriodName): Promise<void> {
  if (!ctx.isDirect) {
    await ctx.conversation.dm(by.personId, 'Your own figures are for you only: type `report me` here, in our 1:1 space.');
    return;
  }
  const now = Date.now();
  const period = periodOf(name, now);
  const keptFrom = now - ctx.services.report.recordsRetentionMs;
  const fromMs = Math.max(period.fromMs, keptFrom);
  const figures = await personFigures(ctx.services.store, by.personId, { ...period, fromMs });
  const days = Math.round(ctx.services.report.recordsRetentionMs / 86_400_000);
  const note = period.fromMs < keptFrom ? `Calls are kept with names for ${days} days only, so these figures start then.` : '';
  await ctx.conversation.sendCard(personReportCard(figures, period.title, fromMs, note));
  ctx.services.metrics.reports.inc({ kind: 'me' });
}
