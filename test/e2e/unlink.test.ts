import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, linkUrlIn, submitButtons, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * `unlink` is the person taking back what the bot may do for them. What it started for them must
 * not be left hanging (a card saying their phone rings, for good), and no link sent to them before
 * may link them again behind their back.
 */
describe('Unlink: retrieves in flight are settled, links sent before are withdrawn', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async function () {
    this.timeout(60_000);
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya']));
    // Phones are answered (or not) by the tests themselves.
    world.answerRetrieves = false;
    for (const person of [rita, sam, priya]) await world.callEventsWatched(person);
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  async function parkedCard(caller: string, number: string): Promise<SimMessage> {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: caller, number } });
    return world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), `the card for ${caller}`);
  }

  async function ringing(person: TestPerson, card: SimMessage): Promise<SimMessage> {
    return world.expectBotMessage(frontDesk, () => world.tap(person, card), 'the ringing card', (m) => cardText(m).startsWith(`Ringing ${person.name}…`));
  }

  async function unlinks(person: TestPerson): Promise<SimMessage> {
    const dm = world.directSpace(person);
    return world.expectBotMessage(dm, () => world.say(person, dm, 'unlink'), `${person.name}’s unlink answer`);
  }

  /** The card that follows `card` in the space, once the old one is gone. */
  async function replaced(card: SimMessage, seen: Set<string>): Promise<SimMessage> {
    const next = await world.newBotMessage(frontDesk, seen, 'the card that replaces the ringing one', (m) => m.attachments !== undefined);
    await waitFor('the ringing card to be removed', () => !world.sim.org.messages.has(card.id));
    return next;
  }

  it('a retrieve still ringing the person who unlinks goes back to waiting, with its Retrieve button, and a colleague can take it', async () => {
    const card = await parkedCard('Ringing Caller', '+15550601');
    const ringingCard = await ringing(sam, card);
    const call = await waitFor('Sam’s phone to ring', () => world.ringingRetrieve(sam));
    const seen = world.seenIn(frontDesk);

    const answer = await unlinks(sam);

    const waiting = await replaced(ringingCard, seen);
    assert.match(cardText(waiting), /Call waiting on 2001 .*Ringing Caller/);
    assert.equal(submitButtons(waiting)[0]?.title, 'Retrieve');
    assert.match(answer.text ?? '', /I have forgotten your Webex tokens/);
    assert.match(answer.text ?? '', /ringing with the call on 2001/, 'he is told what became of his retrieve');
    // His phone stops ringing; the caller is back on 2001, and Rita takes it from the card.
    world.sim.telephony.hangup(sam.id, call.id);
    const taken = await ringing(rita, waiting);
    const ritasCall = await waitFor('Rita’s phone to ring', () => world.ringingRetrieve(rita));
    const seenNow = world.seenIn(frontDesk);
    world.sim.telephony.answer(rita.id, ritasCall.id);
    assert.match(cardText(await replaced(taken, seenNow)), /Retrieved by Rita Reception .*Ringing Caller/);
  });

  it('a retrieve Webex is still being asked for when the person unlinks is waited for, then let go: the card never says their phone rings for good', async () => {
    const tom = world.addPerson('Tom Tech', '2008');
    await world.link(tom);
    await world.callEventsWatched(tom);
    world.sim.org.addMember(frontDesk.id, tom.id, rita.id);
    const card = await parkedCard('Slow Caller', '+15550603');
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', delayMs: 1500 });
    const seen = world.seenIn(frontDesk);
    // Tom taps; Webex takes 1.5 s to answer the retrieve, and he unlinks meanwhile.
    await world.tap(tom, card);
    await world.delivered(300);

    const answer = await unlinks(tom);

    assert.match(answer.text ?? '', /ringing with the call on 2001/);
    const last = await waitFor('the last card to offer Retrieve again', () => {
      const cards = world.botMessages(frontDesk).filter((m) => !seen.has(m.id) && m.attachments !== undefined && world.sim.org.messages.has(m.id));
      const only = cards.length === 1 ? cards[0] : undefined;
      return only && /Call waiting on 2001 .*Slow Caller/.test(cardText(only)) && only;
    });
    assert.equal(submitButtons(last)[0]?.title, 'Retrieve');
    await world.delivered(500);
    assert.ok(world.sim.org.messages.has(last.id), 'and it stays');
  });

  it('a retrieve the person answered unnoticed is recorded as Webex says when they unlink', async () => {
    const card = await parkedCard('Answered Caller', '+15550602');
    const ringingCard = await ringing(priya, card);
    const call = await waitFor('Priya’s phone to ring', () => world.ringingRetrieve(priya));
    // Webex stops telling the bot of Priya's calls (her webhooks are gone), then she answers.
    for (const webhook of world.callWebhooks(priya)) world.sim.org.webhooks.delete(webhook.id);
    world.sim.telephony.answer(priya.id, call.id);
    await world.delivered(300);
    const seen = world.seenIn(frontDesk);

    await unlinks(priya);

    assert.match(cardText(await replaced(ringingCard, seen)), /Retrieved by Priya Support .*Answered Caller/);
  });

  it('a link sent before `unlink` no longer links, whether or not it was opened', async () => {
    const lena = world.addPerson('Lena Later', '2007');
    await world.link(lena);
    const dm = world.directSpace(lena);
    const prompt = (m: SimMessage): boolean => m.attachments !== undefined;
    const opened = linkUrlIn(await world.expectBotMessage(dm, () => world.say(lena, dm, 'link'), 'the first link', prompt));
    const unopened = linkUrlIn(await world.expectBotMessage(dm, () => world.say(lena, dm, 'link'), 'the second link', prompt));
    // Lena opened the first one: her browser is on Webex's consent page when she unlinks.
    const start = await fetch(opened, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const authorize = new URL(start.headers.get('location') ?? '');

    await unlinks(lena);

    const form = new URLSearchParams(authorize.searchParams);
    form.set('personId', lena.id);
    const consent = await fetch(`${world.sim.apiUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location') ?? '');
    assert.equal(callback.status, 400);
    assert.match(await callback.text(), /Not linked.*no longer valid/s);
    const later = await fetch(unopened, { redirect: 'manual' });
    assert.equal(later.status, 400);
    assert.match(await later.text(), /no longer valid/);

    world.sim.telephony.placeIncomingCall({ toPersonId: lena.id, from: { name: 'Someone' } });
    const answer = await world.expectBotMessage(dm, () => world.say(lena, dm, 'park'), 'the link prompt', prompt);
    assert.match(cardText(answer), /not linked your Webex account yet/, 'Lena is not linked');
  });
});
