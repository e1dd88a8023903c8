import { readFileSync } from 'node:fs';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { CHART_FONT } from './chart-svg.js';

/**
 * SVG to PNG with resvg (its WebAssembly build: one package for every platform, nothing native to
 * install or leave out of the image). Its text is drawn with DejaVu Sans from the `dejavu-fonts-ttf`
 * package, loaded here explicitly: system fonts are never looked at, so the chart reads the same on
 * every machine and in the slim image, which has none.
 */
let ready: Promise<Uint8Array> | undefined;

/** Loads the renderer and the font once, on the first chart (the bot starts without them). */
function loadRenderer(): Promise<Uint8Array> {
  ready ??= (async () => {
    await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return new Uint8Array(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')));
  })();
  return ready;
}

/** The SVG drawn to PNG at its own size, on white. */
export async function renderPng(svg: string): Promise<Buffer> {
  const font = await loadRenderer();
  const resvg = new Resvg(svg, { font: { fontBuffers: [font], defaultFontFamily: CHART_FONT }, background: '#ffffff' });
  const image = resvg.render();
  try {
    return Buffer.from(image.asPng());
  } finally {
    image.free();
    resvg.free();
  }
}
