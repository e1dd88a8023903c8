import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';
import type { SimTelephony } from '../../src/simulator/telephony.js';

/**
 * People of two companies share a Webex space (an external partner). Park numbers belong to each
 * organisation: Olga's "2001" is another slot than Rita's. Nobody may take a call parked in an
 * organisation they are not in, by tap or by text, and Webex is never asked.
 */
describe('The organisation boundary: a call is retrieved only by people of its own organisation', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  /** Olga and Oscar work for the partner company, with phones and park slots of its own. */
  let olga: TestPerson;
  let oscar: TestPerson;
  let theirPhones: SimTelephony;

  before(async function () {
    this.timeout(60_000);
    ({ world, rita, sam } = await openFrontDesk(['rita', 'sam']));
    const partner = world.sim.addOrganisation();
    theirPhones = partner.telephony;
    olga = world.addPerson('Olga Partner', '2005', partner.orgId);
    oscar = world.addPerson('Oscar Partner', '2001', partner.orgId);
    await world.link(olga);
    await world.link(oscar);
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  /** Each test its own space, so no earlier test's waiting card is in it. */
  let spaces = 0;
  const sharedSpace = (): SimRoom => world.groupSpace(`Partners ${++spaces}`, [rita, sam, olga, oscar]);

  async function parks(by: TestPerson, phones: SimTelephony, space: SimRoom, caller: string, number: string, command = 'park'): Promise<SimMessage> {
    phones.placeIncomingCall({ toPersonId: by.id, from: { name: caller, number } });
    return world.expectBotMessage(space, () => world.say(by, space, command), `the card for ${caller}`);
  }

  /** At the partner company a call waits on their own 2001: what a retrieve by number would reach. */
  function theirCallOn2001(): void {
    const theirs = theirPhones.placeIncomingCall({ toPersonId: oscar.id, from: { name: 'Their Customer', number: '+15550900' } });
    theirPhones.park(oscar.id, { callId: theirs.id });
  }

  /** What the other organisation's person does is refused privately; nothing reaches Webex, nothing changes in the space. */
  async function refused(person: TestPerson, space: SimRoom, card: SimMessage, action: () => Promise<unknown>): Promise<SimMessage> {
    const retrievesBefore = world.callControl('/retrieve').length;
    const seenInSpace = world.seenIn(space);
    const dm = world.directSpace(person);
    const seenInDm = world.seenIn(dm);
    await action();
    await world.delivered(300);
    assert.equal(world.callControl('/retrieve').length, retrievesBefore, 'no retrieve reached Webex');
    const inSpace = (): string[] => world.botMessages(space).filter((m) => !seenInSpace.has(m.id)).map((m) => m.text ?? '');
    assert.deepEqual(inSpace(), [], 'nothing new in the space');
    const told = await world.newBotMessage(dm, seenInDm, `the private answer to ${person.name}`);
    assert.equal(world.callControl('/retrieve').length, retrievesBefore, 'no retrieve reached Webex, then either');
    assert.deepEqual(inSpace(), [], 'nothing new in the space, then either');
    assert.ok(world.sim.org.messages.has(card.id), 'the card is still there');
    assert.equal(submitButtons(card)[0]?.title, 'Retrieve', 'and still offers Retrieve');
    return told;
  }

  it('refuses a tap on Retrieve by someone of another organisation, privately and before asking Webex', async () => {
    const space = sharedSpace();
    const card = await parks(rita, world.sim.telephony, space, 'Acme Customer', '+15550901');
    theirCallOn2001();

    const told = await refused(olga, space, card, () => world.tap(olga, card));

    assert.match(told.text ?? '', /another organisation/);
    assert.equal(world.sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme Customer', 'our caller still waits on our 2001');
    assert.equal(theirPhones.parked.get('2001')?.call.remoteParty.name, 'Their Customer', 'their 2001 was not touched either');
    const result = await world.expectBotMessage(space, () => world.tap(sam, card), 'the retrieved card');
    assert.match(cardText(result), /Retrieved by Sam Sales/, 'a colleague of Rita’s still can');
  });

  it('refuses `retrieve 2001` typed by someone of another organisation while our card waits on 2001', async () => {
    const space = sharedSpace();
    const card = await parks(rita, world.sim.telephony, space, 'Acme Customer', '+15550902');
    theirCallOn2001();

    const told = await refused(olga, space, card, () => world.say(olga, space, 'retrieve 2001'));

    assert.match(told.text ?? '', /another organisation/);
    assert.equal(world.sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme Customer');
    assert.equal(theirPhones.parked.get('2001')?.call.remoteParty.name, 'Their Customer');
  });

  it('neither takes nor offers in a choice the calls of another organisation to a bare `retrieve`', async () => {
    const space = sharedSpace();
    const first = await parks(rita, world.sim.telephony, space, 'Acme First', '+15550903');
    await parks(sam, world.sim.telephony, space, 'Acme Second', '+15550904');

    const told = await refused(olga, space, first, () => world.say(olga, space, 'retrieve'));

    assert.match(told.text ?? '', /another organisation/);
    assert.equal(world.sim.telephony.parked.size, 2, 'both callers still wait');
  });

  it('refuses to park a call for someone of another organisation, who could never take it: privately, before asking Webex', async () => {
    const space = sharedSpace();
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Customer', number: '+15550907' } });
    await world.delivered();
    const parksBefore = world.callControl('/park').length;
    const seenInSpace = world.seenIn(space);
    const dm = world.directSpace(rita);
    const seenInDm = world.seenIn(dm);

    await world.api(rita.clientToken, 'POST', '/messages', {
      roomId: space.id,
      markdown: `<@personId:${world.botPerson.id}|Park Bot> park for <@personId:${olga.id}|Olga Partner> about the order`,
    });

    const told = await world.newBotMessage(dm, seenInDm, 'the private answer to Rita');
    assert.match(told.text ?? '', /Olga Partner is in another organisation/);
    await world.delivered(300);
    assert.equal(world.callControl('/park').length, parksBefore, 'no park reached Webex');
    assert.deepEqual(world.botMessages(space).filter((m) => !seenInSpace.has(m.id)), [], 'nothing in the space, no mention of Olga');
    assert.equal(world.sim.telephony.list(rita.id)[0]?.remoteParty.name, 'Acme Customer', 'the caller is still with Rita');
  });

  it('lets each organisation retrieve its own calls in the shared space, and refuses the other', async () => {
    const space = sharedSpace();
    const ours = await parks(rita, world.sim.telephony, space, 'Acme Third', '+15550905');
    const theirs = await parks(oscar, theirPhones, space, 'Partner Customer', '+15550906');

    const told = await refused(rita, space, theirs, () => world.tap(rita, theirs));
    assert.match(told.text ?? '', /another organisation/);

    // Two cards on "2001": only hers is one Olga may take, so hers is the one she gets.
    const result = await world.expectBotMessage(space, () => world.say(olga, space, 'retrieve 2001'), 'her retrieved card');
    assert.match(cardText(result), /Retrieved by Olga Partner/);
    assert.match(cardText(result), /Partner Customer/);
    assert.equal(world.callControl('/retrieve').at(-1)?.personId, olga.id);
    assert.equal(theirPhones.list(olga.id)[0]?.remoteParty.name, 'Partner Customer', 'her own organisation’s call');
    assert.equal(world.sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme Third', 'ours still waits');
    assert.ok(world.sim.org.messages.has(ours.id), 'and its card is still there');
  });
});
