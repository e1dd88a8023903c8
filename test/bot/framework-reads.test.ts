import { strict as assert } from 'node:assert';
import { readThroughClient } from '../../src/bot/framework-reads.js';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { MessagingApi } from '../../src/webex/messaging-api.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('the framework’s reads through the project’s Webex client', () => {
  let sim: WebexSimulator;
  after(async () => sim?.close());

  it('reads each event’s message, card action, sender, space and membership with the bot token, as Webex sends them, and fails as Webex does', async () => {
    sim = await startSimulator();
    const bot = sim.org.addPerson({ displayName: 'Park Bot', email: 'parkbot@webex.bot', type: 'bot' });
    const rita = sim.org.addPerson({ displayName: 'Rita Reception', email: 'rita@example.com' });
    const room = sim.org.createRoom(rita.id, 'Front desk', [bot.id]);
    const card = sim.org.postMessage(bot.id, { roomId: room.id, markdown: 'card', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }] });
    // A bot reads only the messages in a group space that @mention it.
    const message = sim.org.postMessage(rita.id, { roomId: room.id, markdown: `<@personId:${bot.id}|Park Bot> park` });
    const action = sim.org.submitCard(rita.id, { messageId: card.id, inputs: { action: 'parked' } });
    const observed: string[] = [];
    const http = new WebexHttpClient(sim.apiUrl, memoryLogger().logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 1 }, (endpoint) => observed.push(endpoint));
    const viaSdk = (_what: unknown): Promise<unknown> => Promise.reject(new Error('asked the SDK'));
    const listedBySdk: unknown[] = [];
    const listViaSdk = (options: unknown): Promise<{ items: unknown[]; length: number; hasNext: () => boolean }> => {
      listedBySdk.push(options);
      return Promise.resolve({ items: [], length: 0, hasNext: () => false });
    };
    const sdk = { messages: { get: viaSdk }, attachmentActions: { get: viaSdk }, rooms: { get: viaSdk }, people: { get: viaSdk }, memberships: { list: listViaSdk } };

    readThroughClient(sdk, new MessagingApi(http, sim.org.issueToken(bot.id, 'bot', [])));

    assert.deepEqual(await sdk.messages.get({ id: message.id }), JSON.parse(JSON.stringify(message)));
    assert.deepEqual(await sdk.attachmentActions.get(action.id), JSON.parse(JSON.stringify(action)));
    assert.equal(((await sdk.rooms.get(room.id)) as { title: string }).title, 'Front desk');
    assert.equal(((await sdk.people.get(rita.id)) as { displayName: string }).displayName, 'Rita Reception');
    // The bot's membership in a space it has just heard from, as an SDK page: the framework reads items.
    const mine = await sdk.memberships.list({ roomId: room.id, personId: bot.id });
    assert.deepEqual([mine.length, (mine.items[0] as { personId: string }).personId, mine.hasNext()], [1, bot.id, false]);
    assert.equal((await sdk.memberships.list({ roomId: room.id })).length, 2);
    // Any other listing (all of the bot's spaces, paged) is left to the SDK.
    await sdk.memberships.list({ max: 1000 });
    assert.deepEqual(listedBySdk, [{ max: 1000 }]);
    await assert.rejects(sdk.messages.get('not-a-message'));
    assert.deepEqual([...new Set(observed)], ['GET /messages/{id}', 'GET /attachment/actions/{id}', 'GET /rooms/{id}', 'GET /people/{id}', 'GET /memberships', 'GET /messages/not-a-message']);
    assert.ok(sim.requests.filter((r) => r.method === 'GET').every((r) => r.tokenKind === 'bot'), 'with the bot’s token');
  });
});
