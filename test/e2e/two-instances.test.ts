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
    // The event lease is the default 30 s: a graceful stop must leave no delivery to it.
    world = await World.create({ instances: 2, databaseUrl, env: { WEBHOOK_CHECK_MINUTES: '0.005' } });
    await world.start();
    // Every event reaches the load balancer twice, so both instances see copies.
    world.sim.webhooks.deliverTwice = true;
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
      assert.deepEqual(world.callWebhooks(person).map((w) => w.event).sort(), ['created', 'deleted', 'updated'], person.name);
    }
    const creates = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/webhooks' && r.tokenKind === 'access');
    assert.equal(creates.length, 9, 'each made once');
  });

  it('welcomes a new space once, though both instances hear of it twice', async () => {
    const lobby = world.groupSpace('Lobby', [rita, sam]);
    await waitFor('the welcome and the desk card', () => world.botMessages(lobby).length >= 2);
    await world.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(
      world.botMessages(lobby).map((m) => (m.attachments ? 'desk card' : (m.text ?? '').slice(0, 16))),
      ["Hi, I'm Park Bot", 'desk card'],
    );
  });

  it('spreads deliveries over both instances, and a link made through either works on both', () => {
    assert.ok(world.routed.includes(0) && world.routed.includes(1), `requests reached both instances: ${world.routed.join('')}`);
    // Which instance gets an event's second copy depends on the balancer's turn; copies are dropped somewhere.
    const dropped = world.bots.map((bot) => bot.lines.filter((line) => line.event === 'duplicate-delivery').length);
    assert.ok(dropped.reduce((a, b) => a + b, 0) > 0, `copies of events were recognised and dropped (${dropped.join(' + ')})`);
  });

  it('posts one card per park although every event arrives twice', async () => {
    const TRIES = 6;
    for (let i = 0; i < TRIES; i += 1) {
      world.hangUpEverything();
      world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: `Caller ${i}` } });
      const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the card', (m) => cardText(m).includes(`Caller ${i}`));
      await world.sim.webhooks.settled();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const cards = world.botMessages(frontDesk).filter((m) => m.attachments && cardText(m).includes(`Caller ${i}`));
      assert.equal(cards.length, 1, `park ${i}: one card`);
      await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card', (m) => cardText(m).includes('Retrieved by') && cardText(m).includes(`Caller ${i}`));
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

  it('loses no message and deletes no webhook while both instances restart one after the other', async function () {
    // Two stops and starts one after the other (17 s alone, more while the suite's other processes run), then the answers.
    this.timeout(60_000);
    const dm = world.directSpace(rita);
    await world.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen = world.seenIn(dm);
    const webhooks = [...world.sim.org.webhooks.keys()];
    const botDeletes = () => world.sim.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/webhooks/') && r.tokenKind === 'bot').length;
    const deletesBefore = botDeletes();

    let sent = 0;
    let restarting = true;
    const chatter = (async () => {
      while (restarting) {
        await world.say(rita, dm, 'parked');
        sent += 1;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    for (const bot of world.bots) {
      await bot.stop();
      await bot.start();
    }
    restarting = false;
    await chatter;

    await waitFor(`an answer to each of the ${sent} messages`, () => world.botMessages(dm).filter((m) => !seen.has(m.id)).length >= sent, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answers = world.botMessages(dm).filter((m) => !seen.has(m.id));
    const replays = world.bots.map((bot) => bot.lines.filter((line) => line.event === 'event-replayed').length);
    assert.equal(answers.length, sent, `one answer per message: none lost, none doubled (replays ${replays.join(' + ')}; ${JSON.stringify(answers.map((m) => (m.text ?? 'card').slice(0, 40)))})`);
    assert.ok(sent >= 10, `messages kept arriving during the restarts (${sent})`);
    assert.equal(botDeletes(), deletesBefore, 'no webhook was deleted');
    assert.ok(webhooks.every((id) => world.sim.org.webhooks.get(id)?.status === 'active'), 'every webhook is still there and on');
    assert.ok(world.bots.every((bot) => bot.output.includes('"event":"bot-webhook","outcome":"updated"')), 'each start updated the webhooks in place');
  });
});
