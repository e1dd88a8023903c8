import { strict as assert } from 'node:assert';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { openFrontDesk } from '../support/front-desk.js';
import { cardText, type TestPerson, type World } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * Webex failing for a while, not once: every request of a kind answered 503, or 429 with a long
 * Retry-After. People get a prompt, plain answer; nothing is left half done; what could not be shown
 * is shown once Webex is back.
 */
describe('Webex failing for a while', function () {
  this.timeout(40_000);
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam']));
  });

  beforeEach(() => {
    world.hangUpEverything();
    world.sim.outages.length = 0;
  });

  after(async () => {
    await world?.close();
  });

  /** Each parked-call record's state, straight from the bot's database. */
  function states(): { state: string; notParked?: string }[] {
    const db = new DatabaseSync(world.databaseFile, { readOnly: true });
    try {
      return (db.prepare('SELECT state, record FROM parked_calls').all() as { state: string; record: string }[]).map((row) => ({
        state: row.state,
        ...((JSON.parse(row.record) as { notParked?: string }).notParked ? { notParked: (JSON.parse(row.record) as { notParked: string }).notParked } : {}),
      }));
    } finally {
      db.close();
    }
  }

  const isCard = (seen: Set<string>, text: RegExp) => (m: SimMessage) => !seen.has(m.id) && Boolean(m.attachments) && text.test(cardText(m));

  it('answers a park promptly while Webex answers 503 to every park, and leaves no park half done', async () => {
    world.sim.outage({ status: 503, forMs: 8000, pathPrefix: '/telephony/calls/park' });
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Storm 503' } });
    const parksBefore = world.callControl('/park').length;
    const started = Date.now();

    const answer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.equal(answer.text, 'Rita Reception: Webex is having trouble right now, so I could not park the call. Please try again in a minute.');
    assert.ok(Date.now() - started < 5000, `answered within 5 s (${Date.now() - started} ms)`);
    assert.equal(world.callControl('/park').length - parksBefore, 3, 'bounded retries');
    assert.equal(world.sim.telephony.list(rita.id).length, 1, 'the call is still with Rita');
    assert.deepEqual(states().filter((row) => row.state === 'parking'), [], 'no park record is left without an outcome');
    assert.ok(states().some((row) => row.notParked === 'unavailable'), 'the failed park is recorded as such');
  });

  it('answers at once when Webex rate-limits everyone with a long Retry-After, instead of hanging on', async () => {
    world.sim.outage({ status: 429, retryAfterSeconds: 120, forMs: 5000, pathPrefix: '/telephony' });
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Storm 429' } });
    const started = Date.now();

    const answer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.match(answer.text ?? '', /Webex is handling too many requests right now, so I could not park the call/);
    assert.ok(Date.now() - started < 3000, `answered within 3 s (${Date.now() - started} ms)`);
    assert.deepEqual(states().filter((row) => row.state === 'parking'), []);
  });

  it('keeps the card offering Retrieve while Webex fails retrieves, and a tap once it is back works', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Retrieve storm' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    world.sim.outage({ status: 503, forMs: 3000, pathPrefix: '/telephony/calls/retrieve' });

    await world.tap(sam, card);

    const failure = await waitFor('the reason in the card’s thread', () => world.botMessages(frontDesk).find((m) => m.parentId === card.id));
    assert.match(failure.text ?? '', /Webex is having trouble right now, so I could not retrieve the call/);
    assert.ok(world.sim.org.messages.has(card.id), 'the card still offers Retrieve');
    await sleep(3000);
    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
    assert.match(cardText(result), /Retrieved by Sam Sales/);
  });

  it('does not drop a message the bot could not read while Webex failed: it parks once Webex answers', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Read later' } });
    const seen = world.seenIn(frontDesk);
    world.sim.outage({ status: 503, forMs: 3000, method: 'GET', pathPrefix: '/messages', tokenKind: 'bot' });

    await world.say(rita, frontDesk, 'park');

    const card = await waitFor('the card, once Webex lets the bot read the message', () => world.botMessages(frontDesk).find(isCard(seen, /Read later/)), 20_000);
    assert.match(cardText(card), /2001/);
  });

  it('posts the card of a park that went through while Webex failed to take messages, once, when it is back', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Card later' } });
    const seen = world.seenIn(frontDesk);
    world.sim.outage({ status: 503, forMs: 4000, method: 'POST', pathPrefix: '/messages', tokenKind: 'bot' });

    await world.say(rita, frontDesk, 'park');
    await waitFor('the park at Webex', () => world.sim.telephony.parked.get('2001'));

    const card = await waitFor('the card, once Webex takes messages again', () => world.botMessages(frontDesk).find(isCard(seen, /Card later/)), 20_000);
    assert.match(cardText(card), /2001/);
    await sleep(1500);
    assert.equal(world.botMessages(frontDesk).filter((m) => !seen.has(m.id)).length, 1, 'one card, and no "something went wrong"');
    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
    assert.match(cardText(result), /Retrieved by Sam Sales/);
  });
});
