/**
 * The report's chart: how long drawing one takes and how much memory its renderer process holds (a
 * month of busy hours, drawn again and again), and in the bot (`report month` asked in a space one
 * after another: from the message to the chart posted, and the bot's peak RSS meanwhile).
 */
import { openFrontDesk } from '../test/support/front-desk.js';
import { cardText } from '../test/support/world.js';
import { waitFor } from '../test/support/wait.js';
import { chartSvg } from '../src/report/chart-svg.js';
import { drawChart } from '../src/report/draw-chart.js';
import { HOUR_MS, type HourTally } from '../src/report/figures.js';
import { periodOf } from '../src/report/period.js';
import { summarize } from '../src/report/summary.js';
import { memoryOf, percentiles, type Percentiles } from './measure.js';

export interface ChartFigures {
  /** Each chart drawn as the bot draws it: in a process of its own, started for it. */
  chartMs: Percentiles;
  pngBytes: number;
  /** The renderer process's peak RSS, the highest of all charts. */
  rendererPeakRssMb: number;
  /** In the bot: `report month` sent → the chart posted, one at a time. */
  reportToChartMs: Percentiles;
  botPeakRssMb: number;
}

/** A month of a busy desk: every hour with calls, most taken, some rung back, a few lost. */
function busyMonth(nowMs: number): HourTally[] {
  const period = periodOf('month', nowMs);
  return Array.from({ length: (period.toMs - period.fromMs) / HOUR_MS }, (_, i) => {
    const taken = 3 + (i % 7);
    const tally = { hourStartMs: period.fromMs + i * HOUR_MS, taken, rangBack: i % 3, hungUp: i % 5 === 0 ? 1 : 0, untracked: i % 11 === 0 ? 1 : 0, waiting: 0 };
    return { ...tally, parked: taken + tally.rangBack + tally.hungUp + tally.untracked, waits: Array.from({ length: taken }, (_, j) => 20 + ((i * 13 + j * 29) % 240)) };
  });
}

export async function benchCharts(entry: string, charts: number, reports: number): Promise<ChartFigures> {
  const now = Date.now();
  const summary = summarize(busyMonth(now), periodOf('month', now));
  const times: number[] = [];
  let rendererPeakRssMb = 0;
  let pngBytes = 0;
  for (let i = 0; i < charts; i += 1) {
    const started = performance.now();
    const drawn = await drawChart(chartSvg(summary));
    times.push(performance.now() - started);
    rendererPeakRssMb = Math.max(rendererPeakRssMb, drawn.peakRssMb);
    pngBytes = drawn.png.length;
  }

  const { world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam'], { entry });
  try {
    for (let i = 0; i < 3; i += 1) {
      world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: `Bench Caller ${i}`, number: `+1555070${i}` } });
      const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'a parked card', (m) => cardText(m).includes(`Bench Caller ${i}`));
      await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card', (m) => cardText(m).startsWith('Retrieved by'));
      world.hangUpEverything();
    }
    const reportTimes: number[] = [];
    for (let i = 0; i < reports; i += 1) {
      const seen = world.seenIn(frontDesk);
      const asked = performance.now();
      await world.say(sam, frontDesk, 'report month');
      await waitFor('the chart', () => world.botMessages(frontDesk).find((m) => !seen.has(m.id) && m.files?.length === 1));
      reportTimes.push(performance.now() - asked);
    }
    return {
      chartMs: percentiles(times),
      pngBytes,
      rendererPeakRssMb,
      reportToChartMs: percentiles(reportTimes),
      botPeakRssMb: memoryOf(world.bot.pid).peakRssMb,
    };
  } finally {
    await world.close();
  }
}
