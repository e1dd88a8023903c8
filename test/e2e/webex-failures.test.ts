import { strict as assert } from 'node:assert';
import { waitFor } from '../support/wait.js';
import { createHmac } from 'node:crypto';
import { openFrontDesk } from '../support/front-desk.js';
import { World, WEBHOOK_SECRET, cardText, type TestPerson } from '../support/world.js';
import type { SimRoom } from '../../src/simulator/model.js';

describe('When Webex says no, or someone forges a webhook', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam']));
  });

  beforeEach(() => {
    world.hangUpEverything();
    world.sim.faults.length = 0;
  });

  after(async () => {
    await world?.close();
  });

  async function postWebhook(body: string, signature?: string): Promise<Response> {
    return fetch(`${world.botUrl}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-spark-signature': signature } : {}) },
      body,
    });
  }

  /** A delivery announcing a real message that mentions the bot, as an attacker would craft it. */
  function forgedMessageEvent(): { body: string; messageId: string } {
    const message = world.sim.org.postMessage(rita.id, { roomId: frontDesk.id, markdown: `<@personId:${world.botPerson.id}|Park Bot> unlink` });
    const { secret: _secret, ...webhook } = [...world.sim.org.webhooks.values()].find((w) => w.resource === 'all') ?? {};
    const data = { id: message.id, roomId: frontDesk.id, roomType: 'group', personId: rita.id };
    return { body: JSON.stringify({ ...webhook, resource: 'messages', event: 'created', actorId: rita.id, data }), messageId: message.id };
  }

  it('rejects an unsigned or wrongly signed delivery with 401 and acts on nothing', async () => {
    world.sim.org.webhooks.forEach((w) => (w.status = 'inactive'));
    const { body, messageId } = forgedMessageEvent();
    world.sim.org.webhooks.forEach((w) => (w.status = 'active'));

    const unsigned = await postWebhook(body);
    const forged = await postWebhook(body, createHmac('sha1', 'not-the-secret').update(body).digest('hex'));
    const garbage = await postWebhook(body, 'zz');

    assert.deepEqual([unsigned.status, forged.status, garbage.status], [401, 401, 401]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(world.sim.requests.filter((r) => r.path.endsWith(messageId)).length, 0, 'the bot did not even read the message');
    assert.ok(world.bot.lines.some((l) => l.event === 'webhook-rejected'));
  });

  it('answers a signed but malformed delivery with 400 and a reason', async () => {
    const sign = (body: string): string => createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex');
    const notJson = await postWebhook('{oops', sign('{oops'));
    const wrongShape = await postWebhook('{"hello":"world"}', sign('{"hello":"world"}'));

    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /not valid JSON/);
    assert.equal(wrongShape.status, 400);
    assert.match(((await wrongShape.json()) as { error: string }).error, /Not a Webex webhook delivery/);
  });

  it('waits out a 429 Retry-After and parks on the next try', async () => {
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/park', status: 429, retryAfterSeconds: 1 });
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const parksBefore = world.callControl('/park').length;

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.match(cardText(card), /Acme Corp/);
    const attempts = world.callControl('/park').slice(parksBefore);
    assert.deepEqual(attempts.map((r) => r.status), [429, 200]);
    assert.ok((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0) >= 950, 'it waited the second Webex asked for');
  });

  it('gives up after bounded retries on 5xx and says Webex is having trouble', async () => {
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/park', status: 502, times: 10 });
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const parksBefore = world.callControl('/park').length;

    const answer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.equal(answer.text, 'Rita Reception: Webex is having trouble right now, so I could not park the call. Please try again in a minute.');
    assert.equal(world.callControl('/park').length - parksBefore, 3);
    assert.equal(world.sim.telephony.list(rita.id).length, 1, 'the call is still with Rita');
  });

  it('explains a 403 as a licence or permission problem', async () => {
    world.sim.failNext({ method: 'GET', path: '/telephony/calls', status: 403 });
    const answer = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'park'));
    assert.match(answer.text ?? '', /^Sam Sales: Webex would not let me park calls for you\. .*Webex Calling licence/);
  });

  it('keeps the call waiting when a retrieve fails, says why in the card’s thread, and a later tap works', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Globex' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', status: 503, times: 3 });

    await world.tap(sam, card);

    const failure = await waitFor('the reason in the card’s thread', () => world.botMessages(frontDesk).find((m) => m.parentId === card.id));
    assert.match(failure.text ?? '', /^Sam Sales: Webex is having trouble right now, so I could not retrieve the call/);
    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
    assert.match(cardText(result), /Retrieved by Sam Sales/);
  });

  it('does not repeat a retrieve after an ambiguous 500, where the phone may already be ringing', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Hooli' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', status: 500 });
    const retrievesBefore = world.callControl('/retrieve').length;

    const failure = await world.expectBotMessage(frontDesk, () => world.tap(sam, card));

    assert.match(failure.text ?? '', /Webex is having trouble/);
    assert.equal(world.callControl('/retrieve').length - retrievesBefore, 1);
  });

  it('tells the tapper, and the space, when Webex says nothing is parked there any more', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Initech' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    world.sim.telephony.parked.clear();
    const samDm = world.directSpace(sam);
    const seenDm = world.seenIn(samDm);

    await world.tap(sam, card);

    const told = await world.newBotMessage(samDm, seenDm, 'the private answer');
    assert.match(told.text ?? '', /Webex says nothing is parked on 2001 any more/);
    await waitFor('the card to be replaced', () => !world.sim.org.messages.has(card.id));
  });

  it('never shows a stack trace or a token to people', () => {
    const everything = [...world.sim.org.messages.values()].map((m) => `${m.text ?? ''} ${m.markdown ?? ''}`).join('\n');
    assert.doesNotMatch(everything, /\bat .+\.(ts|js):\d+/);
    assert.doesNotMatch(everything, /Error:/);
    for (const token of world.sim.org.tokens.keys()) assert.ok(!everything.includes(token));
  });
});
