import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardOf, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimRoom } from '../../src/simulator/model.js';

describe('Parking from chat and retrieving with one tap (real bot, simulated Webex)', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya']));
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  it('parks the sender’s active call with her own token and posts a card with the caller, the park number and a Retrieve button', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp', number: '+15550100' } });

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park my call'), 'the parked-call card');

    const text = cardText(card);
    assert.match(text, /Call waiting on 2001/);
    assert.match(text, /Acme Corp \(\+15550100\)/);
    assert.match(text, /Parked by \| Rita Reception/);
    assert.equal(cardOf(card).actions?.[0]?.title, 'Retrieve');
    assert.match(card.markdown ?? '', /retrieve 2001/, 'clients without cards get a usable fallback');

    const [park] = world.callControl('/park');
    assert.equal(park?.personId, rita.id, 'park is made with Rita’s token');
    assert.equal(park?.tokenKind, 'access', 'never with the bot’s token');
    assert.equal(world.sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme Corp');
    assert.deepEqual(world.sim.telephony.list(rita.id), [], 'the call left Rita’s phone');
  });

  it('gives the call to whoever taps Retrieve, with his own token, and the space sees who took it', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: priya.id, from: { name: 'Globex', number: '+15550199' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(priya, frontDesk, 'park'));
    const retrievesBefore = world.callControl('/retrieve').length;

    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card');

    assert.match(cardText(result), /Retrieved by Sam Sales/);
    assert.match(cardText(result), /Globex/);
    const retrieves = world.callControl('/retrieve').slice(retrievesBefore);
    assert.equal(retrieves.length, 1);
    assert.equal(retrieves[0]?.personId, sam.id, 'retrieved with the tapper’s token');
    assert.deepEqual(retrieves[0]?.body, { destination: '2003' });
    assert.equal(world.sim.telephony.list(sam.id)[0]?.remoteParty.name, 'Globex', 'Sam now has the caller');
    await waitFor('the waiting card to be removed', () => !world.sim.org.messages.has(card.id));
  });

  it('lets exactly one of two simultaneous taps retrieve, and tells the other who took it', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Initech' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    const retrievesBefore = world.callControl('/retrieve').length;
    const samDm = world.directSpace(sam);
    const priyaDm = world.directSpace(priya);
    const seenDms = new Set([...world.seenIn(samDm), ...world.seenIn(priyaDm)]);
    const seenInSpace = world.seenIn(frontDesk);

    await Promise.all([world.tap(sam, card), world.tap(priya, card)]);

    const result = await world.newBotMessage(frontDesk, seenInSpace, 'the retrieved card');
    const told = await waitFor('the loser to be told', () => [...world.botMessages(samDm), ...world.botMessages(priyaDm)].find((m) => !seenDms.has(m.id)));
    await world.sim.webhooks.settled();
    assert.equal(world.callControl('/retrieve').length - retrievesBefore, 1, 'one retrieve call for two taps');
    const winner = cardText(result).includes('Sam Sales') ? sam : priya;
    assert.equal(told.roomId, (winner === sam ? priyaDm : samDm).id, 'the other tapper is told, privately');
    assert.match(told.text ?? '', /(already took|retrieving .* right now|phone is ringing with the call on 2001)/);
    assert.equal(world.sim.telephony.list(winner.id).length, 1);
  });

  it('tells a later tapper who already took the call', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Umbrella' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    const list = await world.expectBotMessage(frontDesk, () => world.say(priya, frontDesk, 'parked'));
    await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
    const retrievesBefore = world.callControl('/retrieve').length;

    const priyaDm = world.directSpace(priya);
    const parkId = submitButtons(card)[0]?.data?.parkId;
    const button = submitButtons(list).find((b) => b.data?.parkId === parkId);
    const answer = await world.expectBotMessage(priyaDm, () => world.tap(priya, list, button?.data), 'the private answer');

    assert.match(answer.text ?? '', /Sam Sales already took the call from 2001/);
    assert.equal(world.callControl('/retrieve').length, retrievesBefore, 'no second retrieve');
  });

  it('parks to a destination, and retrieves by typing the number', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Hooli' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park to 1001'));
    assert.match(cardText(card), /Call waiting on 1001/);
    assert.deepEqual(world.callControl('/park').at(-1)?.body, { callId: world.sim.telephony.parked.get('1001')?.call.id, destination: '1001' });

    const result = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'retrieve 1001'));
    assert.match(cardText(result), /Retrieved by Sam Sales/);
    assert.equal(world.sim.telephony.parked.has('1001'), false);
  });

  it('"retrieve" alone takes the only waiting call, and offers a choice when several wait', async () => {
    const sales = world.groupSpace('Sales', [rita, sam, priya]);
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Only One' } });
    await world.expectBotMessage(sales, () => world.say(rita, sales, 'park'));
    const taken = await world.expectBotMessage(sales, () => world.say(sam, sales, 'retrieve'));
    assert.match(cardText(taken), /Retrieved by Sam Sales/);

    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'First' } });
    await world.expectBotMessage(sales, () => world.say(rita, sales, 'park'));
    world.sim.telephony.placeIncomingCall({ toPersonId: priya.id, from: { name: 'Second' } });
    await world.expectBotMessage(sales, () => world.say(priya, sales, 'park'));
    const choice = await world.expectBotMessage(sales, () => world.say(sam, sales, 'retrieve'));
    assert.match(cardText(choice), /2 calls are waiting in this space/);
  });

  it('group park puts the call on a free call park extension', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Stark' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'group park'));
    assert.match(cardText(card), /Call waiting on 100\d/);
    assert.equal(world.callControl('/park').at(-1)?.body && (world.callControl('/park').at(-1)?.body as { isGroupPark?: boolean }).isGroupPark, true);
    await world.expectBotMessage(frontDesk, () => world.tap(rita, card));
  });

  it('parks for a colleague: the card names them and they are @mentioned', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Wayne Enterprises' } });
    const seen = world.seenIn(frontDesk);
    await world.api(rita.clientToken, 'POST', '/messages', {
      roomId: frontDesk.id,
      markdown: `<@personId:${world.botPerson.id}|Park Bot> park for <@personId:${sam.id}|Sam Sales> about the renewal`,
    });

    const card = await world.newBotMessage(frontDesk, seen, 'the card');
    const mention = await world.newBotMessage(frontDesk, new Set([...seen, card.id]), 'the mention');
    assert.match(cardText(card), /For Sam Sales/);
    assert.match(cardText(card), /Note: about the renewal/);
    assert.equal(mention.parentId, card.id, 'the mention is in the card’s thread');
    assert.deepEqual(mention.mentionedPeople, [sam.id]);
    await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
  });

  it('asks which call to park when the sender has several, then parks the chosen one', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'First Caller' } });
    const second = world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Second Caller' } });
    // She asks once her phone shows both calls.
    await world.delivered();

    const picker = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the call picker');
    assert.match(cardText(picker), /You have 2 calls/);
    assert.match(cardText(picker), /First Caller/);
    assert.match(cardText(picker), /Second Caller/);

    const submit = { ...cardOf(picker).actions?.[0]?.data, callId: second.id };
    const card = await world.expectBotMessage(frontDesk, () => world.tap(rita, picker, submit));
    assert.match(cardText(card), /Second Caller/);
    assert.equal(world.sim.telephony.list(rita.id)[0]?.remoteParty.name, 'First Caller', 'the other call stays on Rita’s phone');
    await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
  });

  it('lists the calls still waiting in the space, each with its own Retrieve button', async () => {
    const supportDesk = world.groupSpace('Support desk', [priya, sam]);
    world.sim.telephony.placeIncomingCall({ toPersonId: priya.id, from: { name: 'Cyberdyne' } });
    await world.expectBotMessage(supportDesk, () => world.say(priya, supportDesk, 'park'));

    const list = await world.expectBotMessage(supportDesk, () => world.say(sam, supportDesk, 'parked'));
    assert.match(cardText(list), /1 call is waiting in this space/);
    assert.match(cardText(list), /Cyberdyne \(\+15550100\) on 2003 \(Priya Support\)/);

    const result = await world.expectBotMessage(supportDesk, () => world.tap(sam, list));
    assert.match(cardText(result), /Retrieved by Sam Sales/);
    const empty = await world.expectBotMessage(supportDesk, () => world.say(sam, supportDesk, 'parked'));
    assert.equal(empty.text, 'No calls are waiting in this space.');
  });

  it('says so when the sender has no active call, and parks nothing', async () => {
    const parksBefore = world.callControl('/park').length;
    const answer = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'park my call'));
    assert.equal(answer.text, 'Sam Sales, you have no active call to park.');
    assert.equal(world.callControl('/park').length, parksBefore);
  });

  it('answers a malformed destination with the forms it accepts', async () => {
    const answer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park to not a number!'));
    assert.match(answer.text ?? '', /is not a place I can park a call/);
    assert.match(answer.text ?? '', /\+12223334444/);
  });

  it('never stays silent: anything else gets a short help answer', async () => {
    const answer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'what is the weather'));
    assert.match(answer.text ?? '', /didn't catch that/);
    assert.match(answer.text ?? '', /park to 1234/);
  });

  it('works in a 1:1 space without an @mention', async () => {
    const dm = world.directSpace(rita);
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Direct Caller' } });
    const card = await world.expectBotMessage(dm, () => world.say(rita, dm, 'Park my call.'));
    assert.match(cardText(card), /Direct Caller/);
    await world.expectBotMessage(dm, () => world.tap(rita, card));
  });
});
