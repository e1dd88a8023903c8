import { strict as assert } from 'node:assert';
import { escapeMarkdown, mentionName } from '../../src/chat/markdown.js';
import { callPickerCard, deskCard, parkedCallCard, waitingCard } from '../../src/cards/render.js';
import type { ParkedCall } from '../../src/storage/store.js';

const HOSTILE = '<@all> [Pay invoice](https://evil.example/x) **now**\n# Heading';

describe('markdown escaping of what came from outside', () => {
  it('leaves no link, emphasis, heading, line break or mention to form', () => {
    const escaped = escapeMarkdown(HOSTILE);
    assert.doesNotMatch(escaped, /<@/);
    assert.doesNotMatch(escaped, /(^|[^\\])\[/);
    assert.doesNotMatch(escaped, /(^|[^\\])\*\*/);
    assert.doesNotMatch(escaped, /\n/);
    assert.equal(escapeMarkdown('Acme Corp (+15550100)'), 'Acme Corp (+15550100)', 'ordinary caller ids are untouched');
  });

  it('keeps a name from closing a mention tag early', () => {
    assert.equal(mentionName('Sam|x> <@all'), 'Samx @all');
  });

  it('escapes caller ids, names and notes on cards and in their fallbacks', () => {
    const call: ParkedCall = {
      id: 'P',
      roomId: 'R',
      parkedBy: { personId: 'RITA', name: 'Rita <@all>' },
      caller: { name: HOSTILE, number: '+15550100' },
      parkedAgainst: { number: '2001' },
      note: '[click](https://evil.example)',
      state: 'waiting',
      parkedAt: '2026-11-23T10:00:00.000Z',
    };
    for (const { card, fallback } of [waitingCard(call), parkedCallCard({ ...call, state: 'gone', closedAt: call.parkedAt })]) {
      for (const written of [JSON.stringify(card), fallback]) {
        assert.doesNotMatch(written, /<@all>/);
        assert.doesNotMatch(written, /[^\\]\[(Pay invoice|click)\]/);
      }
    }
  });

  it('removes bidi controls and zero-width characters from caller ids, names, notes and mentions', () => {
    const invisible = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\uFEFF', '\u2060', '\u061C', '\u00AD'];
    const spoof = `Bank\u202Egnp.exe${invisible.join('')} Support`;
    assert.equal(escapeMarkdown(spoof), 'Bankgnp.exe Support');
    assert.equal(mentionName(`Sam\u202E\u200BSales`), 'SamSales');
    assert.equal(escapeMarkdown('Zoë Ångström 山田 (+15550100)'), 'Zoë Ångström 山田 (+15550100)', 'letters of every script stay');

    const call: ParkedCall = {
      id: 'P',
      roomId: 'R',
      parkedBy: { personId: 'RITA', name: `Rita\u202E` },
      forPerson: { personId: 'SAM', name: `Sam\u2067` },
      caller: { name: spoof, number: `+1555\u200B0100` },
      parkedAgainst: { number: '2001', name: `Park\u2066` },
      note: `pay\u202Enow`,
      state: 'waiting',
      parkedAt: '2026-11-23T10:00:00.000Z',
    };
    const written = [
      waitingCard(call),
      parkedCallCard({ ...call, state: 'retrieved', retrievedBy: { personId: 'SAM', name: 'Sam\u200F' }, handedOver: { name: '\uFEFFOther' }, closedAt: call.parkedAt }),
      callPickerCard([{ id: 'C', state: 'connected', remoteParty: { name: spoof, number: '+15550100' } }], {}),
      deskCard([{ personId: 'SAM', name: 'Sam\u202ESales' }]),
    ].flatMap(({ card, fallback }) => [JSON.stringify(card), fallback]);
    for (const text of written) assert.doesNotMatch(text, /[\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]|\\u20[26]/, text);
  });
});
