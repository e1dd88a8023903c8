import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from './bot-process.js';

/**
 * A throwaway PostgreSQL for the test run: its own data folder, on loopback, gone afterwards.
 * Uses the server binaries of Debian's `postgresql` package (`npm run install-postgres` installs it).
 */
export interface TestPostgres {
  adminUrl: string;
  stop(): void;
  /**
   * Stops the server as an operator would for a failover or a minor-version restart ('fast': open
   * connections are told "terminating connection due to administrator command"); the data stays.
   */
  pause(): void;
  /** Starts it again on the same port and data. */
  resume(): void;
}

function serverBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

export async function startTestPostgres(): Promise<TestPostgres | { unavailable: string }> {
  const bin = serverBinaries();
  if (!bin) return { unavailable: 'no PostgreSQL server binaries under /usr/lib/postgresql (run `npm run install-postgres` as root)' };
  const dir = mkdtempSync(join(tmpdir(), 'parkbot-pg-'));
  // PostgreSQL refuses to run as root; the Debian package provides a `postgres` user for that.
  const asRoot = userInfo().uid === 0;
  const run = (command: string, args: string[]): void => {
    const [file, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    const result = spawnSync(file, fullArgs, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const port = await freePort();
  run('initdb', ['-D', join(dir, 'data'), '-U', 'parkbot', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const start = (): void =>
    run('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  start();
  return {
    adminUrl: `postgres://parkbot@127.0.0.1:${port}/postgres`,
    pause: () => run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']),
    resume: start,
    stop: () => {
      try {
        run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The URL of an empty database of its own on the run's server, or undefined when there is none. */
export async function freshDatabase(adminUrl = process.env.TEST_POSTGRES_ADMIN_URL): Promise<string | undefined> {
  if (!adminUrl) return undefined;
  const name = `parkbot_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

export const POSTGRES_SKIP_REASON = 'PostgreSQL is not available on this machine: the PostgreSQL suites are SKIPPED, not passed';
