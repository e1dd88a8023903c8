import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, WEBHOOK_SECRET, cardOf, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { createHmac } from 'node:crypto';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * Anyone can post any inputs on any card they can see. These are the attacks an outsider tried on
 * the real bot; each must fail, and fail with a clear private answer.
 */
describe('Hostile card submits and text', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let mallory: TestPerson;
  let frontDesk: SimRoom;
  let malloryDm: SimRoom;
  /** A bot card in Mallory's own 1:1 with the bot: anything she submits on it reaches the bot. */
  let malloryCard: SimMessage;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam']));
    mallory = world.addPerson('Mallory Outsider', '2666');
    malloryDm = world.directSpace(mallory);
    malloryCard = await world.expectBotMessage(malloryDm, () => world.say(mallory, malloryDm, 'link'), 'Mallory’s link card');
    await world.followLink(mallory, cardOf(malloryCard).actions?.find((a) => a.url)?.url ?? '');
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  it('refuses a retrieve submitted from another space with a Front desk parkId', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Private Client', number: '+15550501' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    const parkId = submitButtons(card)[0]?.data?.parkId;
    const retrievesBefore = world.callControl('/retrieve').length;

    const answer = await world.expectBotMessage(malloryDm, () => world.tap(mallory, malloryCard, { action: 'retrieve', parkId }), 'the answer to Mallory');

    assert.match(answer.text ?? '', /only .*in the space where it was parked/i);
    assert.doesNotMatch(answer.text ?? '', /Private Client|15550501/, 'nothing about the call leaks');
    await world.sim.webhooks.settled();
    assert.equal(world.callControl('/retrieve').length, retrievesBefore, 'Webex was never asked');
    assert.ok(world.sim.org.messages.has(card.id), 'Front desk’s card is untouched');
    await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card', (m) => cardText(m).includes('Retrieved by Sam'));
  });

  it('puts a park submit’s destination through the same check as a typed one', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: mallory.id, from: { name: 'Caller', number: '+15550502' } });
    const parksBefore = world.callControl('/park').length;
    const answer = await world.expectBotMessage(malloryDm, () =>
      world.tap(mallory, malloryCard, { action: 'park', callId: world.sim.telephony.list(mallory.id)[0]?.id, destination: '<@all> [x](https://evil.example)' }),
    );
    assert.match(answer.text ?? '', /is not a place I can park a call/);
    assert.doesNotMatch(answer.markdown ?? '', /<@all>|[^\\]\]\(https/, 'no mention and no live link in what the bot wrote');
    assert.equal(world.callControl('/park').length, parksBefore);
  });

  it('parks for someone only if they are in the space, named as Webex names them, not as the card says', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'First', number: '+15550503' } });
    const second = world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Second', number: '+15550504' } });
    await world.delivered();
    const picker = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the call picker');
    const ritaDm = world.directSpace(rita);

    const refusal = await world.expectBotMessage(ritaDm, () => world.tap(rita, picker, { action: 'park', callId: second.id, forPersonId: mallory.id, forPersonName: 'Mallory' }), 'the refusal');
    assert.match(refusal.text ?? '', /The person you chose is not in this space/);
    assert.equal(world.sim.telephony.parked.size, 0, 'nothing was parked');

    const forged = 'Sam Sales|x> <@all';
    const card = await world.expectBotMessage(
      frontDesk,
      () => world.tap(rita, picker, { action: 'park', callId: second.id, forPersonId: sam.id, forPersonName: forged }),
      'the card for Sam',
      (m) => m.attachments !== undefined && cardText(m).includes('Call waiting'),
    );
    assert.match(cardText(card), /For Sam Sales/);
    assert.doesNotMatch(cardText(card), /<@all>/);
    const mention = await waitFor('the mention in the card’s thread', () => world.botMessages(frontDesk).find((m) => m.parentId === card.id));
    assert.deepEqual(mention.mentionedPeople, [sam.id]);
    assert.doesNotMatch(mention.markdown ?? '', /<@all>/);
  });

  it('writes a hostile caller-ID name harmlessly in the card, its fallback and the "for Sam" reply', async () => {
    const hostile = '<@all> [Pay invoice](https://evil.example/x)';
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: hostile, number: '+15550505' } });
    const seen = world.seenIn(frontDesk);
    await world.api(rita.clientToken, 'POST', '/messages', {
      roomId: frontDesk.id,
      markdown: `<@personId:${world.botPerson.id}|Park Bot> park for <@personId:${sam.id}|Sam Sales> [urgent](https://evil.example/y)`,
    });
    const card = await world.newBotMessage(frontDesk, seen, 'the card', (m) => m.attachments !== undefined);
    const reply = await waitFor('the reply in the card’s thread', () => world.botMessages(frontDesk).find((m) => m.parentId === card.id));
    for (const written of [card.markdown ?? '', JSON.stringify(card.attachments), reply.markdown ?? '']) {
      assert.doesNotMatch(written, /<@all>/);
      assert.doesNotMatch(written, /[^\\]\]\(https/);
    }
    assert.match(reply.text ?? '', /a call from <@all> \[Pay invoice\]\(https:\/\/evil\.example\/x\) \(\+15550505\) is waiting/, 'shown as the caller-ID says, as plain text');
    assert.deepEqual(reply.mentionedPeople, [sam.id], 'only Sam is notified');
  });

  it('answers "park to <@all>" without posting a mention', async () => {
    const answer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park to <@all>'));
    assert.match(answer.text ?? '', /"<@all>" is not a place I can park a call/);
    assert.doesNotMatch(answer.markdown ?? '', /<@all>/);
    assert.equal(answer.mentionedPeople, undefined);
  });

  it('refuses a signed delivery replayed long after its event, and counts it', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Victim’s Caller', number: '+15550506' } });
    let message: SimMessage | undefined;
    await world.expectBotMessage(frontDesk, async () => (message = await world.say(rita, frontDesk, 'retrieve 2001')), 'the answer to the original');
    const original = world.sim.webhooks.deliveries.find((d) => d.dataId === message?.id);
    // The same signed delivery, as an attacker who kept it would send it 25 hours later.
    const delivery = JSON.parse(original?.body ?? '{}') as { data: { id: string; created: string } };
    delivery.data.id = `${delivery.data.id}-kept`;
    delivery.data.created = new Date(Date.now() - 25 * 60 * 60 * 1000).toISOString();
    const body = JSON.stringify(delivery);
    const retrievesBefore = world.callControl('/retrieve').length;

    const response = await fetch(`${world.botUrl}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-spark-signature': createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex') },
      body,
    });

    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /too old/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.callControl('/retrieve').length, retrievesBefore, 'nothing was retrieved');
    assert.match(await (await fetch(`${world.botUrl}/metrics`)).text(), /parkbot_webhook_rejections_total\{reason="stale"\} 1/);
  });
});
