import { strict as assert } from 'node:assert';
import { World, cardOf, cardText, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import { sequentialRoundTrips } from '../../bench/measure.js';
import type { SimLine, SimMessage, SimRequestRecord, SimRoom } from '../../src/simulator/model.js';

/**
 * The company's main number reaches Rita's desk phone as a secondary line (a virtual line). Webex
 * lists, parks and reads its calls only with `lineOwnerId`, and sends no call events for it.
 */
describe('The main line: calls on a secondary line (real bot, simulated Webex)', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;
  let mainLine: SimLine;

  before(async () => {
    // Recalls are asked about every second here (10 s by default), so a test need not wait long.
    world = await World.create({ env: { LINE_POLL_SECONDS: '1' } });
    await world.start();
    rita = world.addPerson('Rita Reception', '2001');
    sam = world.addPerson('Sam Sales', '2002');
    frontDesk = world.groupSpace('Front desk', [rita, sam]);
    mainLine = world.sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', phoneNumber: '+14085550000', sharedWith: [rita.id] });
    world.sim.telephony.parkExtensions.push('502');
    await world.link(rita);
    await world.link(sam);
    await world.callEventsWatched(rita);
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  const parks = (): SimRequestRecord[] => world.callControl('/park');
  const ring = (name: string): string => world.sim.telephony.placeIncomingCallOnLine(mainLine.id, { name, number: '+15550123' }).id;

  // First: the calls later tests park from the line stay waiting as far as the bot knows, and it keeps asking about the line.
  it('changes the card when nobody retrieves the call and it rings the main line again: no event says so, Webex’s list of the line does', async () => {
    ring('Hooli');
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked-call card');
    const deliveries = world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls').length;

    const changed = await world.expectBotMessage(frontDesk, async () => world.sim.telephony.recall('8000'), 'the rang-back card', (m: SimMessage) => /Rang back/.test(m.text ?? ''));

    assert.match(cardText(changed), /Rang back to Rita Reception/);
    assert.equal(world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls').length, deliveries, 'no call event was sent');
    await waitFor('the waiting card to go', () => !world.sim.org.messages.has(card.id));
    const lineLists = world.sim.requests.filter((r) => r.path === '/telephony/calls' && r.query.lineOwnerId === mainLine.id);
    assert.ok(lineLists.every((r) => r.personId === rita.id && r.tokenKind === 'access'), 'asked with the parker’s token');
    const metrics = await (await fetch(`${world.botUrl}/metrics`)).text();
    assert.match(metrics, /parkbot_line_polls_total\{outcome="recall"\} 1/);
    // Every listing of the line but the park's own was the watch asking (one may be on its way meanwhile).
    const counted = Number(/parkbot_line_polls_total\{outcome="asked"\} (\d+)/.exec(metrics)?.[1]);
    const listedSince = world.sim.requests.filter((r) => r.path === '/telephony/calls' && r.query.lineOwnerId === mainLine.id).length;
    assert.ok(counted >= 1 && counted >= lineLists.length - 2 && counted <= listedSince - 1, `${counted} asks counted, ${lineLists.length}–${listedSince} listings`);
    // Nothing parked from the line waits any more: the bot stops asking.
    await world.delivered(2500);
    const asked = world.sim.requests.filter((r) => r.path === '/telephony/calls' && r.query.lineOwnerId === mainLine.id).length;
    await world.delivered(2500);
    assert.equal(world.sim.requests.filter((r) => r.path === '/telephony/calls' && r.query.lineOwnerId === mainLine.id).length, asked);
  });

  it('parks the call on the main line with lineOwnerId and Rita’s token, and the card says the line it came in on', async () => {
    const callId = ring('Acme Corp');
    const before = parks().length;

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked-call card');

    const [park] = parks().slice(before);
    assert.deepEqual(park?.body, { callId, lineOwnerId: mainLine.id });
    assert.equal(park?.personId, rita.id);
    assert.match(cardText(card), /Call waiting on 8000/);
    assert.match(cardText(card), /Main line \+14085550000/);
    assert.match(cardText(card), /Acme Corp/);
    assert.deepEqual(world.sim.telephony.list(mainLine.id), [], 'the call left the main line');
  });

  it('offers the calls on her own line and on the main line in one picker, naming each line, and parks the one picked from its line', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Own Line Caller' } });
    const onMain = ring('Main Line Caller');

    const picker = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the call picker');

    const text = cardText(picker);
    assert.match(text, /You have 2 calls/);
    assert.match(text, /Own Line Caller.*your own line/);
    assert.match(text, /Main Line Caller.*Main line \+14085550000/);
    const before = parks().length;
    const card = await world.expectBotMessage(frontDesk, () => world.tap(rita, picker, { ...cardOf(picker).actions?.[0]?.data, callId: onMain }), 'the parked-call card');
    assert.deepEqual(parks().slice(before)[0]?.body, { callId: onMain, lineOwnerId: mainLine.id });
    assert.match(cardText(card), /Main Line Caller/);
    assert.equal(world.sim.telephony.list(rita.id).length, 1, 'her own call stays with her');
  });

  it('parks a main-line call to 502 when asked, still from the main line', async () => {
    const callId = ring('Initech');
    const before = parks().length;

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park to 502'), 'the parked-call card');

    assert.deepEqual(parks().slice(before)[0]?.body, { callId, destination: '502', lineOwnerId: mainLine.id });
    assert.match(cardText(card), /Call waiting on 502/);
    assert.match(cardText(card), /Main line \+14085550000/);
    assert.equal(world.sim.telephony.parked.get('502')?.call.remoteParty.name, 'Initech');
  });

  it('parks a main-line call on the call park group with `group park`, from the main line', async () => {
    const callId = ring('Umbrella');
    const before = parks().length;

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'group park'), 'the parked-call card');

    assert.deepEqual(parks().slice(before)[0]?.body, { callId, isGroupPark: true, lineOwnerId: mainLine.id });
    assert.match(cardText(card), /Main line \+14085550000/);
  });

  it('lets a colleague retrieve a main-line call with one tap, with his own token, to his own phone', async () => {
    ring('Globex');
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked-call card');
    const before = world.callControl('/retrieve').length;

    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card');

    assert.match(cardText(result), /Retrieved by Sam Sales/);
    const [retrieve] = world.callControl('/retrieve').slice(before);
    assert.equal(retrieve?.personId, sam.id);
    assert.deepEqual(retrieve?.body, { destination: '8000' });
    assert.equal(world.sim.telephony.list(sam.id)[0]?.remoteParty.name, 'Globex');
  });

  it('reads her lines again when a park finds no call: a line an admin added since she linked is found', async () => {
    const lena = world.addPerson('Lena Lobby', '2005');
    world.sim.org.addMember(frontDesk.id, lena.id, rita.id);
    await world.link(lena);
    await waitFor('her lines read on linking', () => world.sim.requests.some((r) => r.path === '/telephony/config/people/me/endpoints' && r.personId === lena.id && r.answeredAt));
    const lobby = world.sim.telephony.lines.add({ displayName: 'Lobby line', extension: '8100', sharedWith: [lena.id] });
    const callId = world.sim.telephony.placeIncomingCallOnLine(lobby.id, { name: 'Late Line Caller' }).id;
    const before = parks().length;

    const card = await world.expectBotMessage(frontDesk, () => world.say(lena, frontDesk, 'park'), 'the parked-call card');

    assert.deepEqual(parks().slice(before)[0]?.body, { callId, lineOwnerId: lobby.id });
    assert.match(cardText(card), /Lobby line 8100/);
  });

  it('offers a new link when hers cannot read her lines and a park finds no call: the call may be on the main line', async () => {
    const omar = world.addPerson('Omar Office', '2006');
    world.sim.org.addMember(frontDesk.id, omar.id, rita.id);
    await world.link(omar, 'spark:telephony_config_read');
    const desk = world.sim.telephony.lines.add({ displayName: 'Office line', extension: '8200', sharedWith: [omar.id] });
    world.sim.telephony.placeIncomingCallOnLine(desk.id, { name: 'Unseen Caller' });
    const dm = world.directSpace(omar);
    await waitFor('the linked message', () => world.botMessages(dm).some((m) => /is linked/.test(m.text ?? '')));
    const seen = world.seenIn(dm);

    const answer = await world.expectBotMessage(frontDesk, () => world.say(omar, frontDesk, 'park'), 'the answer');

    assert.match(answer.text ?? '', /no active call/);
    const prompt = await world.newBotMessage(dm, seen, 'the link prompt');
    assert.match(cardText(prompt), /lines/);
    assert.equal(world.sim.requests.filter((r) => r.path === '/telephony/calls/park' && r.personId === omar.id).length, 0);
  });

  it('keeps a person without secondary lines to the round trips of today: three for a park her call events name', async () => {
    // The first park lists (the call view starts then); the second is the one measured.
    for (const round of [1, 2]) {
      world.hangUpEverything();
      world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: `Soylent ${round}` } });
      await world.delivered();
      const from = world.sim.requests.length;
      const card = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'park'), 'the parked-call card');
      if (round === 1) continue;
      const posted = world.sim.requests.slice(from).find((r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && JSON.stringify(r.response ?? '').includes(card.id));
      assert.ok(posted?.answeredAt);
      const sent = world.sim.requests.slice(from).find((r) => r.tokenKind === 'access' && r.personId === sam.id && r.path === '/messages');
      const bots = world.sim.requests
        .slice(from)
        .filter((r) => r !== sent && r.at >= (sent?.answeredAt ?? 0) && (r.answeredAt ?? Infinity) <= (posted?.answeredAt ?? 0) && !(r.tokenKind === 'access' && r.path === '/messages'));
      assert.equal(sequentialRoundTrips(bots), 3, bots.map((r) => `${r.method} ${r.path}`).join(', '));
      assert.equal(
        world.sim.requests.slice(from).filter((r) => r.path.startsWith('/telephony/config')).length,
        0,
        'his lines were read when he linked, not now',
      );
    }
  });

  it('still parks her own call when a line an admin took off her phone is still remembered: Webex refusing that line is no reason to refuse the park', async () => {
    const pia = world.addPerson('Pia Porter', '2007');
    world.sim.org.addMember(frontDesk.id, pia.id, rita.id);
    const porter = world.sim.telephony.lines.add({ displayName: 'Porter line', extension: '8300', sharedWith: [pia.id] });
    await world.link(pia);
    await waitFor('her lines read on linking', () => world.sim.requests.some((r) => r.path === '/telephony/config/people/me/endpoints' && r.personId === pia.id && r.answeredAt));
    // An admin takes the line off her phone: Webex now refuses its lineOwnerId for her.
    porter.sharedWith.length = 0;
    const callId = world.sim.telephony.placeIncomingCall({ toPersonId: pia.id, from: { name: 'Own Line Caller' } }).id;
    await world.delivered();
    const before = parks().length;

    const card = await world.expectBotMessage(frontDesk, () => world.say(pia, frontDesk, 'park'), 'the parked-call card');

    assert.match(cardText(card), /Own Line Caller/);
    assert.deepEqual(parks().slice(before)[0]?.body, { callId });
    assert.equal(world.sim.requests.filter((r) => r.path === '/telephony/config/people/me/endpoints' && r.personId === pia.id).length, 2, 'her lines read again, so the next park does not ask about the line');
  });

  it('never parks a call that is not on one of her lines, whatever a forged picker submit names', async () => {
    const samsCall = world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Sams Caller' } }).id;
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Ritas Caller' } });
    ring('Main Caller');
    const picker = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the call picker');
    const before = world.sim.requests.length;

    // Answered from a card: privately.
    const answer = await world.expectBotMessage(world.directSpace(rita), () => world.tap(rita, picker, { action: 'park', callId: samsCall, lineOwnerId: sam.id }), 'the answer');

    assert.match(answer.text ?? '', /no active call/);
    const sent = world.sim.requests.slice(before).filter((r) => r.personId === rita.id && r.path.startsWith('/telephony/calls'));
    assert.ok(sent.every((r) => r.path !== '/telephony/calls/park'), 'nothing parked');
    assert.ok(sent.every((r) => r.query.lineOwnerId === undefined || r.query.lineOwnerId === mainLine.id), sent.map((r) => JSON.stringify(r.query)).join());
    assert.equal(world.sim.telephony.list(sam.id).length, 1, 'Sam’s call stays with him');
  });

  it('lists hundreds of secondary lines a few at a time, not all at once, and still parks the call on one of them', async () => {
    const hal = world.addPerson('Hal Hundred', '2008');
    world.sim.org.addMember(frontDesk.id, hal.id, rita.id);
    const many = Array.from({ length: 200 }, (_, i) => world.sim.telephony.lines.add({ displayName: `Line ${i}`, extension: String(9000 + i), sharedWith: [hal.id] }));
    await world.link(hal);
    await waitFor('his lines read on linking', () => world.sim.requests.some((r) => r.path === '/telephony/config/people/me/endpoints' && r.personId === hal.id && r.answeredAt));
    const callId = world.sim.telephony.placeIncomingCallOnLine((many[150] as SimLine).id, { name: 'Deep Line Caller' }).id;
    // Webex 50 ms away for his lists, so requests side by side overlap.
    world.sim.failNext({ method: 'GET', path: '/telephony/calls', delayMs: 50, personId: hal.id, times: 1000 });
    const before = parks().length;

    await world.expectBotMessage(frontDesk, () => world.say(hal, frontDesk, 'park'), 'the parked-call card');

    assert.deepEqual(parks().slice(before)[0]?.body, { callId, lineOwnerId: many[150]?.id });
    const lists = world.sim.requests.filter((r) => r.path === '/telephony/calls' && r.personId === hal.id);
    const overlapping = Math.max(...lists.map((r) => lists.filter((o) => o.at <= r.at && (o.answeredAt ?? Infinity) > r.at).length));
    assert.ok(overlapping <= 10, `${overlapping} of his lists were in flight at once`);
  });
});
