/**
 * `npx tsx bench/sqlite-drivers.ts [--better-sqlite3 DIR]`: the embedded store's hot statements (an
 * inbox insert and its finish, a space's waiting calls, a lease) on `node:sqlite`, and, when DIR holds
 * an install of better-sqlite3 (`npm install better-sqlite3@13` there), on it too, with the same SQL,
 * file settings (the store's own pragmas; `--synchronous FULL` to compare) and prepared-statement reuse. Prints operations per second and microseconds per
 * operation; the choice it informed is in bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { SQLITE_PRAGMAS } from '../src/storage/sqlite-store.js';

interface Driver {
  exec(sql: string): void;
  prepare(sql: string): { run(...values: (string | number)[]): unknown; all(...values: (string | number)[]): unknown[] };
  close(): void;
}

const { values: args } = parseArgs({ options: { 'better-sqlite3': { type: 'string' }, operations: { type: 'string', default: '20000' }, synchronous: { type: 'string', default: 'NORMAL' } } });
const OPERATIONS = Number(args.operations);
/** The store's own settings, or another `synchronous` level to see what durability costs. */
const synchronous = args.synchronous.toUpperCase();

function measure(name: string, open: (file: string) => Driver): void {
  const dir = mkdtempSync(join(tmpdir(), 'parkbot-sqlite-bench-'));
  const db = open(join(dir, 'bench.db'));
  SQLITE_PRAGMAS.forEach((pragma) => db.exec(`PRAGMA ${pragma.replace('NORMAL', synchronous)}`));
  MIGRATIONS.forEach((sql) => db.exec(sql));
  const take = db.prepare('INSERT INTO inbox (event_key, body, seen_at, lease_until) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const finish = db.prepare('UPDATE inbox SET done_at = ? WHERE event_key = ?');
  const waiting = db.prepare("SELECT record, state, claimed_by, claimed_at, claim_key FROM parked_calls WHERE room_id = ? AND state = 'waiting' ORDER BY parked_at");
  const lease = db.prepare(
    'INSERT INTO leases (name, lease_until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until WHERE leases.lease_until < ?',
  );
  const body = JSON.stringify({ id: 'x'.repeat(60), data: { roomId: 'y'.repeat(60), personId: 'z'.repeat(60) } });
  const started = process.hrtime.bigint();
  for (let i = 0; i < OPERATIONS; i += 1) {
    const now = Date.now();
    take.run(`messages:created:${i}`, body, now, now + 30_000);
    finish.run(now, `messages:created:${i}`);
    waiting.all(`room-${i % 50}`);
    lease.run(`lease-${i % 5}`, now + 1, now);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const statements = OPERATIONS * 4;
  process.stdout.write(`${name.padEnd(28)} ${Math.round(statements / seconds).toLocaleString('en-US').padStart(10)} statements/s   ${((seconds / statements) * 1e6).toFixed(1)} µs each\n`);
}

process.stdout.write(`Node.js ${process.version}, ${OPERATIONS.toLocaleString('en-US')} rounds of 4 statements, each driver on a fresh file, synchronous = ${synchronous}\n`);
measure('node:sqlite', (file) => new DatabaseSync(file));
const betterDir = args['better-sqlite3'];
if (betterDir) {
  const load = createRequire(join(betterDir, 'package.json'));
  const Better = load('better-sqlite3') as new (file: string) => Driver;
  const version = (load('better-sqlite3/package.json') as { version: string }).version;
  measure(`better-sqlite3 ${version}`, (file) => new Better(file));
}
