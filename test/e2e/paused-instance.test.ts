import { strict as assert } from 'node:assert';
import { World, cardText, type TestPerson } from '../support/world.js';
import { freshDatabase, POSTGRES_SKIP_REASON } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import type { SimRoom } from '../../src/simulator/model.js';

/**
 * Two instances on one PostgreSQL, an event lease of 1 s. The instance that took Sam's tap is paused
 * (SIGSTOP, as a long GC pause or a VM migration would) past its lease; the other takes the event over
 * and retrieves the call for Sam. Woken (SIGCONT), the paused one finds its fence lost and stops
 * before acting: Webex is asked once, Sam hears nothing twice, the card says who took the call.
 */
describe('an instance paused past its event lease, then woken', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async function () {
    const databaseUrl = await freshDatabase();
    if (!databaseUrl) {
      process.stderr.write(`${POSTGRES_SKIP_REASON}\n`);
      return this.skip();
    }
    world = await World.create({ instances: 2, databaseUrl, env: { EVENT_LEASE_SECONDS: '1' } });
    await world.start();
    rita = world.addPerson('Rita Reception', '2001');
    sam = world.addPerson('Sam Sales', '2002');
    frontDesk = world.groupSpace('Front desk', [rita, sam]);
    for (const person of [rita, sam]) await world.link(person);
  });

  after(async () => {
    await world?.close();
  });

  it('stops on waking: one retrieve at Webex, no second answer, the card shows who took the call', async function () {
    this.timeout(30_000);
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Paused caller' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    await world.delivered();
    const samsDm = world.directSpace(sam);
    const samSaw = world.seenIn(samsDm);
    const retrievesBefore = world.callControl('/retrieve').length;

    // The instance that takes the tap reads it from Webex, which answers only after 2.5 s: time to pause it there.
    let actionPath = '';
    world.sim.org.once('event', (event) => {
      actionPath = `/attachment/actions/${String(event.data.id)}`;
      world.sim.failNext({ method: 'GET', path: actionPath, delayMs: 2500 });
    });
    const routedBefore = world.routed.length;
    await world.tap(sam, card);
    await waitFor('the tap to be read', () => actionPath && world.sim.requests.some((r) => r.path === actionPath));
    const taker = world.routed[routedBefore];
    const paused = taker === undefined ? undefined : world.bots[taker];
    assert.ok(paused?.pid, 'the instance that took the tap');
    process.kill(paused.pid, 'SIGSTOP');
    try {
      // The other instance replays the event once the lease has run out, and retrieves the call for Sam.
      await waitFor('the ringing card from the other instance', () => world.botMessages(frontDesk).some((m) => m.attachments && /Ringing Sam|Retrieved by Sam/.test(cardText(m))), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 2500));
    } finally {
      process.kill(paused.pid, 'SIGCONT');
    }

    await waitFor('the retrieved card', () => world.botMessages(frontDesk).some((m) => m.attachments && cardText(m).includes('Retrieved by Sam') && cardText(m).includes('Paused caller')), 10_000);
    await world.delivered(1500);
    assert.equal(world.callControl('/retrieve').length - retrievesBefore, 1, 'Webex was asked to retrieve once');
    const cards = world.botMessages(frontDesk).filter((m) => m.attachments && cardText(m).includes('Paused caller'));
    assert.equal(cards.length, 1, 'one card for the call');
    assert.match(cardText(cards[0] ?? card), /Retrieved by Sam/);
    assert.deepEqual(
      world.botMessages(samsDm).filter((m) => !samSaw.has(m.id)).map((m) => m.text),
      [],
      'nothing said to Sam by the woken instance',
    );
    // It stops at its first fenced step, or sooner, on finding the request carried out by the takeover.
    assert.ok(
      paused.lines.some((line) => line.event === 'attempt-superseded' || line.event === 'retrieve-carried-out'),
      'the woken instance logged that it stopped',
    );
  });
});
