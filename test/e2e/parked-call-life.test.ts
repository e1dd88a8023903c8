import { strict as assert } from 'node:assert';
import { DatabaseSync } from 'node:sqlite';
import { openFrontDesk } from '../support/front-desk.js';
import { countActions } from '../../src/simulator/org.js';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * The real world moves without the bot: parked calls ring back, callers hang up, colleagues pick
 * calls up from desk phones. Each card, and the `parked` list, must say what Webex says.
 */
describe('Parked calls that stay true: each card follows the call’s life', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;
  /** Rita's and Priya's other space: Sam is not in it. */
  let backOffice: SimRoom;

  before(async function () {
    this.timeout(60_000);
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya']));
    // Here every phone is answered (or not) by the test itself.
    world.answerRetrieves = false;
    backOffice = world.groupSpace('Back office', [rita, priya]);
    for (const person of [rita, sam, priya]) await world.callEventsWatched(person);
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  /** Someone parks a call from `caller` (each test its own number: a call's caller is how Webex names it). */
  async function parks(by: TestPerson, caller: string, number: string, command = 'park', space = frontDesk): Promise<SimMessage> {
    world.sim.telephony.placeIncomingCall({ toPersonId: by.id, from: { name: caller, number } });
    return world.expectBotMessage(space, () => world.say(by, space, command), `the card for ${caller}`);
  }
  const ritaParks = (caller: string, number: string, command = 'park'): Promise<SimMessage> => parks(rita, caller, number, command);

  /** The caller a call's card names (other calls' cards change around it: tests share slots). */
  const callerOn = (message: SimMessage): string | undefined => /Caller \| ([^|]+) \|/.exec(cardText(message))?.[1];

  /** The card that replaces `card` once the call's life moves on. */
  async function replacement(card: SimMessage, seen: Set<string>, space = frontDesk, matches = (m: SimMessage) => callerOn(m) === callerOn(card)): Promise<SimMessage> {
    const next = await world.newBotMessage(space, seen, 'the replacement card', (m) => m.id !== card.id && m.attachments !== undefined && matches(m));
    await waitFor('the old card to be removed', () => !world.sim.org.messages.has(card.id));
    return next;
  }

  /** `person` taps Retrieve on `card`: the card is replaced by one saying their phone rings. */
  async function tapRetrieve(person: TestPerson, card: SimMessage, inputs?: Record<string, unknown>): Promise<SimMessage> {
    const ringing = await world.expectBotMessage(frontDesk, () => world.tap(person, card, inputs), 'the ringing card', (m) => cardText(m).startsWith(`Ringing ${person.name}…`));
    assert.deepEqual(submitButtons(ringing), [], 'no Retrieve button while the phone rings');
    return ringing;
  }

  /** The retriever answers their ringing phone; returns the card that says so. */
  async function answers(person: TestPerson, ringingCard: SimMessage): Promise<SimMessage> {
    const call = await waitFor(`${person.name}'s phone to ring`, () => world.ringingRetrieve(person));
    const seen = world.seenIn(frontDesk);
    world.phonesOf(person).answer(person.id, call.id);
    // The retrieved card names the caller Webex handed over, who may not be the one parked.
    return replacement(ringingCard, seen, frontDesk, (m) => cardText(m).startsWith(`Retrieved by ${person.name}`));
  }

  /** Nothing the bot posts in `space` changes for a moment after every event has been delivered. */
  async function nothingChanges(space: SimRoom, card: SimMessage, seen: Set<string>): Promise<void> {
    await world.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(world.sim.org.messages.has(card.id), 'the card still waits');
    assert.deepEqual(world.botMessages(space).filter((m) => !seen.has(m.id)).map((m) => m.text), [], 'no card changed');
  }

  async function waitingList(space = frontDesk): Promise<string> {
    const list = await listCard(space);
    return list.attachments ? cardText(list) : (list.text ?? '');
  }

  const listCard = (space = frontDesk): Promise<SimMessage> => world.expectBotMessage(space, () => world.say(priya, space, 'parked'), 'the parked list');

  /** The Retrieve button for `card`'s call on an earlier `parked` list: still there after the card is replaced. */
  const listButtonFor = (list: SimMessage, card: SimMessage): Record<string, unknown> | undefined =>
    submitButtons(list).find((b) => b.data?.parkId === submitButtons(card)[0]?.data?.parkId)?.data;

  it('watches each linked person’s calls with a webhook made with their own token, signed with its own secret', async () => {
    const webhooks = world.callWebhooks(rita);
    assert.deepEqual(webhooks.map((w) => w.event).sort(), ['created', 'deleted', 'updated']);
    assert.ok(webhooks.every((w) => w.targetUrl.startsWith(`${world.botUrl}/webhook/calls/`) && w.status === 'active'));
    assert.ok(webhooks[0]?.secret && webhooks[0].secret !== world.callWebhooks(sam)[0]?.secret, 'each person has a secret of their own');
    const made = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/webhooks' && (r.body as { resource?: string }).resource === 'telephony_calls');
    assert.deepEqual(new Set(made.map((r) => `${r.personId}:${r.tokenKind}`)), new Set([rita, sam, priya].map((p) => `${p.id}:access`)), 'never with the bot’s token');
  });

  it('rang back: the parker’s recall event replaces the card, with no Retrieve button, and the call leaves the list', async () => {
    const card = await ritaParks('Recall Caller', '+15550301');
    const seen = world.seenIn(frontDesk);

    world.sim.telephony.recall('2001');

    const rangBack = await replacement(card, seen);
    assert.match(cardText(rangBack), /Rang back to Rita Reception \| Nobody picked it up within the recall time/);
    assert.deepEqual(submitButtons(rangBack), []);
    assert.equal(world.sim.telephony.list(rita.id)[0]?.recall?.type, 'park', 'Rita’s phone is ringing with the call');
    assert.doesNotMatch(await waitingList(), /Recall Caller/);
  });

  it('picked up elsewhere: a colleague takes the call from a desk phone and the card says who', async () => {
    const card = await ritaParks('Desk Phone Caller', '+15550302');
    const list = await listCard();
    const seen = world.seenIn(frontDesk);

    world.sim.telephony.pickUpFromPhone(sam.id, '2001');

    const taken = await replacement(card, seen);
    assert.match(cardText(taken), /Picked up by Sam Sales/);
    assert.deepEqual(submitButtons(taken), []);
    const [dialled] = world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls' && d.body.includes('"eventType":"originated"')).slice(-1);
    assert.match(dialled?.body ?? '', /"remoteParty":\{[^}]*"number":"2001"/, 'Sam’s phone called the slot');
    const priyaDm = world.directSpace(priya);
    const told = await world.expectBotMessage(priyaDm, () => world.tap(priya, list, listButtonFor(list, card)), 'the answer to a late tap');
    assert.match(told.text ?? '', /Picked up by Sam Sales/);
  });

  it('picked up while the park’s own card is still on its way: one card stands, and it says who took the call', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Quick Caller', number: '+15550777' } });
    const seen = world.seenIn(frontDesk);
    await world.say(rita, frontDesk, 'park');
    // Webex is slow to post the waiting card; Sam takes the call from his desk phone meanwhile.
    world.sim.failNext({ method: 'POST', path: '/messages', delayMs: 1000, personId: world.botPerson.id });
    await waitFor('the park', () => world.sim.telephony.parked.get('2001'));
    world.sim.telephony.pickUpFromPhone(sam.id, '2001');

    const cards = (): SimMessage[] => world.botMessages(frontDesk).filter((m) => !seen.has(m.id) && callerOn(m)?.startsWith('Quick Caller'));
    await waitFor('the picked-up card', () => cards().some((m) => /Picked up by Sam Sales/.test(cardText(m))));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(cards().map((m) => cardText(m).split(' | ')[0]), ['Picked up by Sam Sales'], 'no waiting card left offering Retrieve');
  });

  it('ignores an incoming call from the same number: that is not a pickup', async () => {
    const card = await ritaParks('Main Line', '+15550303');
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Main Line', number: '+15550303' } });
    await world.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(world.sim.org.messages.has(card.id), 'the card still waits');
    assert.match(await waitingList(), /Main Line/);
    await answers(priya, await tapRetrieve(priya, card));
  });

  it('ignores Sam calling the caller’s number back: the waiting card in a space he is not in stays as it is', async () => {
    const card = await parks(rita, 'ACME Support', '+15550310', 'park', backOffice);
    const seen = world.seenIn(backOffice);

    world.phonesOf(sam).dial(sam.id, { destination: '+15550310', farEnd: { name: 'ACME main line' } });

    assert.equal(world.phonesOf(sam).list(sam.id)[0]?.state, 'connected', 'Sam is talking to ACME, not to the parked caller');
    await nothingChanges(backOffice, card, seen);
    assert.match(await waitingList(backOffice), /ACME Support \(\+15550310\) on 2001/);
  });

  it('closes only the card of the slot a desk phone picked up, when two callers from one number wait', async () => {
    const first = await parks(rita, 'ACME One', '+15550311');
    const second = await parks(priya, 'ACME Two', '+15550311');
    assert.match(cardText(second), /Call waiting on 2003/);
    const seen = world.seenIn(frontDesk);

    world.phonesOf(sam).pickUpFromPhone(sam.id, '2001');

    const taken = await replacement(first, seen);
    assert.match(cardText(taken), /Picked up by Sam Sales .*ACME One/);
    await nothingChanges(frontDesk, second, new Set([...seen, taken.id]));
    const list = await waitingList();
    assert.match(list, /ACME Two \(\+15550311\) on 2003/);
    assert.doesNotMatch(list, /ACME One/);
  });

  it('never lets a call event of another organisation’s person touch this organisation’s cards', async () => {
    const { orgId, telephony: theirPhones } = world.sim.addOrganisation();
    const bob = world.addPerson('Bob Elsewhere', '2001', orgId);
    world.groupSpace('Elsewhere Inc', [bob]);
    await world.link(bob);
    await world.callEventsWatched(bob);
    const card = await ritaParks('ACME Shared', '+15550312');
    const seen = world.seenIn(frontDesk);
    // At Bob's company, a call from the same number is parked on their own 2001, and Bob picks it up.
    const theirs = theirPhones.placeIncomingCall({ toPersonId: bob.id, from: { name: 'ACME Shared', number: '+15550312' } });
    theirPhones.park(bob.id, { callId: theirs.id });
    theirPhones.pickUpFromPhone(bob.id, '2001');

    await nothingChanges(frontDesk, card, seen);
    const bobsEvents = world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls' && world.callWebhooks(bob).some((w) => w.id === d.webhookId));
    assert.ok(bobsEvents.length >= 2 && bobsEvents.every((d) => d.status === 200 && (JSON.parse(d.body) as { orgId: string }).orgId === orgId), 'Bob’s events came, from his organisation');
    assert.match(await waitingList(), /ACME Shared \(\+15550312\) on 2001/);
  });

  it('gone: Webex says nothing is parked there, so the card is replaced and the call is never listed again', async () => {
    const card = await ritaParks('Hung Up Caller', '+15550304');
    world.sim.telephony.callerHangsUp({ parkedOn: '2001' });
    const seen = world.seenIn(frontDesk);

    await world.tap(sam, card);

    const gone = await replacement(card, seen);
    assert.match(cardText(gone), /No longer parked \| Webex says nothing is parked on 2001 any more\. I was not told what became of the call\./);
    assert.doesNotMatch(cardText(gone), /hung up|picked it up/, 'no reason no event gave');
    assert.doesNotMatch(await waitingList(), /Hung Up Caller/);
  });

  it('superseded: a new park on the same number closes the old card, so an old list can never take the newer call', async () => {
    const ghostCard = await ritaParks('Ghost Caller', '+15550305');
    const oldList = await listCard();
    world.sim.telephony.callerHangsUp({ parkedOn: '2001' });
    const seen = world.seenIn(frontDesk);

    const realCard = await ritaParks('Real Customer', '+15550306');
    assert.match(cardText(realCard), /Call waiting on 2001 .*Real Customer/);
    const ghostClosed = await replacement(ghostCard, new Set([...seen, realCard.id]));
    assert.match(cardText(ghostClosed), /No longer parked on 2001 \| Another call was parked on 2001 after this one/);

    const retrievesBefore = world.callControl('/retrieve').length;
    const samDm = world.directSpace(sam);
    const told = await world.expectBotMessage(samDm, () => world.tap(sam, oldList, listButtonFor(oldList, ghostCard)), 'the answer to Sam’s tap');
    assert.match(told.text ?? '', /Ghost Caller \(\+15550305\): No longer parked on 2001/);
    assert.equal(world.callControl('/retrieve').length, retrievesBefore, 'the old card reached nothing at Webex');

    const result = await answers(priya, await tapRetrieve(priya, realCard));
    assert.match(cardText(result), /Retrieved by Priya Support .*Real Customer/);
    assert.equal(world.sim.telephony.list(priya.id)[0]?.remoteParty.name, 'Real Customer');
  });

  it('retrieved: the card names the caller Webex actually handed over, and the retriever’s phone rings until answered', async () => {
    const card = await ritaParks('Remembered Caller', '+15550307');
    const seen = world.seenIn(frontDesk);
    world.sim.telephony.callerHangsUp({ parkedOn: '2001' });
    // Someone parks another call on 2001 straight from a phone; the bot never hears of it.
    const other = world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Someone Else', number: '+15550308' } });
    world.sim.telephony.park(rita.id, { callId: other.id });

    const callReads = (): number => world.sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/telephony/calls/') && r.personId === sam.id).length;
    const readsBefore = callReads();

    const ringingCard = await tapRetrieve(sam, card);
    assert.match(cardText(ringingCard), /Ringing Sam Sales… \| .*it stays parked on 2001/);
    assert.equal(world.sim.telephony.list(sam.id)[0]?.state, 'alerting', 'Webex rings the retriever first');
    assert.doesNotMatch(await waitingList(), /Remembered Caller/, 'a call ringing someone is not listed as waiting');

    const result = await answers(sam, ringingCard);

    assert.match(cardText(result), /Retrieved by Sam Sales \| Webex handed over Someone Else \(\+15550308\), not Remembered Caller/);
    assert.equal(callReads(), readsBefore, 'Sam’s own call event said who is on the call: Webex was not asked again');
    assert.match(cardText(result), /Caller \| Someone Else/);
    assert.equal(world.sim.telephony.list(sam.id)[0]?.state, 'connected');
    await world.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!world.botMessages(frontDesk).some((m) => !seen.has(m.id) && /Picked up by/.test(m.text ?? '')), 'the bot’s own retrieve is not a pickup');
  });

  /** The card is back to waiting, Sam is told privately, and Priya's later tap takes the call. */
  async function backToWaiting(ringingCard: SimMessage, seen: Set<string>, samSeen: Set<string>, caller: string): Promise<void> {
    const waitingAgain = await replacement(ringingCard, seen);
    assert.match(cardText(waitingAgain), new RegExp(`Call waiting on 2001 .*${caller}`));
    assert.equal(submitButtons(waitingAgain)[0]?.title, 'Retrieve');
    const told = await world.newBotMessage(world.directSpace(sam), samSeen, 'Sam told privately');
    assert.match(told.text ?? '', new RegExp(`${caller} \\(\\+1555\\d+\\) is still parked on 2001: your phone did not connect`));
    assert.ok(world.sim.telephony.parked.has('2001'), 'the caller is parked again');
    assert.match(await waitingList(), new RegExp(`${caller} \\(\\+\\d+\\) on 2001`));

    const result = await answers(priya, await tapRetrieve(priya, waitingAgain));
    assert.match(cardText(result), new RegExp(`Retrieved by Priya Support .*${caller}`));
    assert.equal(world.sim.telephony.list(priya.id)[0]?.remoteParty.name, caller);
  }

  it('declined: Sam’s ringing phone declines the retrieve, so the card is back to waiting, Sam is told, and Priya takes it', async () => {
    const card = await ritaParks('Declined Caller', '+15550313');
    const ringingCard = await tapRetrieve(sam, card);
    const seen = world.seenIn(frontDesk);
    const samSeen = world.seenIn(world.directSpace(sam));

    const ringing = await waitFor('Sam’s phone to ring', () => world.ringingRetrieve(sam));
    world.sim.telephony.hangup(sam.id, ringing.id);

    await backToWaiting(ringingCard, seen, samSeen, 'Declined Caller');
  });

  it('unanswered: nobody answers Sam’s ringing phone, so the card is back to waiting, Sam is told, and Priya takes it', async () => {
    world.sim.telephony.noAnswerMs = 1500;
    try {
      const card = await ritaParks('Unanswered Caller', '+15550314');
      const samSeen = world.seenIn(world.directSpace(sam));
      const ringingCard = await tapRetrieve(sam, card);
      const seen = world.seenIn(frontDesk);
      await backToWaiting(ringingCard, seen, samSeen, 'Unanswered Caller');
    } finally {
      world.sim.telephony.noAnswerMs = 30_000;
    }
  });

  it('a retrieve racing the recall: the card says it rang back to Rita, not that the caller hung up', async () => {
    const card = await ritaParks('Racing Caller', '+15550315');
    const seen = world.seenIn(frontDesk);
    // Webex takes a moment to answer Sam's retrieve; meanwhile the recall time is up.
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', personId: sam.id, delayMs: 1500 });
    const retrieves = world.callControl('/retrieve').length;

    await world.tap(sam, card);
    await waitFor('Sam’s retrieve to reach Webex', () => world.callControl('/retrieve').length > retrieves);
    world.sim.telephony.recall('2001');

    const rangBack = await replacement(card, seen);
    assert.match(cardText(rangBack), /Rang back to Rita Reception/);
    await waitFor('Webex to answer the retrieve', () => world.callControl('/retrieve').at(-1)?.status === 404);
    await world.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const latest = world.botMessages(frontDesk).filter((m) => !seen.has(m.id) && m.attachments).at(-1);
    assert.match(cardText(latest ?? rangBack), /Rang back to Rita Reception/, 'the rang-back card stands');
    assert.ok(!world.botMessages(frontDesk).some((m) => !seen.has(m.id) && /hung up/.test(m.text ?? '')));
  });

  it('lists twelve waiting calls in a card within Webex’s five actions, and every one of them can be taken from it', async function () {
    this.timeout(120_000);
    const slots = Array.from({ length: 12 }, (_, i) => world.addPerson(`Slot ${i}`, String(3001 + i)));
    const cards: SimMessage[] = [];
    for (const [i, slot] of slots.entries()) cards.push(await ritaParks(`Queue Caller ${i}`, `+155503${20 + i}`, `park to ${slot.person.extension ?? ''}`));
    const parkIds = cards.map((card) => submitButtons(card)[0]?.data?.parkId);

    const list = await listCard();
    const content = list.attachments?.[0]?.content;
    assert.ok(countActions(content) <= 5, `${countActions(content)} actions`);
    const choices = JSON.stringify(content).match(/"value":"[0-9a-f-]{36}"/g)?.map((v) => v.slice(9, -1));
    assert.ok(choices && choices.length >= 12);
    for (const parkId of parkIds) assert.ok(choices.includes(String(parkId)), 'every waiting call is a choice');
    const [retrieve] = submitButtons(list);
    for (const i of [0, 11]) {
      const ringingCard = await world.expectBotMessage(frontDesk, () => world.tap(sam, list, { ...retrieve?.data, parkId: parkIds[i] }), 'the ringing card', (m) => cardText(m).startsWith('Ringing Sam Sales…'));
      assert.match(cardText(ringingCard), new RegExp(`Queue Caller ${i} \\(`));
      assert.match(cardText(await answers(sam, ringingCard)), new RegExp(`Retrieved by Sam Sales .*Queue Caller ${i} \\(`));
      world.sim.telephony.hangup(sam.id, world.sim.telephony.list(sam.id)[0]?.id);
    }
  });

  it('ignores events for calls it never parked, and refuses deliveries it cannot verify', async () => {
    const seen = world.seenIn(frontDesk);
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Unrelated', number: '+15550309' } });
    await world.sim.webhooks.settled();
    const delivery = world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls').at(-1);
    assert.equal(delivery?.status, 200, 'an event for an unknown call is taken quietly');
    assert.deepEqual(world.botMessages(frontDesk).filter((m) => !seen.has(m.id)), []);

    const url = world.sim.org.webhooks.get(delivery?.webhookId ?? '')?.targetUrl ?? '';
    const post = (target: string, signature: string, body = delivery?.body ?? '') =>
      fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-spark-signature': signature }, body }).then((r) => r.status);
    assert.equal(await post(url, 'ab'.repeat(20)), 401, 'a bad signature');
    const replay = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-spark-signature': delivery?.signature ?? '' }, body: delivery?.body ?? '' });
    assert.deepEqual([replay.status, await replay.json()], [200, { ok: true, duplicate: true }], 'a replayed delivery is recognised by the same inbox');
    assert.equal(await post(`${world.botUrl}/webhook/calls/not-a-key`, delivery?.signature ?? ''), 401, 'an address no one was given');
    const samsSignature = delivery?.signature ?? '';
    const ritaUrl = world.callWebhooks(rita)[0]?.targetUrl ?? '';
    assert.equal(await post(ritaUrl, samsSignature), 401, 'Sam’s delivery does not pass as Rita’s');
  });

  it('unlink deletes the person’s call events webhooks with their own token', async () => {
    const dm = world.directSpace(priya);
    await world.expectBotMessage(dm, () => world.say(priya, dm, 'unlink'));
    await waitFor('Priya’s webhooks to be deleted', () => world.callWebhooks(priya).length === 0);
    const deletes = world.sim.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/webhooks/'));
    assert.ok(deletes.length >= 2 && deletes.every((r) => r.personId === priya.id && r.tokenKind === 'access'));
  });
});

describe('Parked calls on the clock, and call-events webhooks that come back', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita'], {
      // 1.2 s before a waiting call expires, 1.7 s before a closed one is pruned, webhooks checked every 0.6 s.
      env: { PARKED_CALL_MAX_WAIT_MINUTES: '0.02', CLOSED_CALL_RETENTION_DAYS: '0.00002', WEBHOOK_CHECK_MINUTES: '0.01' },
    }));
    await world.callEventsWatched(rita);
  });

  after(async () => {
    await world?.close();
  });

  it('expired: a call still waiting after the longest wait is closed and its card replaced; closed records are pruned later', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Patient Caller', number: '+15550401' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    const parkId = String(submitButtons(card)[0]?.data?.parkId);
    const seen = world.seenIn(frontDesk);

    const expired = await world.newBotMessage(frontDesk, seen, 'the expired card');
    assert.match(cardText(expired), /No longer tracked \| Nobody retrieved it within 1 second.*type `retrieve 2001`/);
    await waitFor('the old card to be removed', () => !world.sim.org.messages.has(card.id));
    const list = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'parked'));
    assert.equal(list.text, 'No calls are waiting in this space.');

    const database = new DatabaseSync(world.databaseFile, { readOnly: true });
    try {
      await waitFor('the closed record to be pruned', () => database.prepare('SELECT 1 FROM parked_calls WHERE id = ?').get(parkId) === undefined, 8000);
    } finally {
      database.close();
    }
  });

  it('a person whose webhook cannot be made can still park, retrieve and be retrieved from; the reason is logged and counted; a later check makes it', async () => {
    world.sim.failNext({ method: 'POST', path: '/webhooks', status: 403, personId: sam.id, times: 1000 });
    await world.link(sam);
    await waitFor('the failure to be logged', () => world.bot.lines.some((l) => l.event === 'call-events-webhook-failed' && l.reason === 'forbidden'));
    const metrics = await (await fetch(`${world.botUrl}/metrics`)).text();
    assert.match(metrics, /parkbot_call_event_webhooks_total\{outcome="failed",reason="forbidden"\} [1-9]/);

    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Still Served', number: '+15550402' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'park'));
    const result = await world.expectBotMessage(frontDesk, () => world.tap(rita, card), 'the retrieved card', (m) => cardText(m).includes('Retrieved by'));
    assert.match(cardText(result), /Retrieved by Rita Reception/);

    // Without his call events, who Webex put through to Sam is asked of Webex with his token.
    world.hangUpEverything();
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Asked About', number: '+15550403' } });
    const ritasCard = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    const samsResult = await world.expectBotMessage(frontDesk, () => world.tap(sam, ritasCard), 'the retrieved card', (m) => cardText(m).includes('Retrieved by'));
    assert.match(cardText(samsResult), /Retrieved by Sam Sales .*Asked About/);
    const handed = world.sim.telephony.list(sam.id)[0];
    assert.ok(world.sim.requests.some((r) => r.method === 'GET' && r.path === `/telephony/calls/${handed?.id ?? ''}` && r.personId === sam.id));

    world.sim.faults.length = 0;
    await world.callEventsWatched(sam);
  });

  it('makes a missing webhook again, and turns on one Webex turned off', async () => {
    const [removed, disabled] = world.callWebhooks(rita);
    world.sim.org.webhooks.delete(removed?.id ?? '');
    if (disabled) disabled.status = 'inactive';

    await waitFor('Rita’s webhooks to be back', () => {
      const webhooks = world.callWebhooks(rita);
      return webhooks.length === 3 && webhooks.every((w) => w.status === 'active');
    });
    assert.ok(world.sim.requests.some((r) => r.method === 'PUT' && r.path === `/webhooks/${disabled?.id ?? ''}` && r.personId === rita.id));
  });

  it('turns the bot’s own webhook back on when Webex disabled it, without deleting anything', async () => {
    const firehose = [...world.sim.org.webhooks.values()].find((w) => w.createdBy === world.botPerson.id && w.resource === 'all');
    assert.ok(firehose);
    firehose.status = 'inactive';
    await waitFor('the firehose to be on again', () => firehose.status === 'active');
    assert.ok(world.sim.org.webhooks.has(firehose.id), 'the same webhook, updated in place');
    const ready = (await (await fetch(`${world.botUrl}/readyz`)).json()) as { checks: { webhooks: string } };
    assert.equal(ready.checks.webhooks, 'ok');
  });
});
