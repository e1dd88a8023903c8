import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { MessagingApi } from '../../src/webex/messaging-api.js';
import { CARD_MAX_BYTES, MESSAGE_TEXT_MAX_BYTES, MessageTooLargeError, truncate } from '../../src/chat/limits.js';
import { escapeName, mentionName, visibleName } from '../../src/chat/markdown.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('message limits', () => {
  it('truncate cuts by characters, never an emoji in half, and ends with an ellipsis only when it cut', () => {
    assert.equal(truncate('Sam Sales', 60), 'Sam Sales');
    assert.equal(truncate('a'.repeat(60), 60), 'a'.repeat(60));
    assert.equal(truncate('a'.repeat(61), 60), `${'a'.repeat(59)}…`);
    assert.equal(truncate('😀'.repeat(10), 4), '😀😀😀…');
    assert.equal(truncate('Cisco 8865      reception', 12), 'Cisco 8865…', 'no spaces before the ellipsis');
  });

  it('names written back are shortened before they are escaped, in markdown, plain card text and mentions', () => {
    assert.equal(escapeName(`${'*'.repeat(100)}`), `${'\\*'.repeat(59)}…`, 'no escape cut in half');
    assert.equal(Array.from(visibleName(`Desk\u202E${'x'.repeat(100)}`)).length, 60);
    assert.equal(mentionName(`Sam|${'x'.repeat(100)}`).length, 60);
  });

  describe('the send guard', () => {
    let sim: WebexSimulator;
    let messaging: MessagingApi;
    let roomId: string;

    before(async () => {
      sim = await startSimulator();
      const bot = sim.org.addPerson({ displayName: 'Bot', email: 'bot@webex.bot', type: 'bot' });
      roomId = sim.org.createRoom(bot.id, 'Space').id;
      messaging = new MessagingApi(new WebexHttpClient(sim.apiUrl, memoryLogger().logger), sim.org.issueToken(bot.id, 'bot', []));
    });
    after(async () => sim.close());

    it(`refuses, before any request, markdown past ${MESSAGE_TEXT_MAX_BYTES} bytes and a card past ${CARD_MAX_BYTES} bytes`, async () => {
      const before = sim.requests.length;
      await assert.rejects(messaging.post({ roomId, markdown: 'é'.repeat(3720) }), (error: unknown) => error instanceof MessageTooLargeError && /markdown of 7440 bytes/.test(error.message));
      const card = { type: 'AdaptiveCard', version: '1.3', body: [{ type: 'TextBlock', text: 'x'.repeat(CARD_MAX_BYTES) }] };
      await assert.rejects(messaging.postCard({ roomId }, card, 'fallback'), MessageTooLargeError);
      assert.equal(sim.requests.length, before, 'Webex was asked nothing');
      assert.ok((await messaging.post({ roomId, markdown: 'a'.repeat(MESSAGE_TEXT_MAX_BYTES) })).id, 'exactly the limit goes');
    });
  });
});
