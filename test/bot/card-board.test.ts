import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { MessagingApi } from '../../src/webex/messaging-api.js';
import { CardBoard } from '../../src/bot/card-board.js';
import { Metrics } from '../../src/ops/metrics.js';
import { parkedCallCard } from '../../src/cards/render.js';
import type { ParkedCall } from '../../src/storage/store.js';
import type { SimRequestRecord } from '../../src/simulator/model.js';
import { waitFor } from '../support/wait.js';
import { memoryLogger } from '../support/memory-logger.js';

/** Replacing a card with Webex a round trip away: one round trip to wait for, no card lost, none left twice. */
describe('the card board’s swap', () => {
  const RTT_MS = 40;
  let sim: WebexSimulator;
  let store: SqliteStore;
  let board: CardBoard;
  let roomId: string;
  let botId: string;
  let waiting: ParkedCall;

  beforeEach(async () => {
    sim = await startSimulator({ rttMs: RTT_MS });
    const bot = sim.org.addPerson({ displayName: 'Park Bot', email: 'parkbot@webex.bot', type: 'bot' });
    botId = bot.id;
    const rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' });
    roomId = sim.org.createRoom(rita.id, 'Front desk', [bot.id]).id;
    const { logger } = memoryLogger();
    const messaging = new MessagingApi(new WebexHttpClient(sim.apiUrl, logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 0 }), sim.org.issueToken(bot.id, 'bot', []));
    store = new SqliteStore(':memory:');
    board = new CardBoard(messaging, store, new Metrics(), logger, 100);
    waiting = { id: 'park-1', roomId, callId: 'CALL', parkedBy: { personId: rita.id, name: 'Rita' }, caller: { name: 'Acme' }, parkedAgainst: { number: '2001' }, state: 'waiting', parkedAt: new Date().toISOString() };
    await store.saveParkedCall(waiting);
    const { card, fallback } = parkedCallCard(waiting);
    const posted = await messaging.postCard({ roomId }, card, fallback);
    await store.attachCard(waiting.id, posted.id);
    waiting = { ...waiting, cardMessageId: posted.id };
  });
  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  const cards = (): string[] => [...sim.org.messages.values()].filter((m) => m.roomId === roomId && m.personId === botId).map((m) => m.text ?? '');
  const moved = async (state: ParkedCall['state']): Promise<ParkedCall> => {
    await store.moveParkedCall('park-1', { from: ['waiting'], to: state, changes: {} });
    return { ...waiting, state };
  };
  const swapRequests = (): SimRequestRecord[] => sim.requests.filter((r) => r.tokenKind === 'bot' && ((r.method === 'POST' && r.path === '/messages') || r.method === 'DELETE')).slice(1);

  it('posts the new card and deletes the old one side by side: one round trip to wait for', async () => {
    await board.show(await moved('gone'));

    assert.deepEqual(cards().map((text) => text.slice(0, 16)), ['No longer parked']);
    const [post, deletion] = [swapRequests().find((r) => r.method === 'POST'), swapRequests().find((r) => r.method === 'DELETE')];
    assert.ok(post && deletion && post.answeredAt && deletion.answeredAt);
    // Overlapping in flight, as the simulator saw them: one round trip to wait for (timings are the benchmark's).
    assert.ok(deletion.at < post.answeredAt && post.at < deletion.answeredAt, 'the two were in flight together');
  });

  it('loses no card: when Webex fails the new one, it is posted once Webex takes it', async () => {
    sim.outage({ status: 503, forMs: 300, method: 'POST', pathPrefix: '/messages' });
    await board.show(await moved('gone'));

    const shown = await waitFor('the card, once Webex takes it', () => cards().length === 1 && cards()[0]?.startsWith('No longer parked') && cards());
    assert.equal(shown.length, 1);
    assert.equal(board.pending, 0);
  });

  it('loses no card across a restart: a change Webex would not take, its old card gone already, is shown by the next instance’s housekeeping', async () => {
    const { logger } = memoryLogger();
    const messaging = new MessagingApi(new WebexHttpClient(sim.apiUrl, logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 0 }), sim.org.issueToken(botId, 'bot', []));
    // This instance would try again in a minute, but stops before then.
    const stopping = new CardBoard(messaging, store, new Metrics(), logger, 60_000);
    sim.outage({ status: 503, forMs: 300, method: 'POST', pathPrefix: '/messages' });
    await stopping.show(await moved('gone'));
    await waitFor('the owed card recorded', async () => (await store.parkedCall('park-1'))?.cardOwedAt);
    assert.deepEqual(cards(), [], 'the old card went, the new one was not taken');

    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = new CardBoard(messaging, store, new Metrics(), logger);
    assert.equal(await next.catchUp(), 1);

    assert.deepEqual(cards().map((text) => text.slice(0, 16)), ['No longer parked']);
    assert.equal((await store.parkedCall('park-1'))?.cardOwedAt, undefined, 'nothing owed any more');
    assert.equal(await next.catchUp(), 0);
  });

  it('leaves no duplicate: when Webex fails the old card’s deletion, it is deleted once Webex takes it', async () => {
    sim.outage({ status: 503, forMs: 300, method: 'DELETE', pathPrefix: '/messages' });
    await board.show(await moved('gone'));

    await waitFor('the old card gone', () => cards().length === 1);
    assert.ok(cards()[0]?.startsWith('No longer parked'));
  });

  it('leaves no duplicate when the database fails to attach the new card: it is posted again later, and the unattached one goes', async () => {
    const attach = store.attachCard.bind(store);
    let failing = true;
    store.attachCard = async (id, messageId) => {
      if (failing) {
        failing = false;
        throw new Error('database unavailable');
      }
      return attach(id, messageId);
    };
    await board.show(await moved('gone')).catch(() => undefined);

    await waitFor('the card, once the database takes it', () => board.pending === 0 && cards().some((text) => text.startsWith('No longer parked')));
    await new Promise((resolve) => setTimeout(resolve, 4 * RTT_MS));
    assert.deepEqual(cards().map((text) => text.slice(0, 16)), ['No longer parked'], 'one card for the call');
  });

  it('the private card of the person a call is for follows a change made while it was being sent', async () => {
    const forRita = { ...waiting, forPerson: { ...waiting.parkedBy } };
    await store.moveParkedCall('park-1', { from: ['waiting'], to: 'waiting', changes: { forPerson: forRita.forPerson } });
    // Webex is slow to take the private card; meanwhile the caller hangs up and the call is shown gone.
    sim.failNext({ method: 'POST', path: '/messages', delayMs: 3 * RTT_MS });
    const sending = board.sendPrivately(forRita);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.moveParkedCall('park-1', { from: ['waiting'], to: 'gone', changes: {} });
    await board.show({ ...forRita, state: 'gone' });
    await sending;

    const privately = (): string[] => [...sim.org.messages.values()].filter((m) => m.roomId !== roomId && m.personId === botId).map((m) => m.text ?? '');
    await waitFor('the private card to say the call is gone', () => privately().every((text) => text.startsWith('No longer parked')) && privately().length === 1, 2000).catch(() => undefined);
    assert.deepEqual(privately().map((text) => text.slice(0, 16)), ['No longer parked'], 'her private card says what the call is now');
  });

  it('deletes the private card a new one replaces: one private card with a Retrieve button stands', async () => {
    const forRita = { ...waiting, forPerson: { ...waiting.parkedBy } };
    await store.moveParkedCall('park-1', { from: ['waiting'], to: 'waiting', changes: { forPerson: forRita.forPerson } });
    // Two runs send her the private card (a replay of the park, or a change shown while the first was on its way).
    await board.sendPrivately(forRita);
    await board.sendPrivately(forRita);

    const privately = [...sim.org.messages.values()].filter((m) => m.roomId !== roomId && m.personId === botId);
    assert.equal(privately.length, 1, 'the replaced private card is gone');
    assert.equal((await store.parkedCall('park-1'))?.privateCard?.messageId, privately[0]?.id, 'the one left is the one attached');
  });

  it('leaves the latest card alone when two changes of one call are shown at once', async () => {
    const ringing: ParkedCall = { ...waiting, state: 'ringing', ringingFor: { personId: 'SAM', name: 'Sam' }, handedCallId: 'H1', ringingSince: new Date().toISOString() };
    await store.moveParkedCall('park-1', { from: ['waiting'], to: 'retrieved', changes: { retrievedBy: { personId: 'SAM', name: 'Sam' } } });
    await Promise.all([board.show(ringing), board.show({ ...waiting, state: 'retrieved', retrievedBy: { personId: 'SAM', name: 'Sam' } })]);

    await waitFor('one card', () => cards().length === 1);
    assert.match(cards()[0] ?? '', /^Retrieved by Sam/);
  });

  it('leaves the latest card when two changes of one call in the same state are shown at once (a ring for Sam, then for Tom)', async () => {
    const ringing = (personId: string, name: string): ParkedCall => ({ ...waiting, state: 'ringing', ringingFor: { personId, name }, handedCallId: `H-${name}`, ringingSince: new Date().toISOString() });
    // Sam's retrieve rang and ended; Tom's rings now. Webex is slow to take the card saying Sam's phone rings.
    await store.moveParkedCall('park-1', { from: ['waiting'], to: 'ringing', changes: { ringingFor: { personId: 'TOM', name: 'Tom' }, handedCallId: 'H-Tom' } });
    sim.failNext({ method: 'POST', path: '/messages', delayMs: 4 * RTT_MS });
    await Promise.all([board.show(ringing('SAM', 'Sam')), new Promise((resolve) => setTimeout(resolve, 5)).then(() => board.show(ringing('TOM', 'Tom')))]);

    await waitFor('one card', () => cards().length === 1);
    assert.match(cards()[0] ?? '', /Tom/, `the card says whose phone rings now: ${cards()[0] ?? ''}`);
  });
});
