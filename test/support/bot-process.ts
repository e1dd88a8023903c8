import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait.js';

const ROOT = join(__dirname, '..', '..');

/** Bots still running when this process exits (a test or benchmark that failed half-way) go with it. */
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface BotProcessOptions {
  /** The script to run, relative to `cwd`: the TypeScript source by default. */
  entry?: string;
  /** The log text that says it is up. */
  ready?: string;
  /** Node's own flags; by default those in BOT_NODE_OPTIONS (the benchmark sets `npm start`'s). */
  nodeOptions?: string[];
  /** Settings for Node's runtime rather than the bot (the allocator's); by default those in BOT_NODE_ENV (`KEY=value …`, the benchmark sets `npm start`'s). */
  nodeEnv?: Record<string, string>;
  /** The folder the bot runs in: the project, or an installation of it elsewhere. */
  cwd?: string;
  /** A command that runs Node, such as `['prlimit', '--nofile=1024:1024']`; Node itself when empty. */
  launcher?: string[];
}

/** The real bot (`src/main.ts`) in its own process, as `npm start` runs it, with its output kept. */
export class BotProcess {
  output = '';
  private child?: ChildProcess;

  private readonly entry: string;
  private readonly ready: string;
  private readonly nodeOptions: string[];
  private readonly nodeEnv: Record<string, string>;
  private readonly cwd: string;
  private readonly launcher: string[];

  constructor(
    private readonly env: Record<string, string>,
    options: BotProcessOptions = {},
  ) {
    this.entry = options.entry ?? join('src', 'main.ts');
    this.ready = options.ready ?? '"event":"bot-ready"';
    this.nodeOptions = options.nodeOptions ?? process.env.BOT_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
    this.nodeEnv = options.nodeEnv ?? Object.fromEntries((process.env.BOT_NODE_ENV ?? '').split(' ').filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));
    this.cwd = options.cwd ?? ROOT;
    this.launcher = options.launcher ?? [];
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Started, and has not exited since. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The instance's own address, not the load balancer's. */
  get url(): string {
    return `http://127.0.0.1:${this.env.PORT ?? ''}`;
  }

  get lines(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Starts the bot, with `changes` to its settings if given; `output` keeps growing across restarts. */
  async start(changes: Record<string, string> = {}): Promise<void> {
    const from = this.output.length;
    const nodeOptions = this.nodeOptions;
    const loader = this.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const [command = process.execPath, ...launcherArgs] = this.launcher.length ? [...this.launcher, process.execPath] : [];
    const child = spawn(command, [...launcherArgs, ...nodeOptions, ...loader, join(this.cwd, this.entry)], {
      cwd: this.cwd,
      env: { PATH: process.env.PATH ?? '', ...this.nodeEnv, ...this.env, ...changes },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    // BOT_LOGS=1 npm test shows the bot's own log lines while the tests run.
    const keep = (chunk: Buffer): void => {
      this.output += chunk.toString();
      if (process.env.BOT_LOGS) process.stderr.write(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor('the bot to be ready', () => {
      if (child.exitCode !== null) throw new Error(`The bot exited with ${child.exitCode}:\n${this.output}`);
      return this.output.includes(this.ready, from);
    }, 20_000);
  }

  /** Exits like `kill` or Ctrl-C would make it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }
}
