import { strict as assert } from 'node:assert';
import { escapeMarkdown, mentionName } from '../../src/chat/markdown.js';
import { parkedCallCard, waitingCard } from '../../src/cards/render.js';
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
});
