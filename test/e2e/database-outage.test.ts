import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { freshDatabase, POSTGRES_SKIP_REASON, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * PostgreSQL goes away under two running instances, as in a failover or a minor-version restart:
 * the server is stopped ("terminating connection due to administrator command") and started again.
 * Nothing people asked meanwhile is lost, nothing is done twice, and nobody restarts the bot.
 */
describe('PostgreSQL stopped and started under two running instances', function () {
  this.timeout(60_000);
  const OUTAGE_MS = 6000;
  let server: TestPostgres | undefined;
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async function () {
    const started = await startTestPostgres();
    if ('unavailable' in started) {
      process.stderr.write(`${POSTGRES_SKIP_REASON}\n`);
      return this.skip();
    }
    server = started;
    const databaseUrl = (await freshDatabase(server.adminUrl)) as string;
    world = await World.create({ instances: 2, databaseUrl, env: { EVENT_LEASE_SECONDS: '2' } });
    await world.start();
    rita = world.addPerson('Rita Reception', '2001');
    sam = world.addPerson('Sam Sales', '2002');
    priya = world.addPerson('Priya Support', '2003');
    frontDesk = world.groupSpace('Front desk', [rita, sam, priya]);
    for (const person of [rita, sam, priya]) await world.link(person);
  });

  beforeEach(() => world?.hangUpEverything());

  after(async () => {
    await world?.close();
    server?.stop();
  });

  const readiness = async (url: string): Promise<{ status: number; database: string }> => {
    const response = await fetch(`${url}/readyz`);
    const body = (await response.json()) as { checks: { database: string } };
    return { status: response.status, database: body.checks.database };
  };

  it('keeps every instance running when the server restarts under it', async () => {
    server?.pause();
    await sleep(1000);
    server?.resume();
    await sleep(1000);
    assert.deepEqual(
      world.bots.map((bot) => bot.running),
      [true, true],
      `both instances are still running:\n${world.bots.map((bot) => bot.output.split('\n').slice(-14).join('\n')).join('\n')}`,
    );
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'After the restart' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the card', (m) => Boolean(m.attachments));
    assert.match(cardText(card), /After the restart/);
  });

  it('keeps what people asked during a stop, and does each of it once when the server is back', async () => {
    world.sim.webhooks.deliverTwice = true;
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Waiting before' } });
    const cardA = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the first card', (m) => Boolean(m.attachments));
    await world.sim.webhooks.settled();
    const parksBefore = world.callControl('/park').length;
    const retrievesBefore = world.callControl('/retrieve').length;
    const seen = world.seenIn(frontDesk);

    server?.pause();
    const stoppedAt = Date.now();
    try {
      await waitFor('both instances to say the database is down', async () => {
        const states = await Promise.all(world.bots.map((bot) => readiness(bot.url)));
        return states.every((state) => state.status === 503 && state.database === 'unreachable');
      });
      world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'During the stop' } });
      await world.say(sam, frontDesk, 'park');
      const data = submitButtons(cardA)[0]?.data;
      await Promise.all([world.tap(priya, cardA, data), world.tap(rita, cardA, data)]);
      await world.sim.webhooks.settled();
      assert.equal(world.callControl('/park').length, parksBefore, 'nothing was parked while the database was down');
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    } finally {
      server?.resume();
    }

    const isCard = (text: RegExp) => (m: SimMessage) => !seen.has(m.id) && Boolean(m.attachments) && text.test(cardText(m));
    await waitFor('the park asked during the stop', () => world.botMessages(frontDesk).find(isCard(/During the stop/)), 30_000);
    await waitFor('the retrieve tapped during the stop', () => world.botMessages(frontDesk).find(isCard(/Retrieved by (Priya Support|Rita Reception)/)), 30_000);
    await sleep(3000);
    await world.sim.webhooks.settled();

    assert.equal(world.botMessages(frontDesk).filter(isCard(/During the stop/)).length, 1, 'one card for the park asked during the stop');
    assert.equal(world.callControl('/park').length - parksBefore, 1, 'Webex was asked to park once');
    assert.equal(world.callControl('/retrieve').length - retrievesBefore, 1, 'one retrieve for two taps');
    assert.equal(world.botMessages(frontDesk).filter(isCard(/Retrieved by/)).length, 1, 'one retrieved card');
    assert.deepEqual(world.bots.map((bot) => bot.running), [true, true]);
    const spooled = world.bots.flatMap((bot) => bot.lines.filter((line) => line.event === 'delivery-spooled'));
    assert.ok(spooled.length > 0, 'deliveries were kept on disk meanwhile');
    for (const bot of world.bots) assert.deepEqual(await readiness(bot.url), { status: 200, database: 'ok' });
  });
});
