import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { openFrontDesk } from '../support/front-desk.js';
import { cardOf, cardText, submitButtons, type TestPerson, type World } from '../support/world.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import type { SimEndpoint, SimMessage, SimRoom } from '../../src/simulator/model.js';

/** Webex refuses a message whose text or markdown is longer (NOTES.md); the card budget is our own. */
const WEBEX_TEXT_BYTES = 7439;
const CARD_BUDGET_BYTES = 20 * 1024;
const WAITING = 300;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const isCard = (m: SimMessage): boolean => m.attachments !== undefined;

/** What Webex would hold against the message: its markdown within Webex's limit, its card within our budget. */
function assertWithinLimits(message: SimMessage, what: string): void {
  assert.ok(bytes(message.markdown ?? message.text ?? '') <= WEBEX_TEXT_BYTES, `${what}: ${bytes(message.markdown ?? '')} bytes of markdown`);
  if (message.attachments) assert.ok(bytes(JSON.stringify(cardOf(message))) < CARD_BUDGET_BYTES, `${what}: a ${bytes(JSON.stringify(cardOf(message)))}-byte card`);
}

/** The calls a list card offers to retrieve: its choice set's values, or its buttons' parkIds. */
function offered(card: SimMessage): string[] {
  const choice = (cardOf(card).body ?? []).find((element) => (element as { type?: string }).type === 'Input.ChoiceSet') as { choices: { value: string }[] } | undefined;
  return choice ? choice.choices.map((c) => c.value) : submitButtons(card).map((b) => String(b.data?.parkId));
}

describe("Webex's message limits: long lists and long names (issue 25)", () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam']));
  });

  after(async () => {
    await world?.close();
  });

  const refusedPosts = (): number => world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/messages' && r.status >= 400).length;

  it(`\`parked\` with ${WAITING} calls waiting lists the first ones within the limits, says how many more and how to take one, and that hint works`, async () => {
    // Priya (not linked, so the bot hears none of her call events) parked them from her phone on the
    // location's park extensions; the bot's store has a waiting card for each, as after 300 parks here.
    const phones = world.phonesOf(priya);
    const numbers = Array.from({ length: WAITING }, (_, i) => String(3000 + i));
    phones.parkExtensions.push(...numbers);
    const store = new SqliteStore(world.databaseFile);
    const start = Date.now() - WAITING * 1000;
    try {
      for (const [i, number] of numbers.entries()) {
        const call = phones.placeIncomingCall({ toPersonId: priya.id, from: { name: `Caller ${i} of Acme *Corporation*`, number: `+1555${String(100000 + i)}` } });
        const parkedAgainst = phones.park(priya.id, { callId: call.id, destination: number });
        await store.saveParkedCall({
          id: randomUUID(),
          roomId: frontDesk.id,
          callId: call.id,
          parkedBy: { personId: priya.id, name: priya.name },
          orgId: priya.person.orgId,
          caller: { name: `Caller ${i} of Acme *Corporation*`, number: `+1555${String(100000 + i)}` },
          parkedAgainst: { number, ...(parkedAgainst.name ? { name: parkedAgainst.name } : {}), ...(parkedAgainst.placeId ? { placeId: parkedAgainst.placeId } : {}) },
          state: 'waiting',
          parkedAt: new Date(start + i * 1000).toISOString(),
        });
      }
    } finally {
      await store.close();
    }
    const refusedBefore = refusedPosts();

    const list = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'parked'), 'the parked list', isCard);
    assertWithinLimits(list, 'the parked list');
    const shown = offered(list);
    assert.ok(shown.length >= 5 && shown.length < WAITING, `${shown.length} calls offered`);
    const more = WAITING - shown.length;
    const text = cardText(list);
    assert.match(text, new RegExp(`${WAITING} calls are waiting`));
    assert.match(text, /Caller 0 of Acme \\\*Corporation\\\*/, 'the longest waiting first, escaped');
    const hint = new RegExp(`${more} more.*\`retrieve (3\\d{3})\``);
    assert.match(text, hint, 'the card says how many more and how to take one');
    assert.match(list.markdown ?? '', hint, 'and so does its fallback');
    assert.equal(refusedPosts(), refusedBefore, 'Webex refused nothing');

    // The hint names a call the card could not list: typing it takes that call.
    const number = hint.exec(text)?.[1] ?? '';
    assert.ok(Number(number) >= 3000 + shown.length, `${number} is one of the ${more} not listed`);
    const seen = world.seenIn(frontDesk);
    await world.say(sam, frontDesk, `retrieve ${number}`);
    await world.newBotMessage(frontDesk, seen, `the card of the call on ${number}`, (m) => /Retrieved by Sam Sales/.test(m.text ?? ''));
    const retrieves = world.callControl('/retrieve');
    assert.deepEqual(
      retrieves.slice(-1).map((r) => [r.personId, (r.body as { destination?: string }).destination]),
      [[sam.id, number]],
    );

    // `retrieve` with no number while many wait: the same list to choose from, within the limits too.
    const choose = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'retrieve'), 'the calls to choose from', isCard);
    assertWithinLimits(choose, 'the choice for retrieve');
    assert.match(cardText(choose), new RegExp(`${WAITING - 1} calls are waiting.*${WAITING - 1 - offered(choose).length} more`));
    assert.equal(refusedPosts(), refusedBefore, 'Webex refused nothing');
  });

  it('`ring on` with a device named with 10,000 characters: the card, the confirmation and the ringing card name it shortened, within the limits', async () => {
    const samDm = world.directSpace(sam);
    const [desk] = world.phonesOf(sam).endpoints.of(sam.id) as [SimEndpoint];
    const longName = `Cisco 8865 ${'Réception 🛎 '.repeat(1000)}`.slice(0, 10_000);
    desk.name = longName;
    const refusedBefore = refusedPosts();

    const card = await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'ring on'), 'the ring-on card', isCard);
    assertWithinLimits(card, 'the ring-on card');
    const choices = (cardOf(card).body ?? []).find((element) => (element as { type?: string }).type === 'Input.ChoiceSet') as { choices: { title: string; value: string }[] };
    const title = choices.choices.find((c) => c.value === desk.id)?.title ?? '';
    assert.match(title, /^Cisco 8865 Réception 🛎 .*…$/, 'the name begins as Webex names it and ends with an ellipsis');
    assert.ok(title.length < 100, `${title.length} characters`);
    assert.match(card.markdown ?? '', /Cisco 8865 Réception 🛎 [^;]*…/);

    const done = await world.expectBotMessage(samDm, () => world.tap(sam, card, { ...submitButtons(card)[0]?.data, endpointId: desk.id }), 'the confirmation');
    assertWithinLimits(done, 'the confirmation');
    assert.match(done.markdown ?? '', /^Done: calls you retrieve will ring on \*\*Cisco 8865 Réception 🛎 .*…\*\*/);

    world.answerRetrieves = false;
    try {
      world.phonesOf(rita).placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme', number: '+15550199' } });
      const parked = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked card', isCard);
      const ringing = await world.expectBotMessage(frontDesk, () => world.tap(sam, parked), 'the ringing card', (m) => /^Ringing Sam Sales on /.test(m.text ?? ''));
      assertWithinLimits(ringing, 'the ringing card');
      assert.match(cardText(ringing), /Sam Sales on Cisco 8865 Réception 🛎 [^|]*…/);
    } finally {
      world.answerRetrieves = true;
    }
    assert.equal(refusedPosts(), refusedBefore, 'Webex refused nothing');
  });
});
