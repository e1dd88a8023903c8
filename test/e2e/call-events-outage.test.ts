import { strict as assert } from 'node:assert';
import { DatabaseSync } from 'node:sqlite';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { freshDatabase, POSTGRES_SKIP_REASON, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * Issue 25: an instance just restarted (nothing about people's webhooks in its memory) meets a
 * database outage, and a parked call rings back its parker meanwhile. The recall's call event is
 * checked from configuration alone and kept on disk (200), and the card says so once the database is
 * back; before, the address's key could only be looked up in the database, and the event got 503
 * until Webex gave up, the card saying "waiting" while the caller rang back.
 */
interface Outage {
  name: string;
  /** A world with Rita and Sam linked, or undefined to skip. */
  open(): Promise<{ world: World; rita: TestPerson; sam: TestPerson; frontDesk: SimRoom } | undefined>;
  /** Takes the database away; the bot has noticed when this returns. */
  begin(world: World, sam: TestPerson, frontDesk: SimRoom): Promise<void>;
  end(): void;
  close(): void;
}

function sqliteLocked(): Outage {
  let lock: DatabaseSync | undefined;
  return {
    name: 'SQLite locked by another process',
    open: () => openFrontDesk(['rita', 'sam'], { env: { EVENT_LEASE_SECONDS: '2' } }),
    async begin(world, sam, frontDesk) {
      lock = new DatabaseSync(world.databaseFile);
      lock.exec('BEGIN IMMEDIATE');
      // Reads still work under a write lock: the bot finds the database away at its next write (Sam's message, kept on disk).
      await world.say(sam, frontDesk, 'help');
      await waitFor('the bot to say the database is unavailable', () => world.bot.lines.find((line) => line.event === 'database-unavailable'), 20_000);
    },
    end() {
      lock?.exec('ROLLBACK');
      lock?.close();
      lock = undefined;
    },
    close() {
      this.end();
    },
  };
}

function postgresStopped(): Outage {
  let server: TestPostgres | undefined;
  let stopped = false;
  return {
    name: 'PostgreSQL stopped',
    async open() {
      const started = await startTestPostgres();
      if ('unavailable' in started) {
        process.stderr.write(`${POSTGRES_SKIP_REASON}\n`);
        return undefined;
      }
      server = started;
      const databaseUrl = (await freshDatabase(server.adminUrl)) as string;
      return openFrontDesk(['rita', 'sam'], { databaseUrl, env: { EVENT_LEASE_SECONDS: '2' } });
    },
    async begin(world) {
      server?.pause();
      stopped = true;
      await waitFor('the bot to find the database down', async () => (await fetch(`${world.bot.url}/readyz`)).status === 503, 20_000);
    },
    end() {
      if (stopped) server?.resume();
      stopped = false;
    },
    close() {
      server?.stop();
    },
  };
}

for (const outage of [sqliteLocked(), postgresStopped()]) {
  describe(`Call events right after a restart, during an outage (${outage.name})`, function () {
    this.timeout(90_000);
    let world: World | undefined;
    let rita: TestPerson;
    let sam: TestPerson;
    let frontDesk: SimRoom;

    before(async function () {
      const opened = await outage.open();
      if (!opened) return this.skip();
      ({ world, rita, sam, frontDesk } = opened);
      await world.callEventsWatched(rita);
      world.sim.telephony.recallMs = 10 * 60_000;
    });

    after(async () => {
      outage.end();
      await world?.close();
      outage.close();
    });

    it('verifies a recall from configuration alone, keeps it (200), and the card says it rang back once the database is back', async () => {
      const w = world as World;
      w.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Recall Caller', number: '+15550901' } });
      await w.expectBotMessage(frontDesk, () => w.say(rita, frontDesk, 'park'), 'the card', (m) => /Recall Caller/.test(cardText(m)));
      await w.sim.webhooks.settled();
      assert.equal(await w.bot.stop(), 0);
      await w.bot.start();
      const seen = w.seenIn(frontDesk);

      await outage.begin(w, sam, frontDesk);
      try {
        const sent = w.sim.webhooks.deliveries.length;
        w.sim.telephony.recall('2001');
        await w.sim.webhooks.settled();
        const ritas = new Set(w.callWebhooks(rita).map((webhook) => webhook.id));
        const recall = w.sim.webhooks.deliveries.slice(sent).filter((d) => d.resource === 'telephony_calls' && ritas.has(d.webhookId));
        assert.ok(recall.length > 0, 'Webex delivered Rita’s recall');
        assert.deepEqual(
          recall.map((d) => d.status),
          recall.map(() => 200),
          `every call event was taken:\n${w.bot.lines.filter((l) => String(l.event).startsWith('webhook') || l.event === 'delivery-spooled').map((l) => JSON.stringify(l)).join('\n')}`,
        );
        assert.equal(w.botMessages(frontDesk).filter((m) => !seen.has(m.id)).length, 0, 'nothing changes while the database is away');
      } finally {
        outage.end();
      }

      const isRangBack = (m: SimMessage) => !seen.has(m.id) && Boolean(m.attachments) && /Rang back to Rita Reception/.test(cardText(m));
      const rangBack = await waitFor('the card to say the call rang back', () => w.botMessages(frontDesk).find(isRangBack), 30_000);
      assert.match(cardText(rangBack), /Recall Caller/);
      assert.deepEqual(submitButtons(rangBack), [], 'no Retrieve button for a call that rang back');
    });
  });
}
