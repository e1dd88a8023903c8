import { fork } from 'node:child_process';
import { extname, join } from 'node:path';

/** A chart that takes longer than this is given up: the card already says it all. */
const DRAW_TIMEOUT_MS = 20_000;

/**
 * Node's flags for the renderer: the loader the bot runs under (tsx in development) kept, its heap
 * flags left out, and V8 told to compile WebAssembly with its baseline compiler only: a chart is
 * drawn once, and the optimising tier would cost some 60 MB more memory and more time than it saves.
 */
const rendererFlags = (): string[] => [...process.execArgv.filter((flag) => !/^--max-(old|semi)-space-size/.test(flag)), '--liftoff-only', '--max-old-space-size=64'];

export interface DrawnChart {
  png: Buffer;
  /** The renderer process's peak resident memory. */
  peakRssMb: number;
}

/** One renderer at a time, and only a few charts waiting for it: reports asked in a burst cannot fill the memory with renderers. */
const MAX_WAITING = 3;
let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

export class ChartsBusyError extends Error {
  constructor() {
    super(`${MAX_WAITING} charts are already waiting to be drawn`);
    this.name = 'ChartsBusyError';
  }
}

/**
 * Draws the SVG to PNG in a short-lived process of its own (src/report/chart-process.ts), one chart
 * at a time; refused (`ChartsBusyError`) while `MAX_WAITING` wait already: the card has the figures.
 */
export function drawChart(svg: string): Promise<DrawnChart> {
  if (waiting >= MAX_WAITING) return Promise.reject(new ChartsBusyError());
  waiting += 1;
  const drawn = queue.then(() => drawInProcess(svg)).finally(() => (waiting -= 1));
  queue = drawn.catch(() => undefined);
  return drawn;
}

function drawInProcess(svg: string): Promise<DrawnChart> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, `chart-process${extname(__filename)}`), [], { execArgv: rendererFlags(), stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    const timer = setTimeout(() => child.kill('SIGKILL'), DRAW_TIMEOUT_MS);
    let settled = false;
    child.once('message', (reply: { png?: string; peakRssKb?: number; error?: string }) => {
      settled = true;
      if (reply.png) resolve({ png: Buffer.from(reply.png, 'base64'), peakRssMb: Math.round(((reply.peakRssKb ?? 0) / 1024) * 10) / 10 });
      else reject(new Error(reply.error ?? 'the chart could not be drawn'));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`the chart renderer stopped (${signal ?? code ?? 'unknown'}) ${stderr.trim()}`.trim()));
    });
    child.once('error', reject);
    child.send({ svg });
  });
}
