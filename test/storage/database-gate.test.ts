import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseSync } from 'node:sqlite';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { DatabaseGate, DatabaseUnavailableError, outageReason } from '../../src/storage/database-gate.js';
import type { ParkedCall } from '../../src/storage/store.js';
import { memoryLogger } from '../support/memory-logger.js';

const record = (id: string): ParkedCall => ({
  id,
  roomId: 'ROOM',
  parkedBy: { personId: 'RITA', name: 'Rita' },
  caller: { name: 'Caller' },
  parkedAgainst: { number: '2001' },
  note: 'x'.repeat(2000),
  state: 'waiting',
  parkedAt: new Date().toISOString(),
});

describe('The database gate', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-gate-'));
    store = new SqliteStore(join(dir, 'parkbot.db'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells an outage (locked, full, connection lost) from a query that is wrong', () => {
    const sqlite = (errcode: number, message: string): Error => Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode });
    assert.match(outageReason(sqlite(5, 'database is locked')) ?? '', /locked/);
    assert.match(outageReason(sqlite(13, 'database or disk is full')) ?? '', /disk full/);
    assert.match(outageReason(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })) ?? '', /administrator/);
    assert.match(outageReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) ?? '', /ECONNREFUSED/);
    assert.ok(outageReason(new Error('Connection terminated unexpectedly')));
    assert.equal(outageReason(sqlite(19, 'UNIQUE constraint failed')), undefined);
    assert.equal(outageReason(Object.assign(new Error('duplicate key'), { code: '23505' })), undefined);
  });

  it('lets work wait out a full disk and finish once there is room, saying why in the log', async () => {
    const { logger, text } = memoryLogger();
    const gate = new DatabaseGate(store, logger, { probeMs: 20 });
    const db = (store as unknown as { driver: { db: DatabaseSync } }).driver.db;
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);

    let finished = 0;
    const saves = Array.from({ length: 20 }, (_, i) => gate.store.saveParkedCall(record(`call-${i}`)).then(() => (finished += 1)));
    await sleep(300);
    assert.equal(gate.isUp, false, 'the gate saw the disk full');
    assert.ok(finished < 20, 'the saves that found no room are waiting');
    await assert.rejects(gate.store.takeDelivery('k', '{}', Date.now(), 1000), DatabaseUnavailableError, 'the inbox fails fast meanwhile');

    db.exec('PRAGMA max_page_count = 1073741823');
    await Promise.all(saves);
    assert.equal(finished, 20);
    assert.equal(gate.isUp, true);
    const lines = text().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event?: string; reason?: string });
    assert.match(lines.find((line) => line.event === 'database-unavailable')?.reason ?? '', /disk full/);
    assert.ok(lines.some((line) => line.event === 'database-back'));
    assert.equal((await gate.store.waitingInRoom('ROOM')).length, 20, 'each saved once');
    gate.close();
  });

  it('passes other errors straight through', async () => {
    const gate = new DatabaseGate(store, memoryLogger().logger, { probeMs: 20 });
    await gate.store.saveParkedCall(record('same'));
    await assert.rejects(gate.store.saveParkedCall(record('same')), /UNIQUE/);
    assert.equal(gate.isUp, true);
  });
});
