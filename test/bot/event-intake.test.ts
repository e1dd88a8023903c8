import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
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
});
