import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sinon from 'sinon';
import { EventIntake, eventKey } from '../../src/bot/event-intake.js';
import { currentAttempt } from '../../src/fence.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { DatabaseGate } from '../../src/storage/database-gate.js';
import { DeliverySpool } from '../../src/storage/delivery-spool.js';
import { Metrics } from '../../src/ops/metrics.js';
import { InFlight } from '../../src/ops/in-flight.js';
import type { WebhookDelivery } from '../../src/http/webhook-route.js';
import { memoryLogger } from '../support/memory-logger.js';
import { waitFor } from '../support/wait.js';
import { diskFullOnce } from '../support/disk-full.js';
import { DatabaseSync } from 'node:sqlite';

const LEASE_MS = 5_000;

const message = (id: string): WebhookDelivery => ({
  id: 'WEBHOOK',
  name: 'park bot',
  resource: 'messages',
  event: 'created',
  data: { id, roomId: 'ROOM', personId: 'RITA', created: new Date().toISOString() },
});

/** The inbox between the webhook route and the framework, on a real SQLite file. */
describe('the event intake', () => {
  let dir: string;
  let store: SqliteStore;
  let gate: DatabaseGate;
  let inFlight: InFlight;
  let intake: EventIntake;
  let read: string[];
  /** What the framework's handlers do for a message read (as src/bot/router.ts starts them). */
  let handle: (id: string) => void;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-intake-'));
    store = new SqliteStore(join(dir, 'parkbot.db'));
    const { logger } = memoryLogger();
    gate = new DatabaseGate(store, logger);
    const spool = new DeliverySpool(join(dir, 'spool'), 'inbox-test');
    await spool.open();
    inFlight = new InFlight();
    read = [];
    handle = () => undefined;
    intake = new EventIntake(
      {
        framework: async ({ body }) => {
          await sleep(20);
          read.push((body as WebhookDelivery).data.id);
          handle((body as WebhookDelivery).data.id);
        },
        callEvent: async () => undefined,
      },
      gate.store,
      new Metrics(),
      inFlight,
      logger,
      { leaseMs: LEASE_MS, maxAttempts: 3 },
      () => 'signature',
      { gate, spool },
    );
    intake.open('BOT');
    // Until the start's look at the spool is over, deliveries queue behind it.
    await waitFor('the spool looked at', () => !spool.pending);
  });

  afterEach(async () => {
    sinon.restore();
    intake.close();
    gate.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes, before a graceful stop ends, a delivery it was taking when the stop began', async () => {
    // The database is slow to answer the take: the stop begins in between.
    const take = store.takeDelivery.bind(store);
    sinon.stub(store, 'takeDelivery').callsFake(async (...args: Parameters<SqliteStore['takeDelivery']>) => {
      await sleep(50);
      return take(...args);
    });
    const answer = intake.receive(message('MSG-1'));
    await sleep(10);
    intake.close();

    assert.equal(await inFlight.drain(2_000), true, 'everything finished');
    assert.deepEqual(read, ['MSG-1'], 'the message was read and acted on before the stop ended');
    assert.equal(await answer, 'accepted');
    const unfinished = await store.staleDeliveries(Date.now() + 2 * LEASE_MS, LEASE_MS, 3);
    assert.deepEqual(unfinished, [], 'nothing left in the inbox for another instance to act on again');
  });

  it('runs the handlers as the attempt it works on: 1 for a take, the inbox’s number for a takeover', async () => {
    const seen = new Map<string, number | undefined>();
    handle = (id) => intake.track(eventKey('messages', 'created', id), async () => seen.set(id, currentAttempt()?.attempt));
    assert.equal(await intake.receive(message('TAKEN')), 'accepted');
    // An instance that took this one died (or was paused) a lease ago.
    await store.takeDelivery(eventKey('messages', 'created', 'LEFT'), JSON.stringify(message('LEFT')), Date.now() - 2 * LEASE_MS, LEASE_MS);

    await waitFor('both handled', () => seen.size === 2, 2 * LEASE_MS);
    assert.deepEqual(Object.fromEntries(seen), { TAKEN: 1, LEFT: 2 });
    await sleep(100);
    assert.deepEqual(await store.staleDeliveries(Date.now() + 2 * LEASE_MS, LEASE_MS, 5), [], 'each finished by its own attempt');
  });

  it('judges whether an attempt holds when the inbox’s answer is read: an answer that arrives after the lease ran out (the instance was paused meanwhile) says no', async function () {
    this.timeout(3 * LEASE_MS);
    const checks: boolean[] = [];
    let lateAnswer = false;
    const lease = store.attemptLease.bind(store);
    // The inbox answers at once; the answer reaches the instance only after a pause longer than the lease.
    sinon.stub(store, 'attemptLease').callsFake(async (...args: Parameters<SqliteStore['attemptLease']>) => {
      const answer = await lease(...args);
      if (lateAnswer) await sleep(LEASE_MS + 200);
      return answer;
    });
    handle = (id) =>
      intake.track(eventKey('messages', 'created', id), async () => {
        const attempt = currentAttempt();
        checks.push(Boolean(await attempt?.holds()));
        lateAnswer = true;
        checks.push(Boolean(await attempt?.holds()));
      });
    assert.equal(await intake.receive(message('PAUSED')), 'accepted');
    await waitFor('both checks', () => checks.length === 2, 2 * LEASE_MS);
    assert.deepEqual(checks, [true, false], 'held while its lease ran; not once an answer came after it');
  });

  it('acts on a delivery kept after one the full disk refused half-written, once the database is back', async function () {
    this.timeout(20_000);
    // Another process holds the SQLite file's write lock: the database is unavailable, deliveries are kept on disk.
    const other = new DatabaseSync(join(dir, 'parkbot.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      assert.equal(await intake.receive(message('BEFORE')), 'accepted');
      assert.equal(gate.isUp, false);
      await diskFullOnce();
      await assert.rejects(intake.receive(message('REFUSED')), /ENOSPC/, 'the webhook route answers this one 503');
      sinon.restore();
      assert.equal(await intake.receive(message('AFTER')), 'accepted', 'space is back: answered 200');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await waitFor('the deliveries kept on disk acted on', () => read.length >= 2, 10_000);
    await sleep(200);
    assert.deepEqual(read, ['BEFORE', 'AFTER']);
  });
});

/** A spool entry the bot cannot read (here a folder where its `.replaying` file should be). */
describe('the event intake with a spool entry it cannot read', () => {
  const SHORT_LEASE_MS = 500;
  let dir: string;
  let store: SqliteStore;
  let gate: DatabaseGate;
  let intake: EventIntake;
  let spool: DeliverySpool;
  let metrics: Metrics;
  let logText: () => string;
  let read: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-intake-'));
    store = new SqliteStore(join(dir, 'parkbot.db'));
    const memory = memoryLogger();
    logText = memory.text;
    gate = new DatabaseGate(store, memory.logger);
    mkdirSync(join(dir, 'spool', 'inbox-test.replaying'), { recursive: true });
    spool = new DeliverySpool(join(dir, 'spool'), 'inbox-test');
    await spool.open();
    metrics = new Metrics();
    read = [];
    intake = new EventIntake(
      { framework: async ({ body }) => void read.push((body as WebhookDelivery).data.id), callEvent: async () => undefined },
      gate.store,
      metrics,
      new InFlight(),
      memory.logger,
      { leaseMs: SHORT_LEASE_MS, maxAttempts: 3 },
      () => 'signature',
      { gate, spool },
    );
  });

  afterEach(async () => {
    sinon.restore();
    intake.close();
    gate.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const logged = (event: string): number => logText().split('\n').filter((line) => line.includes(`"event":"${event}"`)).length;

  it('stops loudly and once, without spinning, deletes nothing, and goes on by itself once the entry is fixed', async () => {
    const attempts = sinon.spy(spool, 'replay');
    const cpuBefore = process.cpuUsage();
    const wallBefore = Date.now();
    intake.open('BOT');
    assert.equal(await intake.receive(message('DURING')), 'accepted', 'a delivery meanwhile is kept on disk, behind the stuck entry');
    await sleep(1200);
    const cpu = process.cpuUsage(cpuBefore);
    const busy = (cpu.user + cpu.system) / 1000 / (Date.now() - wallBefore);
    assert.ok(busy < 0.3, `the process was busy ${Math.round(busy * 100)} % of the time: the replay spins`);
    // One at the start, then one per recovery interval (every lease/2 = 250 ms).
    assert.ok(attempts.callCount <= 7, `${attempts.callCount} replays in 1.2 s`);

    assert.equal(logged('spool-unreadable'), 1, 'one log line, not one per attempt');
    assert.match(logText(), /inbox-test\.replaying/, 'the line names the entry');
    assert.equal((await metrics.registry.getSingleMetric('parkbot_spool_unreadable')?.get())?.values[0]?.value, 1);
    assert.equal(spool.fault !== undefined, true, 'what /readyz reads');
    assert.ok(statSync(join(dir, 'spool', 'inbox-test.replaying')).isDirectory(), 'nothing deleted');
    assert.deepEqual(read, [], 'nothing acted on out of order');

    rmSync(join(dir, 'spool', 'inbox-test.replaying'), { recursive: true });
    await waitFor('the kept delivery acted on', () => read.includes('DURING'), 3000);
    await waitFor('the replay said it got past the entry', () => logged('spool-readable') === 1, 3000);
    assert.equal(spool.fault, undefined);
    assert.equal((await metrics.registry.getSingleMetric('parkbot_spool_unreadable')?.get())?.values[0]?.value, 0);
  });
});
