import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardOf, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/** The desk card's actions, top level and inside its "Park for…" card. */
function deskButton(card: SimMessage, title: string): Record<string, unknown> {
  const found = submitButtons(card).find((button) => button.title === title);
  if (!found?.data) throw new Error(`the desk card has no "${title}" button`);
  return found.data;
}

const isDesk = (message: SimMessage): boolean => (message.text ?? '').startsWith('Front desk: ');

describe('The front desk: a welcome, and one tap to park', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;
  let desk: SimMessage;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam']));
    desk = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'desk'), 'the desk card', isDesk);
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  it('welcomes a space it is added to once, with the desk card, and not again after a restart', async () => {
    const reception = world.groupSpace('Reception', [rita, sam, priya]);
    await waitFor('the welcome and the desk card', () => world.botMessages(reception).length >= 2);
    const [welcome, card] = world.botMessages(reception);
    assert.match(welcome?.text ?? '', /^Hi, I'm Park Bot\. While you're on a call, tap Park my call/);
    assert.ok(card && isDesk(card));
    assert.deepEqual(cardOf(card).actions?.map((a) => a.title), ['Park my call', 'Park for…', 'Parked calls', 'Report']);
    const choices = JSON.stringify(cardOf(card).actions?.[1]);
    for (const person of [rita, sam, priya]) assert.ok(choices.includes(person.id), `${person.name} can be chosen`);
    assert.ok(!choices.includes(world.botPerson.id), 'the bot is left out');

    await world.bot.stop();
    await world.bot.start();
    await world.expectBotMessage(reception, () => world.say(rita, reception, 'parked'));
    assert.equal(world.botMessages(reception).filter((m) => /^Hi, I'm Park Bot/.test(m.text ?? '')).length, 1, 'one welcome, ever');
  });

  it('Park my call parks the tapper’s own call with the tapper’s own token', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Desk Caller', number: '+15550701' } });
    const parksBefore = world.callControl('/park').length;

    const card = await world.expectBotMessage(frontDesk, () => world.tap(sam, desk, deskButton(desk, 'Park my call')), 'the parked card');

    assert.match(cardText(card), /Call waiting on 2002 .*Desk Caller .*Parked by \| Sam Sales/);
    const [park] = world.callControl('/park').slice(parksBefore);
    assert.deepEqual([park?.personId, park?.tokenKind], [sam.id, 'access']);
  });

  it('Park my call with the group park toggle on parks on a free extension of the call park group', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Group Caller', number: '+15550709' } });
    const parksBefore = world.callControl('/park').length;

    // Webex's clients send a toggle's value as text, with the button's own data.
    const card = await world.expectBotMessage(frontDesk, () => world.tap(sam, desk, { ...deskButton(desk, 'Park my call'), groupPark: 'true' }), 'the parked card');

    assert.match(cardText(card), /Call waiting on 100\d/);
    const [park] = world.callControl('/park').slice(parksBefore);
    assert.equal((park?.body as { isGroupPark?: boolean } | undefined)?.isGroupPark, true);
  });

  it('Report posts the desk’s figures in the space, for anyone, linked or not', async () => {
    const report = await world.expectBotMessage(frontDesk, () => world.tap(priya, desk, deskButton(desk, 'Report')), 'the report card', (m) => cardText(m).startsWith('Front desk report'));
    assert.match(cardText(report), /Calls parked \| \d+/);
    await waitFor('the chart in the report’s thread', () => world.botMessages(frontDesk).some((m) => m.parentId === report.id && m.files?.length === 1));
  });

  it('Park for Sam with a note: the space card names him, and his private card’s Retrieve takes the call', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Renewal Caller', number: '+15550702' } });
    const samDm = world.directSpace(sam);
    const seenDm = world.seenIn(samDm);

    const card = await world.expectBotMessage(
      frontDesk,
      () => world.tap(rita, desk, { ...deskButton(desk, 'Park for them'), forPersonId: sam.id, note: 'about the renewal' }),
      'the parked card',
      (m) => m.attachments !== undefined,
    );
    assert.match(cardText(card), /For Sam Sales .*Note: about the renewal/);

    const privateCard = await world.newBotMessage(samDm, seenDm, 'Sam’s private card', (m) => m.attachments !== undefined);
    assert.match(cardText(privateCard), /Call waiting on 2001 .*Renewal Caller/);
    const result = await world.expectBotMessage(samDm, () => world.tap(sam, privateCard), 'the private card replaced', (m) => cardText(m).includes('Retrieved by'));
    assert.match(cardText(result), /Retrieved by Sam Sales/);
    await waitFor('the space card to say so too', () => world.botMessages(frontDesk).some((m) => m.attachments && cardText(m).includes('Retrieved by Sam Sales') && cardText(m).includes('Renewal Caller')));
    assert.equal(world.sim.telephony.list(sam.id)[0]?.remoteParty.name, 'Renewal Caller');
  });

  it('someone not linked gets the link prompt, and the park goes ahead once they link', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: priya.id, from: { name: 'Patient Caller', number: '+15550703' } });
    const priyaDm = world.directSpace(priya);
    const seenDm = world.seenIn(priyaDm);

    await world.tap(priya, desk, deskButton(desk, 'Park my call'));
    const prompt = await world.newBotMessage(priyaDm, seenDm, 'the link prompt', (m) => JSON.stringify(m.attachments ?? '').includes('Login with Webex'));
    assert.equal(world.sim.telephony.parked.size, 0, 'nothing parked without her own token');

    const seen = world.seenIn(frontDesk);
    assert.match(await world.followLink(priya, cardOf(prompt).actions?.find((a) => a.url)?.url ?? ''), /all set/);
    const card = await world.newBotMessage(frontDesk, seen, 'the parked card', (m) => m.attachments !== undefined);
    assert.match(cardText(card), /Call waiting on 2003 .*Patient Caller .*Parked by \| Priya Support/);
    assert.equal(world.callControl('/park').at(-1)?.personId, priya.id);
  });

  it('answers a bad tap privately: someone not in the space, or no call to park', async () => {
    const outsider = world.addPerson('Olga Outsider', '2777');
    const ritaDm = world.directSpace(rita);
    const seenDm = world.seenIn(ritaDm);
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Caller', number: '+15550704' } });

    await world.tap(rita, desk, { ...deskButton(desk, 'Park for them'), forPersonId: outsider.id });
    const refusal = await world.newBotMessage(ritaDm, seenDm, 'the refusal');
    assert.match(refusal.text ?? '', /The person you chose is not in this space/);

    world.hangUpEverything();
    const seenInSpace = world.seenIn(frontDesk);
    await world.tap(rita, desk, deskButton(desk, 'Park my call'));
    const answer = await world.newBotMessage(ritaDm, new Set([...seenDm, refusal.id]), 'the private answer');
    assert.match(answer.text ?? '', /you have no active call to park/);
    assert.deepEqual(world.botMessages(frontDesk).filter((m) => !seenInSpace.has(m.id)), [], 'nothing said in the space');
  });

  it('help is a card with the commands, a markdown list for clients without cards, and the desk card', async () => {
    const help = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'help'), 'the help card');
    assert.match(cardText(help), /park to 1234 \| Park it on an extension/);
    assert.match(help.markdown ?? '', /- `park` or `park my call`: Park your active call/);
    await waitFor('the desk card after it', () => world.botMessages(frontDesk).some((m) => isDesk(m) && m.created >= help.created && m.id !== desk.id));
  });
});
