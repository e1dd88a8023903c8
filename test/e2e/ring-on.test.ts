import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardOf, cardText, linkUrlIn, submitButtons, type TestPerson } from '../support/world.js';
import type { SimEndpoint, SimMessage, SimRoom } from '../../src/simulator/model.js';

const ENDPOINTS_PATH = '/telephony/config/people/me/settings/availablePreferredAnswerEndpoints';
const TELEPHONY_CONFIG_READ = 'spark:telephony_config_read';

/** The choice set of a ring-on card: every choice's title and value, and the one selected. */
function choicesOf(card: SimMessage): { titles: string[]; values: string[]; selected: unknown } {
  const input = (cardOf(card).body ?? []).find((element) => (element as { type?: string }).type === 'Input.ChoiceSet') as
    | { value?: unknown; choices: { title: string; value: string }[] }
    | undefined;
  if (!input) throw new Error(`no choice set in: ${cardText(card)}`);
  return { titles: input.choices.map((c) => c.title), values: input.choices.map((c) => c.value), selected: input.value };
}

const isCard = (m: SimMessage): boolean => m.attachments !== undefined;

describe('Where a retrieved call rings: each person picks the device (issue 21)', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;
  let samDm: SimRoom;
  let desk: SimEndpoint;
  let app: SimEndpoint;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam']));
    samDm = world.directSpace(sam);
    [desk, app] = world.phonesOf(sam).endpoints.of(sam.id) as [SimEndpoint, SimEndpoint];
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  /** Rita parks a call from `caller` in the Front desk; returns its card. */
  async function ritaParks(caller: string): Promise<SimMessage> {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: caller, number: `+1555${String(Date.now()).slice(-7)}` } });
    return world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked card', isCard);
  }

  async function ringOnCard(person: TestPerson, dm: SimRoom, text = 'ring on'): Promise<SimMessage> {
    return world.expectBotMessage(dm, () => world.say(person, frontDesk, text), 'the private ring-on card', isCard);
  }

  it('`ring on` answers privately with Sam’s own endpoints; picking the desk phone makes a Retrieve ring only it', async () => {
    const seenInSpace = world.seenIn(frontDesk);
    const card = await ringOnCard(sam, samDm);
    const pointer = await world.newBotMessage(frontDesk, seenInSpace, 'the pointer in the space');
    assert.match(pointer.text ?? '', /Sam Sales, I have sent you a private message/);
    assert.doesNotMatch(pointer.text ?? '', /Cisco|Desktop/, 'the space is not told about Sam’s devices');
    const listed = world.sim.requests.filter((r) => r.path === ENDPOINTS_PATH);
    assert.deepEqual(listed.map((r) => [r.personId, r.tokenKind]), [[sam.id, 'access']], 'read with Sam’s own token');

    const { titles, values, selected } = choicesOf(card);
    assert.deepEqual(titles, ["Webex's default (wherever Webex rings you)", "Cisco 8865 (Sam's desk)", 'Webex Desktop Application']);
    assert.deepEqual(values.slice(1), [desk.id, app.id]);
    assert.deepEqual([values[0], selected], ['default', 'default'], 'nothing chosen yet: Webex’s default');

    const saved = await world.expectBotMessage(samDm, () => world.tap(sam, card, { ...submitButtons(card)[0]?.data, endpointId: desk.id }), 'the confirmation');
    assert.match(saved.markdown ?? '', /calls you retrieve will ring on \*\*Cisco 8865 \(Sam's desk\)\*\*/);
    assert.equal(choicesOf(await ringOnCard(sam, samDm)).selected, desk.id, 'the card shows his choice next time');

    const parked = await ritaParks('Acme Corp');
    const retrievesBefore = world.callControl('/retrieve').length;
    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, parked), 'the retrieved card', (m) => cardText(m).includes('Retrieved by'));

    assert.match(cardText(result), /Retrieved by Sam Sales on Cisco 8865 \(Sam's desk\)/);
    const retrieves = world.callControl('/retrieve').slice(retrievesBefore);
    assert.deepEqual(retrieves.map((r) => r.body), [{ destination: '2001', endpointId: desk.id }]);
    const [handed] = world.phonesOf(sam).list(sam.id);
    assert.deepEqual(world.phonesOf(sam).ringingOn(sam.id, handed?.id ?? '').map((e) => e.id), [desk.id], 'only the desk phone rang');
  });

  it('`ring on app` picks by name, `ring on default` goes back to Webex’s default, and a name that fits nothing offers the list', async () => {
    const appChosen = await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'ring on app'), 'the confirmation');
    assert.match(appChosen.markdown ?? '', /ring on \*\*Webex Desktop Application\*\*/);

    const unknown = await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'ring on kitchen'), 'the list', isCard);
    assert.match(cardText(unknown), /None of your devices is called “kitchen”/);
    assert.equal(choicesOf(unknown).selected, app.id);

    const reset = await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'ring on default'), 'the confirmation');
    assert.match(reset.text ?? '', /wherever Webex rings you/);
    const parked = await ritaParks('Globex');
    const before = world.callControl('/retrieve').length;
    await world.expectBotMessage(frontDesk, () => world.tap(sam, parked), 'the retrieved card', (m) => cardText(m).includes('Retrieved by'));
    assert.deepEqual(world.callControl('/retrieve').slice(before).map((r) => r.body), [{ destination: '2001' }], 'no endpointId: as before issue 21');
  });

  it('a device removed in Webex: the retrieve is tried once without it, Sam is told privately, and the choice is cleared', async () => {
    const deskChosen = await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'ring on desk'), 'the confirmation');
    assert.match(deskChosen.markdown ?? '', /ring on \*\*Cisco 8865/, '"desk" is a word of its name, only part of "Desktop"');
    world.phonesOf(sam).endpoints.remove(sam.id, desk.id);
    const parked = await ritaParks('Initech');
    const before = world.callControl('/retrieve').length;
    const seenDm = world.seenIn(samDm);

    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, parked), 'the retrieved card', (m) => cardText(m).includes('Retrieved by'));

    assert.doesNotMatch(cardText(result), /Cisco/, 'it did not ring there');
    const retrieves = world.callControl('/retrieve').slice(before);
    assert.deepEqual(
      retrieves.map((r) => [r.body, r.status]),
      [
        [{ destination: '2001', endpointId: desk.id }, 400],
        [{ destination: '2001' }, 201],
      ],
    );
    const told = await world.newBotMessage(samDm, seenDm, 'the private notice');
    assert.match(told.markdown ?? '', /\*\*Cisco 8865 \(Sam's desk\)\*\* is no longer one of your devices in Webex/);
    assert.match(told.markdown ?? '', /type `ring on` to choose again/);
    assert.equal(choicesOf(await ringOnCard(sam, samDm)).selected, 'default', 'back to Webex’s default');
  });

  it('a link made before the scope was asked for: `ring on` prompts to link again, and retrieves keep working meanwhile', async () => {
    await world.link(priya, TELEPHONY_CONFIG_READ);
    const priyaDm = world.directSpace(priya);
    const listedBefore = world.sim.requests.filter((r) => r.path === ENDPOINTS_PATH).length;

    const prompt = await world.expectBotMessage(priyaDm, () => world.say(priya, frontDesk, 'ring on'), 'the link prompt', isCard);
    assert.match(cardText(prompt), /one more permission/);
    assert.match(cardText(prompt), /Login with Webex/);
    assert.equal(world.sim.requests.filter((r) => r.path === ENDPOINTS_PATH).length, listedBefore, 'Webex was not asked with a token that cannot read them');

    const parked = await ritaParks('Umbrella');
    const before = world.callControl('/retrieve').length;
    const result = await world.expectBotMessage(frontDesk, () => world.tap(priya, parked), 'the retrieved card', (m) => cardText(m).includes('Retrieved by'));
    assert.match(cardText(result), /Retrieved by Priya Support/);
    assert.deepEqual(world.callControl('/retrieve').slice(before).map((r) => r.body), [{ destination: '2001' }]);

    assert.match(await world.followLink(priya, linkUrlIn(prompt)), /all set/);
    const card = await world.expectBotMessage(priyaDm, () => world.say(priya, priyaDm, 'ring on'), 'the ring-on card', isCard);
    assert.deepEqual(choicesOf(card).titles.slice(1), ["Cisco 8865 (Priya's desk)", 'Webex Desktop Application']);
  });

  it('a chosen device Webex refuses while the list cannot be read (the scope gone): Tess is still rung, where Webex rings her', async () => {
    const tess = world.addPerson('Tess Temp', '2555');
    await world.link(tess);
    const tessDm = world.directSpace(tess);
    await world.expectBotMessage(tessDm, () => world.say(tess, tessDm, 'ring on desk'), 'the confirmation', (m) => /^Done/.test(m.text ?? ''));
    await world.link(tess, TELEPHONY_CONFIG_READ);
    const [tessDesk] = world.phonesOf(tess).endpoints.of(tess.id) as [SimEndpoint];
    world.phonesOf(tess).endpoints.remove(tess.id, tessDesk.id);
    await ritaParks('Hooli');
    const before = world.callControl('/retrieve').length;

    const answer = await world.expectBotMessage(tessDm, () => world.say(tess, tessDm, 'retrieve 2001'), 'the answer', (m) => /2001/.test(m.markdown ?? m.text ?? ''));

    assert.doesNotMatch(answer.markdown ?? answer.text ?? '', /Cisco/, 'not told the desk phone rings');
    assert.equal(world.phonesOf(tess).list(tess.id).length, 1, 'Tess has the caller');
    assert.deepEqual(
      world.callControl('/retrieve').slice(before).map((r) => [r.body, r.status]),
      [
        [{ destination: '2001', endpointId: tessDesk.id }, 400],
        [{ destination: '2001' }, 201],
      ],
    );
  });

  it('answers `ring on` privately when Webex fails, tells someone not linked to link before `ring on default`, and reads a phone’s curly apostrophe', async () => {
    const seenInSpace = world.seenIn(frontDesk);
    const seenDm = world.seenIn(samDm);
    world.sim.failNext({ method: 'GET', path: ENDPOINTS_PATH, status: 400 });
    await world.say(sam, frontDesk, 'ring on');
    const told = await world.newBotMessage(samDm, seenDm, 'the private answer');
    assert.match(told.text ?? '', /Webex/);
    const inSpace = await world.newBotMessage(frontDesk, seenInSpace, 'the pointer');
    assert.match(inSpace.text ?? '', /^Sam Sales, I have sent you a private message\.$/, 'the space sees a pointer only');

    await world.link(priya);
    const priyaDm = world.directSpace(priya);
    const chosen = await world.expectBotMessage(priyaDm, () => world.say(priya, priyaDm, 'ring on priya’s desk'), 'the confirmation', (m) => /^Done/.test(m.text ?? ''));
    assert.match(chosen.markdown ?? '', /ring on \*\*Cisco 8865 \(Priya's desk\)\*\*/);

    const stranger = world.addPerson('Stan Stranger', '2777');
    const strangerDm = world.directSpace(stranger);
    const prompt = await world.expectBotMessage(strangerDm, () => world.say(stranger, strangerDm, 'ring on default'), 'the link prompt');
    assert.match(cardText(prompt), /Login with Webex/, 'asked to link, not told a choice was saved');
  });

  it('refuses a forged submit naming an endpoint that is not the tapper’s, and never takes a name from the submit', async () => {
    const mallory = world.addPerson('Mallory Outsider', '2666');
    await world.link(mallory);
    const malloryDm = world.directSpace(mallory);
    const card = await world.expectBotMessage(malloryDm, () => world.say(mallory, malloryDm, 'ring on'), 'Mallory’s card', isCard);
    await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'ring on app'), 'Sam’s confirmation');

    const refusal = await world.expectBotMessage(malloryDm, () => world.tap(mallory, card, { action: 'ring-on', endpointId: app.id, name: 'Sam’s app' }), 'the refusal');
    assert.match(refusal.text ?? '', /not one of your devices in Webex/);
    assert.equal(choicesOf(await world.expectBotMessage(malloryDm, () => world.say(mallory, malloryDm, 'ring on'), 'her card', isCard)).selected, 'default', 'nothing saved for Mallory');
    assert.equal(choicesOf(await ringOnCard(sam, samDm)).selected, app.id, 'Sam’s choice untouched');

    const [malloryDesk] = world.phonesOf(mallory).endpoints.of(mallory.id) as [SimEndpoint];
    malloryDesk.name = '<@all> [Pay](https://evil.example) desk';
    const saved = await world.expectBotMessage(malloryDm, () => world.tap(mallory, card, { action: 'ring-on', endpointId: malloryDesk.id, name: '<@all> Totally Sam' }), 'the confirmation');
    assert.doesNotMatch(saved.markdown ?? '', /Totally Sam/, 'the name comes from Webex, not the submit');
    assert.doesNotMatch(saved.markdown ?? '', /<@all>|[^\\]\]\(https/, 'Webex’s name is escaped');

    const garbage = await world.expectBotMessage(malloryDm, () => world.tap(mallory, card, { action: 'ring-on', endpointId: 'x'.repeat(5000) }), 'the answer');
    assert.match(garbage.text ?? '', /out of date/);

    await world.expectBotMessage(malloryDm, () => world.say(mallory, malloryDm, 'unlink'), 'the unlink answer');
    await world.link(mallory);
    const afterUnlink = await world.expectBotMessage(malloryDm, () => world.say(mallory, malloryDm, 'ring on'), 'her card', isCard);
    assert.equal(choicesOf(afterUnlink).selected, 'default', '`unlink` forgot her choice too');
  });
});
