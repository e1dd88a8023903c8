import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as AC from 'adaptivecards/dist/adaptivecards.js';
import { CARDS_DIR, MAX_CARD_ACTIONS, callPickerCard, closedSummary, deskCard, helpCard, linkAccountCard, parkedCallCard, parkedListCard, ringOnCard, stillParkedNotice, waitingCard } from '../../src/cards/render.js';
import { countActions } from '../../src/simulator/org.js';
import { CARD_MAX_BYTES, LIST_MAX_ITEMS, MESSAGE_TEXT_MAX_BYTES, NAME_MAX_CHARS, NOTE_MAX_CHARS } from '../../src/chat/limits.js';
import { COMMANDS, HELP_INTRO, HELP_TEXT } from '../../src/bot/user-messages.js';
import type { ParkedCall } from '../../src/storage/store.js';

/** What a Webex client would complain about when rendering the card at schema 1.3. */
function problemsAt13(card: unknown): string[] {
  const context = new AC.SerializationContext(AC.Versions.v1_3);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const problems = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
  return [...problems, ...parsed.validateProperties().validationEvents.map((e) => e.message)];
}

const call: ParkedCall = {
  id: '5b0c6a55-1c52-4a0b-9d3c-0a4c8f0f2a11',
  roomId: 'ROOM',
  parkedBy: { personId: 'RITA', name: 'Rita Reception' },
  caller: { name: 'Acme Corp', number: '+15550100' },
  parkedAgainst: { number: '1000', name: 'Call Park 1000' },
  forPerson: { personId: 'SAM', name: 'Sam Sales' },
  note: 'wants a refund',
  state: 'waiting',
  parkedAt: '2026-11-23T10:02:03.456Z',
};

/** The words a card shows, in reading order. */
function textOf(node: unknown): string {
  if (Array.isArray(node)) return node.map(textOf).join(' ');
  if (!node || typeof node !== 'object') return '';
  const record = node as Record<string, unknown>;
  const own = ['title', 'text', 'value'].map((key) => record[key]).filter((value): value is string => typeof value === 'string');
  return [...own, ...Object.values(record).filter((value) => typeof value === 'object').map(textOf)].join(' ');
}

const closedAt = '2026-11-23T10:07:00.000Z';
const endpoints = [
  { id: 'DESK', type: 'DEVICE', name: 'Cisco 8865 (reception)', isPreferredAnswerEndpoint: false },
  { id: 'APP', type: 'APPLICATION', name: 'Webex <b>Desktop</b>\u202E Application', isPreferredAnswerEndpoint: true },
];
/** Every way a parked call's life ends, and what its card must then say. */
const endings: [ParkedCall, RegExp][] = [
  [{ ...call, state: 'rang-back', closedAt }, /Rang back to Rita Reception.*nobody picked it up within the recall time/i],
  [{ ...call, state: 'picked-up', pickedUpBy: { personId: 'PRIYA', name: 'Priya Support' }, closedAt }, /Picked up by Priya Support/],
  [{ ...call, state: 'gone', closedAt }, /No longer parked.*Webex says nothing is parked on 1000 any more\. I was not told what became of the call/],
  [{ ...call, state: 'superseded', closedAt }, /No longer parked on 1000.*Another call was parked on 1000/],
  [{ ...call, state: 'expired', waitedSeconds: 1800, closedAt }, /No longer tracked.*Nobody retrieved it within 30 minutes/],
  [
    { ...call, state: 'retrieved', retrievedBy: { personId: 'SAM', name: 'Sam Sales' }, handedOver: { name: 'Real Customer', number: '+15550111' }, closedAt },
    /Retrieved by Sam Sales.*Webex handed over Real Customer \(\+15550111\), not Acme Corp/,
  ],
];
const twelveCalls: ParkedCall[] = Array.from({ length: 12 }, (_, i) => ({
  ...call,
  id: `5b0c6a55-1c52-4a0b-9d3c-0a4c8f0f2a${String(i).padStart(2, '0')}`,
  caller: { name: `Caller ${i}`, number: `+1555010${String(i).padStart(2, '0')}` },
  parkedAgainst: { number: String(1000 + i) },
}));
const closedCards = Object.fromEntries(endings.map(([ended]) => [`${ended.state} (closed)`, parkedCallCard(ended)]));

describe('cards', () => {
  it('uses only what Webex renders: no Action.Execute, no input types newer than 1.3', () => {
    const allowed = new Set(['Input.Text', 'Input.ChoiceSet', 'Input.Number', 'Input.Date', 'Input.Time', 'Input.Toggle']);
    for (const file of readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(CARDS_DIR, file), 'utf8');
      assert.doesNotMatch(text, /Action\.Execute/, file);
      for (const [, type] of text.matchAll(/"type": "(Input\.[A-Za-z]+)"/g)) assert.ok(allowed.has(type ?? ''), `${file}: ${type}`);
    }
  });

  it('the desk card offers the space’s people to park for, and leaves that out in a 1:1', () => {
    const desk = JSON.stringify(rendered.desk.card);
    assert.ok(desk.includes('"title":"Sam Sales","value":"SAM"'));
    assert.deepEqual((rendered.deskInADirectSpace.card as { actions: { title: string }[] }).actions.map((a) => a.title), ['Park my call', 'Parked calls', 'Report']);
  });

  it('every template in cards/ is an Adaptive Card 1.3', () => {
    const files = readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 5);
    for (const file of files) {
      const template = JSON.parse(readFileSync(join(CARDS_DIR, file), 'utf8')) as { version: string; type: string };
      assert.equal(template.type, 'AdaptiveCard', file);
      assert.equal(template.version, '1.3', file);
    }
  });

  const rendered = {
    waiting: waitingCard(call),
    waitingPrivateCaller: waitingCard({ id: call.id, roomId: call.roomId, parkedBy: call.parkedBy, caller: {}, parkedAgainst: { number: '2001' }, state: 'waiting', parkedAt: call.parkedAt }),
    retrieved: parkedCallCard({ ...call, state: 'retrieved', retrievedBy: { personId: 'SAM', name: 'Sam Sales' }, retrievedAt: '2026-11-23T10:05:00.000Z' }),
    ...closedCards,
    ringing: parkedCallCard({ ...call, state: 'ringing', ringingFor: { personId: 'SAM', name: 'Sam Sales' }, ringingSince: '2026-11-23T10:05:00.000Z', handedCallId: 'CALL' }),
    list: parkedListCard([call, { ...call, id: '0e0a1a38-54f8-4f55-9a8c-0d7f3e1a9b22', caller: {} }]),
    longList: parkedListCard(twelveCalls),
    picker: callPickerCard(
      [
        { id: 'CALL1', state: 'connected', remoteParty: { name: 'Acme Corp', number: '+15550100' } },
        { id: 'CALL2', state: 'held', remoteParty: { privacyEnabled: true } },
      ],
      { destination: '1000' },
    ),
    link: linkAccountCard('https://bot.example.com/oauth/start?state=abc', 'Welcome!'),
    desk: deskCard([{ personId: 'SAM', name: 'Sam Sales' }, { personId: 'PRIYA', name: 'Priya <Support>' }]),
    deskInADirectSpace: deskCard([]),
    help: helpCard(HELP_INTRO, COMMANDS, HELP_TEXT),
    ringOn: ringOnCard(endpoints, { endpointId: 'DESK', name: 'Cisco 8865 (reception)' }),
    ringOnNone: ringOnCard([], undefined, 'Webex lists no devices for you.'),
    ringingOnDesk: parkedCallCard({ ...call, state: 'ringing', ringingFor: { personId: 'SAM', name: 'Sam Sales' }, ringingOn: 'Cisco 8865 (reception)', ringingSince: '2026-11-23T10:05:00.000Z', handedCallId: 'CALL' }),
    retrievedOnDesk: parkedCallCard({ ...call, state: 'retrieved', retrievedBy: { personId: 'SAM', name: 'Sam Sales' }, ringingOn: 'Cisco 8865 (reception)', closedAt }),
  };

  for (const [name, { card }] of Object.entries(rendered)) {
    it(`renders the ${name} card with no parse or validation problems at version 1.3`, () => {
      assert.deepEqual(problemsAt13(card), []);
      assert.ok(!JSON.stringify(card).includes('${'), 'every template expression was filled in');
    });
  }

  it(`keeps every card within Webex's ${MAX_CARD_ACTIONS} actions, a ShowCard's own actions included`, () => {
    for (const [name, { card }] of Object.entries(rendered)) assert.ok(countActions(card) <= MAX_CARD_ACTIONS, `${name}: ${countActions(card)} actions`);
    assert.equal(countActions(rendered.desk.card), 5, 'the desk card: Park my call, Park for… and its Park for them, Parked calls, Report');
  });

  it('the ringing card says whose phone rings, and offers no Retrieve button until the ring ends', () => {
    const { card, fallback } = rendered.ringing;
    assert.match(textOf(card), /Ringing Sam Sales….*retrieved once they answer; if they do not, it stays parked on 1000/);
    assert.equal(countActions(card), 0);
    assert.match(fallback, /^Ringing Sam Sales…/);
    assert.match(stillParkedNotice(call), /Acme Corp \(\+15550100\) is still parked on \*\*1000\*\*: your phone did not connect/);
  });

  it('lists up to five calls with a Retrieve button each, and more as a choice with one Retrieve button', () => {
    const short = JSON.stringify(rendered.list.card);
    assert.equal(countActions(rendered.list.card), 2);
    assert.ok(short.includes(`"parkId":"${call.id}"`) && !short.includes('Input.ChoiceSet'));
    const long = rendered.longList.card as { body: { type: string; id?: string; choices?: { value: string }[] }[]; actions: { data: unknown }[] };
    assert.equal(countActions(long), 1);
    assert.deepEqual(long.actions[0]?.data, { action: 'retrieve' });
    const choice = long.body.find((element) => element.type === 'Input.ChoiceSet');
    assert.equal(choice?.id, 'parkId', 'the chosen call is submitted with the button as parkId');
    assert.deepEqual(choice?.choices?.map((c) => c.value), twelveCalls.map((c) => c.id));
    assert.match(textOf(long), /12 calls are waiting.*Caller 11/);
    assert.doesNotMatch(textOf(long) + rendered.longList.fallback, /more are waiting/, 'all of them listed');
  });

  it(`past ${LIST_MAX_ITEMS} waiting calls, lists the ones waiting longest and says how many more and what to type`, () => {
    const many = Array.from({ length: LIST_MAX_ITEMS + 12 }, (_, i) => ({ ...call, id: `5b0c6a55-1c52-4a0b-9d3c-${String(i).padStart(12, '0')}`, caller: { name: `Caller ${i}` }, parkedAgainst: { number: String(2000 + i) } }));
    const { card, fallback } = parkedListCard(many);
    const choice = (card as { body: { type: string; choices?: { value: string }[] }[] }).body.find((element) => element.type === 'Input.ChoiceSet');
    assert.deepEqual(choice?.choices?.map((c) => c.value), many.slice(0, LIST_MAX_ITEMS).map((c) => c.id));
    const more = `12 more are waiting, not listed here: type \`retrieve ${2000 + LIST_MAX_ITEMS}\` (or the number of the one you want) to take one.`;
    assert.ok(textOf(card).includes(`${LIST_MAX_ITEMS + 12} calls are waiting`));
    assert.ok(textOf(card).includes(more), textOf(card).slice(-300));
    assert.ok(fallback.endsWith(`Caller ${LIST_MAX_ITEMS - 1} on ${2000 + LIST_MAX_ITEMS - 1}. ${more}`), fallback.slice(-300));
  });

  it('the waiting card shows who is waiting, where, who parked it, for whom, the note, and a Retrieve button for this call', () => {
    const json = JSON.stringify(rendered.waiting.card);
    for (const text of ['Call waiting on 1000', 'Acme Corp (+15550100)', '1000 (Call Park 1000)', 'Rita Reception', 'For Sam Sales', 'Note: wants a refund', '{{TIME(2026-11-23T10:02:03Z)}}']) {
      assert.ok(json.includes(text), text);
    }
    const actions = (rendered.waiting.card as { actions: { type: string; title: string; data: unknown }[] }).actions;
    assert.deepEqual(actions, [{ type: 'Action.Submit', title: 'Retrieve', style: 'positive', data: { action: 'retrieve', parkId: call.id } }]);
    assert.match(rendered.waiting.fallback, /retrieve 1000/);
  });

  it('names a withheld caller "Private caller" and leaves out empty lines', () => {
    const json = JSON.stringify(rendered.waitingPrivateCaller.card);
    assert.ok(json.includes('Private caller'));
    assert.ok(!json.includes('Note:'));
    assert.ok(!json.includes('For '));
  });

  it('the retrieved card says who took the call and offers no button', () => {
    const card = rendered.retrieved.card as { actions?: unknown[] };
    assert.ok(JSON.stringify(card).includes('Retrieved by Sam Sales'));
    assert.equal(card.actions, undefined);
  });

  for (const [ended, says] of endings) {
    it(`the card of a call that ended ${ended.state} says so, offers no button, and the fallback and a late tapper are told the same`, () => {
      const { card, fallback } = parkedCallCard(ended);
      assert.match(textOf(card), says);
      assert.equal((card as { actions?: unknown[] }).actions, undefined);
      assert.match(fallback, new RegExp(says.source.split('.*')[0] ?? ''));
      assert.match(closedSummary(ended), new RegExp(ended.state === 'retrieved' ? 'Sam Sales already took the call from 1000' : (says.source.split('.*')[0] ?? '')));
    });
  }

  it('the ring-on card offers Webex’s default and each device, the current choice selected, in one submit', () => {
    const card = rendered.ringOn.card as { body: { type: string; id?: string; value?: string; choices?: { title: string; value: string }[] }[] };
    const choice = card.body.find((element) => element.type === 'Input.ChoiceSet');
    assert.equal(choice?.id, 'endpointId');
    assert.equal(choice?.value, 'DESK');
    assert.deepEqual(choice?.choices?.map((c) => c.value), ['default', 'DESK', 'APP']);
    assert.equal(choice?.choices?.[2]?.title, 'Webex <b>Desktop</b> Application', 'plain text: invisible characters out, nothing else added');
    assert.deepEqual((rendered.ringOn.card as { actions: unknown[] }).actions, [{ type: 'Action.Submit', title: 'Ring there', style: 'positive', data: { action: 'ring-on' } }]);
    assert.match(textOf(card), /Now: \*\*Cisco 8865 \(reception\)\*\*/);
    assert.match(rendered.ringOn.fallback, /ring on \*\*Cisco 8865 \(reception\)\*\*.*Webex &lt;b>Desktop&lt;\/b> Application/);
    assert.equal((rendered.ringOnNone.card as { body: { value?: string }[] }).body.find((e) => e.value)?.value, 'default');
  });

  it('the ringing and retrieved cards name the device the retriever chose', () => {
    assert.match(textOf(rendered.ringingOnDesk.card), /Webex is ringing Sam Sales on Cisco 8865 \(reception\) with this call/);
    assert.match(rendered.ringingOnDesk.fallback, /^Ringing Sam Sales on Cisco 8865/);
    assert.match(textOf(rendered.retrievedOnDesk.card), /Retrieved by Sam Sales on Cisco 8865 \(reception\)/);
    assert.doesNotMatch(textOf(rendered.retrieved.card), /Retrieved by Sam Sales on/, 'no device chosen: nothing said');
    assert.match(textOf(parkedCallCard({ ...call, state: 'retrieved', retrievedBy: { personId: 'SAM', name: 'Sam' }, ringingOn: '[Pay](https://evil.example)', closedAt }).card), /on \\\[Pay\\\]/, 'escaped');
  });

  it('the line a call came in on is escaped in the card and its fallback: its name, and its number and extension too (all from Webex)', () => {
    const hostile = '[Pay](https://evil.example) <@personEmail:ceo@example.com>';
    const onLine = waitingCard({ ...call, line: { ownerId: 'LINE', memberType: 'VIRTUAL_LINE', name: hostile, directNumber: hostile, extension: hostile } });
    for (const text of [textOf(onLine.card), onLine.fallback]) {
      assert.doesNotMatch(text, /(^|[^\\])\[Pay\]/, text);
      assert.doesNotMatch(text, /<@personEmail/, text);
    }
  });

  it('the desk card and help mention `ring on`', () => {
    assert.match(textOf(rendered.desk.card), /Type `ring on` to choose which of your phones rings/);
    assert.match(HELP_TEXT, /`ring on` or `ring on desk`: Choose which of your phones rings/);
  });

  it('the picker carries the rest of the command in its submit', () => {
    const json = JSON.stringify(rendered.picker.card);
    assert.ok(json.includes('"data":{"action":"park","destination":"1000"}'));
    assert.ok(json.includes('Private caller (held)'));
  });

  describe("within Webex's limit on text and our card budget, however long the lists and names", () => {
    /** 10,000 characters that cost the most: each escaped (`*`, `_`, `<`) or four bytes long. */
    const longest = (seed: string): string => `${seed} ${'*😀_<é'.repeat(2000)}`.slice(0, 10_000);
    const longCall = (i: number): ParkedCall => ({
      ...call,
      id: `5b0c6a55-1c52-4a0b-9d3c-${String(i).padStart(12, '0')}`,
      caller: { name: longest(`Caller ${i}`), number: longest('+1555') },
      parkedBy: { personId: 'RITA', name: longest('Rita') },
      parkedAgainst: { number: String(3000 + i), name: longest('Call Park') },
      forPerson: { personId: 'SAM', name: longest('Sam') },
      note: longest('note'),
      ringingOn: longest('Cisco 8865'),
      ringingFor: { personId: 'SAM', name: longest('Sam') },
      retrievedBy: { personId: 'SAM', name: longest('Sam') },
      pickedUpBy: { personId: 'PRIYA', name: longest('Priya') },
      handedOver: { name: longest('Other'), number: longest('+1666') },
    });
    const calls = Array.from({ length: 300 }, (_, i) => longCall(i));
    const devices = Array.from({ length: 300 }, (_, i) => ({ id: `DEVICE${i}`, type: 'DEVICE', name: longest(`Cisco 8865 ${i}`), isPreferredAnswerEndpoint: false }));
    const phoneCalls = Array.from({ length: 300 }, (_, i) => ({ id: `CALL${i}`, state: 'connected', remoteParty: { name: longest(`Caller ${i}`), number: longest('+1555') } }));
    const worst: Record<string, { card: unknown; fallback: string }> = {
      'parked list of 300': parkedListCard(calls),
      'call picker of 300': callPickerCard(phoneCalls, { destination: '1000', note: longest('note').slice(0, 500) }),
      'ring-on of 300 devices': ringOnCard(devices, { endpointId: 'DEVICE299', name: longest('Cisco 8865 299') }, `None of your devices is called “${longest('kitchen')}”.`),
      'desk of 100 people': deskCard(Array.from({ length: 100 }, (_, i) => ({ personId: `PERSON${i}`.padEnd(80, 'x'), name: longest(`Person ${i}`) }))),
      waiting: waitingCard(longCall(1)),
      ringing: parkedCallCard({ ...longCall(1), state: 'ringing', ringingSince: closedAt, handedCallId: 'CALL' }),
      ...Object.fromEntries(endings.map(([ended]) => [`${ended.state} (closed)`, parkedCallCard({ ...longCall(1), state: ended.state, waitedSeconds: 1800, closedAt })])),
      'still parked': { card: {}, fallback: stillParkedNotice(longCall(1)) },
      'closed summary': { card: {}, fallback: closedSummary({ ...longCall(1), state: 'gone', closedAt }) },
    };

    for (const [name, { card, fallback }] of Object.entries(worst)) {
      it(`the ${name} card: JSON under ${CARD_MAX_BYTES} bytes, fallback within ${MESSAGE_TEXT_MAX_BYTES} bytes, valid at 1.3`, () => {
        const json = Buffer.byteLength(JSON.stringify(card), 'utf8');
        assert.ok(json < CARD_MAX_BYTES, `${json} bytes of card`);
        assert.ok(Buffer.byteLength(fallback, 'utf8') <= MESSAGE_TEXT_MAX_BYTES, `${Buffer.byteLength(fallback, 'utf8')} bytes of fallback`);
        if (Object.keys(card as object).length) assert.deepEqual(problemsAt13(card), []);
        assert.ok(countActions(card) <= MAX_CARD_ACTIONS);
      });
    }

    it('names are cut to a readable length with an ellipsis, never in the middle of an emoji or an escape', () => {
      const { fallback } = waitingCard(longCall(7));
      const [, caller] = /^Call from (.*?) \(/.exec(fallback) ?? [];
      assert.ok(caller?.endsWith('…'), caller);
      const unescaped = (caller ?? '').replace(/\\(.)/g, '$1').replace(/&lt;/g, '<');
      assert.equal(Array.from(unescaped).length, NAME_MAX_CHARS, 'shortened to the name length, ellipsis included');
      assert.ok(unescaped.startsWith('Caller 7 *😀_<é'));
      assert.doesNotMatch(fallback, /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no emoji cut in half');
      const note = textOf(waitingCard(longCall(7)).card).match(/Note: (\S[^|]*…)/)?.[1] ?? '';
      assert.equal(Array.from(note.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<')).length, NOTE_MAX_CHARS, 'a note keeps more');
    });

    it('a list lists the first ones, says how many more, and names a call to type for the rest', () => {
      const { card, fallback } = worst['parked list of 300'] as { card: { body: { type: string; choices?: { value: string }[] }[] }; fallback: string };
      const listed = card.body.find((element) => element.type === 'Input.ChoiceSet')?.choices ?? [];
      assert.ok(listed.length >= 5 && listed.length <= LIST_MAX_ITEMS, `${listed.length} listed`);
      assert.deepEqual(listed.map((c) => c.value), calls.slice(0, listed.length).map((c) => c.id), 'the longest waiting first');
      const more = `${300 - listed.length} more are waiting, not listed here: type \`retrieve ${3000 + listed.length}\``;
      assert.ok(textOf(card).includes(more), textOf(card).slice(-300));
      assert.ok(fallback.includes(more));
      const ringOn = worst['ring-on of 300 devices'] as { card: { body: { type: string; value?: string; choices?: { value: string }[] }[] }; fallback: string };
      const devicesListed = ringOn.card.body.find((element) => element.type === 'Input.ChoiceSet');
      assert.equal(devicesListed?.value, 'DEVICE299', 'the current choice is listed and selected, though 299th');
      assert.equal(devicesListed?.choices?.[1]?.value, 'DEVICE299');
      assert.match(textOf(ringOn.card), new RegExp(`${300 - (devicesListed?.choices?.length ?? 0) + 1} more are not listed: type \`ring on\` and part of a device's name`));
      assert.match(textOf(worst['call picker of 300']?.card), /You have 300 calls.* \d+ more are not listed: park or end one of these to see them/);
      assert.match(textOf(worst['desk of 100 people']?.card), /\d+ more people are not listed: type `park for @Person`/);
    });
  });

  it('renders a fresh object each time, so two messages never share one', () => {
    assert.notEqual(waitingCard(call).card, waitingCard(call).card);
  });
});
