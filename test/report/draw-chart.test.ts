import { strict as assert } from 'node:assert';
import { ChartsBusyError, drawChart } from '../../src/report/draw-chart.js';
import { chartSvg } from '../../src/report/chart-svg.js';
import { periodOf } from '../../src/report/period.js';
import { summarize } from '../../src/report/summary.js';
import { darkPixels, decodePng } from '../support/png.js';

describe('report: the chart drawn in a process of its own', function () {
  this.timeout(60_000);
  const svg = chartSvg(summarize([{ hourStartMs: Date.parse('2026-12-04T10:00:00Z'), parked: 3, taken: 2, rangBack: 1, hungUp: 0, untracked: 0, waiting: 0, waits: [42, 125] }], periodOf('week', Date.parse('2026-12-04T15:00:00Z'))));

  it('answers with a PNG of the chart’s size, its text drawn, and the renderer’s memory', async () => {
    const { png, peakRssMb } = await drawChart(svg);
    const image = decodePng(png);
    assert.deepEqual([image.width, image.height], [960, 480]);
    assert.ok(darkPixels(image, { x: 60, y: 10, width: 400, height: 30 }) > 200, 'the title');
    assert.ok(peakRssMb > 0 && peakRssMb < 200, `${peakRssMb} MB`);
  });

  it('draws one at a time and refuses a burst past three waiting, so reports cannot fill the memory with renderers', async () => {
    const asked = Array.from({ length: 5 }, () => drawChart(svg).then(() => 'drawn', (error: unknown) => (error instanceof ChartsBusyError ? 'busy' : 'failed')));
    assert.deepEqual(await Promise.all(asked), ['drawn', 'drawn', 'drawn', 'busy', 'busy']);
    assert.equal(await drawChart(svg).then(() => 'drawn'), 'drawn', 'and draws again once they are done');
  });

  it('rejects an SVG resvg cannot read, and keeps drawing the next', async () => {
    await assert.rejects(drawChart('<not svg'));
    assert.ok((await drawChart(svg)).png.length > 1000);
  });
});
