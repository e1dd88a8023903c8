import { strict as assert } from 'node:assert';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { freshDatabase, POSTGRES_SKIP_REASON } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import type { SimRoom } from '../../src/simulator/model.js';

describe('Two bot instances on one PostgreSQL behind a load balancer', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async function () {
    const databaseUrl = await freshDatabase();
    if (!databaseUrl) {
      process.stderr.write(`${POSTGRES_SKIP_REASON}\n`);
      return this.skip();
    }
    // Both instances check every linked person's call-events webhooks every 0.3 s, at the same time.
    world = await World.create({ instances: 2, databaseUrl, env: { CALL_WEBHOOK_CHECK_MINUTES: '0.005' } });
    await world.start();
    // Both instances registered webhooks; keep a second pair as well, so every event reaches the
    // load balancer twice, as when two instances each hold their own webhooks.
    for (const webhook of [...world.sim.org.webhooks.values()]) {
      const copy = { ...webhook, id: `${webhook.id}COPY` };
      world.sim.org.webhooks.set(copy.id, copy);
    }
    rita = world.addPerson('Rita Reception', '2001');
    sam = world.addPerson('Sam Sales', '2002');
    priya = world.addPerson('Priya Support', '2003');
    frontDesk = world.groupSpace('Front desk', [rita, sam, priya]);
    for (const person of [rita, sam, priya]) await world.link(person);
  });

  beforeEach(() => world?.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  it('keeps one call-events webhook per person and event, however many instances check it', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const person of [rita, sam, priya]) {
      assert.deepEqual(world.callWebhooks(person).map((w) => w.event).sort(), ['created', 'updated'], person.name);
    }
    const creates = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/webhooks' && r.tokenKind === 'access');
    assert.equal(creates.length, 6, 'each made once');
  });

  it('spreads deliveries over both instances, and a link made through either works on both', () => {
    assert.ok(world.routed.includes(0) && world.routed.includes(1), `requests reached both instances: ${world.routed.join('')}`);
    assert.ok(world.bots.every((bot) => bot.output.includes('"event":"duplicate-delivery"')), 'each instance saw and dropped copies');
  });

  it('posts one card per park although every event arrives twice', async () => {
    const TRIES = 6;
    for (let i = 0; i < TRIES; i += 1) {
      world.hangUpEverything();
      world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: `Caller ${i}` } });
      const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
      await world.sim.webhooks.settled();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const cards = world.botMessages(frontDesk).filter((m) => cardText(m).includes(`Caller ${i}`));
      assert.equal(cards.length, 1, `park ${i}: one card`);
      await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
    }
  });

  it('makes one retrieve per parked call when colleagues tap at once on different instances', async () => {
    const TRIES = 5;
    for (let i = 0; i < TRIES; i += 1) {
      world.hangUpEverything();
      world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: `Race ${i}` } });
      const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
      const retrievesBefore = world.callControl('/retrieve').length;
      const data = submitButtons(card)[0]?.data;

      await Promise.all([world.tap(sam, card, data), world.tap(priya, card, data)]);

      await waitFor('the retrieved card', () => world.botMessages(frontDesk).find((m) => m.attachments && cardText(m).includes(`Retrieved by`) && cardText(m).includes(`Race ${i}`)));
      await world.sim.webhooks.settled();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(world.callControl('/retrieve').length - retrievesBefore, 1, `race ${i}: one retrieve`);
    }
  });
});
