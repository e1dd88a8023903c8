import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { DAY_MS } from '../../src/report/figures.js';
import type { ParkedCall } from '../../src/storage/store.js';

/** Webex's ids are long: base64 of a URL naming the kind and a UUID. */
const webexId = (kind: string, n: number): string => Buffer.from(`ciscospark://us/${kind}/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`).toString('base64url');
const now = Date.parse('2026-12-04T15:30:00Z');
const CALLS = 20_000;
/** A heap the records of a day fit in many times over, and the records of a month do not. */
const HEAP_MB = 40;

/**
 * Runs `body` (with `store` open on the file, `now` given) in a Node process whose heap is capped, as
 * the bot's is in production: a report that reads more records than fit there kills the whole bot.
 */
function inSmallHeap(dbFile: string, body: string): { status: number | null; out: string; why: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parkbot-heap-'));
  const script = join(dir, 'run.ts');
  const src = (file: string): string => JSON.stringify(join(__dirname, '..', '..', 'src', file));
  writeFileSync(script, `const { SqliteStore } = require(${src('storage/sqlite-store.ts')});
const gather = require(${src('report/gather.ts')});
const store = new SqliteStore(${JSON.stringify(dbFile)});
const now = ${now};
(async () => { ${body} })().then((answer) => console.log(JSON.stringify(answer)));`);
  try {
    const run = spawnSync(process.execPath, ['--import=tsx', `--max-old-space-size=${HEAP_MB}`, script], { encoding: 'utf8', timeout: 60_000 });
    // The answer is stdout alone: Node 22 writes node:sqlite's ExperimentalWarning on stderr.
    return { status: run.status, out: run.stdout, why: /FATAL ERROR.*$/m.exec(run.stderr)?.[0] ?? run.stderr.slice(-300) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('report: a busy deployment’s month of call records', function () {
  this.timeout(120_000);
  let dir: string;
  let dbFile: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-busy-'));
    dbFile = join(dir, 'parkbot.db');
    const store = new SqliteStore(dbFile);
    // 20,000 calls over 27 settled days in 500 spaces: some 740 a day, a modest day for a large organisation.
    for (let i = 0; i < CALLS; i++) {
      const parkedMs = now - 2.5 * DAY_MS - Math.floor((i / CALLS) * 27 * DAY_MS);
      const call: ParkedCall = {
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        roomId: webexId('ROOM', i % 500),
        parkedBy: { personId: webexId('PEOPLE', i % 700), name: 'Rita Reception' },
        caller: { name: 'Alpha Customer', number: '+15550901' },
        parkedAgainst: { number: '2001' },
        state: 'retrieved',
        parkedAt: new Date(parkedMs).toISOString(),
        retrievedAt: new Date(parkedMs + 42_000).toISOString(),
        closedAt: new Date(parkedMs + 43_000).toISOString(),
        cardMessageId: webexId('MESSAGE', i),
        retrievedBy: { personId: webexId('PEOPLE', (i + 1) % 700), name: 'Sam Sales' },
      };
      void store.saveParkedCall(call);
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the hourly tallies are kept without reading every record of the retention at once (the bot’s heap is capped)', () => {
    const run = inSmallHeap(dbFile, 'return gather.keepSettledHours(store, now, 30 * 86400000, 2 * 86400000);');
    assert.equal(run.status, 0, run.why);
    assert.ok(Number(run.out.trim()) > 0, `${run.out}${run.why}`);
  });

  it('`report me month` counts one person’s calls without reading everyone’s month at once', () => {
    const run = inSmallHeap(dbFile, `return gather.personFigures(store, ${JSON.stringify(webexId('PEOPLE', 1))}, { name: 'month', fromMs: now - 30 * 86400000, toMs: now, bucketMs: 86400000, title: '' });`);
    assert.equal(run.status, 0, run.why);
    const figures = JSON.parse(run.out.trim()) as { parked: number; took: number; medianWaitTaken: number };
    const expected = Array.from({ length: CALLS }, (_, i) => i).filter((i) => i % 700 === 1).length;
    assert.deepEqual([figures.parked, figures.took, figures.medianWaitTaken], [expected, Array.from({ length: CALLS }, (_, i) => i).filter((i) => (i + 1) % 700 === 1).length, 42]);
  });
});
