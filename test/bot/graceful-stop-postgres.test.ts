import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { EventIntake } from '../../src/bot/event-intake.js';
import { PostgresStore } from '../../src/storage/postgres-store.js';
import { DatabaseGate } from '../../src/storage/database-gate.js';
import { DeliverySpool } from '../../src/storage/delivery-spool.js';
import { Metrics } from '../../src/ops/metrics.js';
import { InFlight } from '../../src/ops/in-flight.js';
import type { WebhookDelivery } from '../../src/http/webhook-route.js';
import { memoryLogger } from '../support/memory-logger.js';
import { freshDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/**
 * A graceful stop (as app.stop does it: close the intake, drain with a bound, close the database)
 * while a take of a delivery is stuck in PostgreSQL (a lock another session holds, a server that
 * stopped answering): the drain's bound must still end the stop.
 */
describe('a graceful stop while a take never comes back from PostgreSQL', () => {
  it('ends within the drain bound and a little more, rather than hanging in closing the pool', async function () {
    const url = await freshDatabase();
    if (!url) return this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'parkbot-stop-pg-'));
    const store = await PostgresStore.open(url);
    const { logger } = memoryLogger();
    const gate = new DatabaseGate(store, logger);
    const spool = new DeliverySpool(join(dir, 'spool'), 'stop-test');
    await spool.open();
    const inFlight = new InFlight();
    const intake = new EventIntake(
      { framework: async () => undefined, callEvent: async () => undefined },
      gate.store,
      new Metrics(),
      inFlight,
      logger,
      { leaseMs: 30_000, maxAttempts: 3 },
      () => 'signature',
      { gate, spool },
    );
    intake.open('BOT');
    await waitFor('the spool looked at', () => !spool.pending);
    // Another session holds the inbox: the take waits on it and never comes back.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE');
    try {
      const delivery: WebhookDelivery = {
        id: 'WEBHOOK',
        name: 'park bot',
        resource: 'messages',
        event: 'created',
        data: { id: 'MSG-1', roomId: 'ROOM', personId: 'RITA', created: new Date().toISOString() },
      };
      void intake.receive(delivery).catch(() => undefined);
      await sleep(100);

      const started = Date.now();
      const stop = (async () => {
        intake.close();
        await inFlight.drain(1_000);
        gate.close();
        await spool.close();
        await store.close();
      })();
      const ended = await Promise.race([stop.then(() => true), sleep(8_000).then(() => false)]);
      assert.equal(ended, true, `the stop had not ended ${Date.now() - started} ms after it began (drain bound 1 s)`);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
