/**
 * The chart renderer's own process (src/report/draw-chart.ts forks it for each chart): reads one SVG
 * from its parent, answers with the PNG and its own peak memory, and exits. Kept out of the bot's
 * process because compiling and running resvg's WebAssembly takes tens of megabytes the bot's heap
 * cap and peak-RSS target have no room for; here it is given back to the system as soon as the chart is drawn.
 */
import { renderPng } from './chart-png.js';

process.once('message', (message: unknown) => {
  const svg = typeof message === 'object' && message !== null ? (message as { svg?: unknown }).svg : undefined;
  const answer = typeof svg === 'string'
    ? renderPng(svg).then((png) => ({ png: png.toString('base64'), peakRssKb: process.resourceUsage().maxRSS }))
    : Promise.resolve({ error: 'no SVG given' });
  answer
    .catch((error: unknown) => ({ error: error instanceof Error ? error.message : 'the chart could not be drawn' }))
    .then((reply) => process.send?.(reply, () => process.exit(0)))
    .catch(() => process.exit(1));
});
