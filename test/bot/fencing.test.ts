import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import sinon from 'sinon';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import type { SimMessage, SimPerson } from '../../src/simulator/model.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { IdentityApi } from '../../src/webex/identity-api.js';
import { MessagingApi } from '../../src/webex/messaging-api.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { TokenVault } from '../../src/auth/token-vault.js';
import type { LinkFlow } from '../../src/auth/link-flow.js';
import { CallView } from '../../src/calls/call-view.js';
import { PersonLines } from '../../src/calls/lines.js';
import { RecentCalls } from '../../src/calls/recent-calls.js';
import { parkIdFor, type ParkRequest } from '../../src/calls/park-call.js';
import { CardBoard } from '../../src/bot/card-board.js';
import { conversationIn } from '../../src/bot/conversation.js';
import type { BotServices, HandlerContext } from '../../src/bot/context.js';
import type { CallEventSubscriptions } from '../../src/webhooks/call-event-subscriptions.js';
import { handlePark } from '../../src/bot/handlers/park.js';
import { handleRetrieveTap } from '../../src/bot/handlers/retrieve.js';
import { Metrics } from '../../src/ops/metrics.js';
import { runAttempt, SupersededError, type Attempt } from '../../src/fence.js';
import { cardText } from '../support/world.js';
import { memoryLogger } from '../support/memory-logger.js';
import { waitFor } from '../support/wait.js';

const LEASE_MS = 1000;

/**
 * Two attempts at one event, as two instances make them when the first is paused past its lease (a
 * GC pause, a VM migration, `kill -STOP`) and the second takes the event over: the handlers run as
 * the intake runs them (src/bot/event-intake.ts), each as its attempt, on a real SQLite file against
 * the simulator. The first attempt is held at a gate where the pause would be, then let go.
 */
describe('a paused attempt after another instance took its event over (fencing)', () => {
  let dir: string;
  let sim: WebexSimulator;
  let store: SqliteStore;
  let services: BotServices;
  let bot: SimPerson;
  let rita: SimPerson;
  let sam: SimPerson;
  let roomId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-fence-'));
    sim = await startSimulator();
    bot = sim.org.addPerson({ displayName: 'Park Bot', email: 'parkbot@webex.bot', type: 'bot' });
    rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' });
    sam = sim.org.addPerson({ displayName: 'Sam', email: 'sam@example.com', extension: '2002' });
    roomId = sim.org.createRoom(rita.id, 'Front desk', [bot.id, sam.id]).id;
    const { logger } = memoryLogger();
    const http = new WebexHttpClient(sim.apiUrl, logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 0 });
    store = new SqliteStore(join(dir, 'parkbot.db'));
    const identity = new IdentityApi(http, { clientId: 'c', clientSecret: 's', redirectUri: 'r' });
    const vault = new TokenVault(store, new TokenCipher(randomBytes(32)), identity, logger);
    for (const person of [rita, sam]) {
      const token = sim.org.issueToken(person.id, 'access', ['spark:calls_read', 'spark:calls_write', 'spark:people_read']);
      await vault.save(person.id, person.displayName, { access_token: token, refresh_token: 'unused', expires_in: 3600 });
    }
    const calling = new CallingApi(http);
    const messaging = new MessagingApi(http, sim.org.issueToken(bot.id, 'bot', []));
    const metrics = new Metrics();
    // A ring is read back from Webex every 50 ms (nobody's call events reach these tests).
    const all = {
      calling,
      identity,
      vault,
      store,
      linkFlow: {} as LinkFlow,
      logger,
      metrics,
      board: new CardBoard(messaging, store, metrics, logger, 50),
      subscriptions: {} as CallEventSubscriptions,
      members: messaging,
      messaging,
      recentCalls: new RecentCalls(),
      callView: new CallView({ store, calling, trustedSince: Date.now }),
      lines: new PersonLines({ calling, cache: store }),
      report: { retentionMs: 400 * 86_400_000, showPeople: false, recordsRetentionMs: 30 * 86_400_000 },
      pollMs: 50,
    };
    services = all;
  });

  afterEach(async () => {
    sinon.restore();
    await store.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctxFor = (eventKey: string, fromCard: boolean): HandlerContext => ({ eventKey, services, conversation: conversationIn(services.messaging, roomId), isDirect: false, fromCard, logger: services.logger });
  const botMessages = (): SimMessage[] => [...sim.org.messages.values()].filter((m) => m.personId === bot.id);
  const inSpace = (): SimMessage[] => botMessages().filter((m) => m.roomId === roomId);
  const privately = (): SimMessage[] => botMessages().filter((m) => m.roomType === 'direct');
  const requestsTo = (path: string): number => sim.requests.filter((r) => r.method === 'POST' && r.path === `/telephony/calls${path}`).length;
  const samsRing = () => sim.telephony.list(sam.id).find((call) => call.personality === 'clickToDial' && call.state === 'alerting');

  /** The inbox takes `key` (attempt 1); `takeOver` is another instance replaying it once the lease ran out (attempt 2). */
  async function inboxTakes(key: string): Promise<{ first: Attempt; takeOver: () => Promise<Attempt> }> {
    await store.takeDelivery(key, '{}', Date.now(), LEASE_MS);
    const attempt = (n: number): Attempt => ({ eventKey: key, attempt: n, holds: () => store.attemptHolds(key, n) });
    return {
      first: attempt(1),
      takeOver: async () => {
        const [replayed] = await store.staleDeliveries(Date.now() + LEASE_MS + 1, LEASE_MS, 5);
        assert.equal(replayed?.attempt, 2);
        return attempt(2);
      },
    };
  }

  /** Holds the first call of `object[method]` until `release()`; later calls go straight through. */
  function gate<T extends object>(object: T, method: keyof T & string): { reached: Promise<void>; release: () => void } {
    const real = (object[method] as (...args: unknown[]) => Promise<unknown>).bind(object);
    let release = (): void => undefined;
    const opened = new Promise<void>((resolve) => (release = resolve));
    let reach = (): void => undefined;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    let first = true;
    sinon.stub(object, method).callsFake(async (...args: unknown[]) => {
      if (first) {
        first = false;
        reach();
        await opened;
      }
      return real(...args);
    });
    return { reached, release };
  }

  /** Rita parks a call from the space (an event of its own, finished): the waiting card. */
  async function parkedCall(): Promise<{ parkId: string }> {
    sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme' } });
    const key = 'messages:created:PARK';
    await handlePark(ctxFor(key, false), { parkId: parkIdFor(key), roomId, by: { personId: rita.id, name: 'Rita' }, askedAt: new Date().toISOString() });
    assert.equal((await store.parkedCall(parkIdFor(key)))?.state, 'waiting');
    return { parkId: parkIdFor(key) };
  }

  const tap = (attempt: Attempt, parkId: string): Promise<unknown> =>
    runAttempt(attempt, () => handleRetrieveTap(ctxFor(attempt.eventKey, true), parkId, { personId: sam.id, name: 'Sam' }, undefined, 'CARD')).catch((error: unknown) => error);

  it('retrieves once when the first attempt is paused after claiming: the card ends showing who took it', async () => {
    const { parkId } = await parkedCall();
    const { first, takeOver } = await inboxTakes('attachmentActions:created:TAP');
    const paused = gate(services.calling, 'retrieve');
    const firstRun = tap(first, parkId);
    await paused.reached;
    assert.equal((await store.parkedCall(parkId))?.state, 'retrieving', 'attempt 1 holds the claim');

    await tap(await takeOver(), parkId);
    await waitFor('Sam’s phone to ring', () => samsRing());
    sim.telephony.answer(sam.id, samsRing()?.id);
    await waitFor('the retrieved card', () => inSpace().some((m) => m.attachments && cardText(m).includes('Retrieved by Sam')));
    const privateBefore = privately().length;

    paused.release();
    const stopped = await firstRun;
    await new Promise((resolve) => setTimeout(resolve, 200));

    assert.equal(requestsTo('/retrieve'), 1, 'Webex was asked to retrieve once');
    assert.equal((await store.parkedCall(parkId))?.state, 'retrieved');
    const cards = inSpace().filter((m) => m.attachments && cardText(m).includes('Acme'));
    assert.equal(cards.length, 1, 'one card for the call');
    assert.match(cardText(cards[0] as SimMessage), /Retrieved by Sam/);
    assert.equal(privately().length, privateBefore, 'the paused attempt said nothing to anyone');
    assert.ok(stopped instanceof SupersededError, 'the paused attempt found its fence lost and stopped');
  });

  it('follows a retrieve Webex accepted after the claim moved on: tracked from Sam’s call, settled once, said once', async () => {
    const { parkId } = await parkedCall();
    const { first, takeOver } = await inboxTakes('attachmentActions:created:TAP');
    // Attempt 1's retrieve left before the takeover, and reaches Webex only after it (a pause on the way).
    sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', delayMs: 1500 });
    const firstRun = tap(first, parkId);
    await waitFor('attempt 1’s retrieve to be on its way', () => requestsTo('/retrieve') === 1);

    // The takeover retrieves; Sam declines that ring, and the caller is parked again.
    await tap(await takeOver(), parkId);
    await waitFor('Sam’s phone to ring', () => samsRing());
    sim.telephony.hangup(sam.id, samsRing()?.id);
    await waitFor('the call to wait again, and Sam told so', async () => (await store.parkedCall(parkId))?.state === 'waiting' && privately().some((m) => m.text?.includes('still parked')));
    const privateBefore = privately().length;

    // Webex now carries out attempt 1's retrieve: Sam's phone rings with the caller again, and he answers.
    await waitFor('Sam’s phone to ring again', () => samsRing(), 5000);
    await firstRun;
    assert.equal((await store.parkedCall(parkId))?.handedCallId, samsRing()?.id, 'the record follows the ring Webex started');
    sim.telephony.answer(sam.id, samsRing()?.id);
    await waitFor('the retrieved card', () => inSpace().some((m) => m.attachments && cardText(m).includes('Retrieved by Sam')), 5000);

    assert.equal((await store.parkedCall(parkId))?.state, 'retrieved');
    const cards = inSpace().filter((m) => m.attachments && cardText(m).includes('Acme'));
    assert.equal(cards.length, 1, 'one card for the call, and it offers no Retrieve');
    assert.match(cardText(cards[0] as SimMessage), /Retrieved by Sam/);
    assert.deepEqual(
      privately().slice(privateBefore).map((m) => m.text),
      [],
      'the superseded attempt told Sam nothing',
    );
  });

  const pauses = {
    attachFirst: 'after posting its card, before attaching it',
    sendPrivately: 'after attaching its card and mentioning Sam, before his private card',
  };
  for (const [pausedAt, where] of Object.entries(pauses) as [keyof typeof pauses, string][]) {
    it(`mentions Sam once, and leaves one private card, when “park for @Sam” is replayed after a takeover (paused ${where})`, async () => {
      sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme' } });
      const key = 'messages:created:PARK-FOR-SAM';
      const request: ParkRequest = { parkId: parkIdFor(key), roomId, by: { personId: rita.id, name: 'Rita' }, forPersonId: sam.id, askedAt: new Date().toISOString() };
      const { first, takeOver } = await inboxTakes(key);
      const paused = gate(services.board, pausedAt);
      const firstRun = runAttempt(first, () => handlePark(ctxFor(key, false), request)).catch((error: unknown) => error);
      await paused.reached;

      await runAttempt(await takeOver(), () => handlePark(ctxFor(key, false), request));
      paused.release();
      await firstRun;
      await new Promise((resolve) => setTimeout(resolve, 200));

      assert.equal(requestsTo('/park'), 1, 'parked once');
      const cards = inSpace().filter((m) => m.attachments);
      assert.equal(cards.length, 1, `one card in the space: ${cards.map((m) => m.text).join(' / ')}`);
      assert.equal((await store.parkedCall(request.parkId))?.cardMessageId, cards[0]?.id, 'the card left is the one attached');
      const mentions = inSpace().filter((m) => m.mentionedPeople?.includes(sam.id) || m.markdown?.includes(`<@personId:${sam.id}`));
      assert.equal(mentions.length, 1, 'Sam mentioned once');
      const privateCards = privately().filter((m) => m.attachments);
      assert.equal(privateCards.length, 1, 'one private card for Sam');
      assert.equal((await store.parkedCall(request.parkId))?.privateCard?.messageId, privateCards[0]?.id);
    });
  }

  /** Holds `object[method]` after its first call has finished, until `release()`: a pause right after it. */
  function gateAfter<T extends object>(object: T, method: keyof T & string): { reached: Promise<void>; release: () => void } {
    const real = (object[method] as (...args: unknown[]) => Promise<unknown>).bind(object);
    let release = (): void => undefined;
    const opened = new Promise<void>((resolve) => (release = resolve));
    let reach = (): void => undefined;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    let first = true;
    sinon.stub(object, method).callsFake(async (...args: unknown[]) => {
      const result = await real(...args);
      if (first) {
        first = false;
        reach();
        await opened;
      }
      return result;
    });
    return { reached, release };
  }

  it('mentions Sam once, and leaves one private card, when “park for @Sam” is replayed after a takeover (paused after attaching its card, before mentioning Sam)', async () => {
    sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme' } });
    const key = 'messages:created:PARK-FOR-SAM';
    const request: ParkRequest = { parkId: parkIdFor(key), roomId, by: { personId: rita.id, name: 'Rita' }, forPersonId: sam.id, askedAt: new Date().toISOString() };
    const { first, takeOver } = await inboxTakes(key);
    const paused = gateAfter(services.board, 'attachFirst');
    const firstRun = runAttempt(first, () => handlePark(ctxFor(key, false), request)).catch((error: unknown) => error);
    await paused.reached;

    await runAttempt(await takeOver(), () => handlePark(ctxFor(key, false), request));
    paused.release();
    const stopped = await firstRun;
    await new Promise((resolve) => setTimeout(resolve, 200));

    assert.equal(requestsTo('/park'), 1, 'parked once');
    const cards = inSpace().filter((m) => m.attachments);
    assert.equal(cards.length, 1, 'one card in the space');
    const mentions = inSpace().filter((m) => m.mentionedPeople?.includes(sam.id));
    assert.equal(mentions.length, 1, 'Sam mentioned once');
    assert.equal(mentions[0]?.parentId, cards[0]?.id, "in the card's thread");
    assert.equal(privately().filter((m) => m.attachments).length, 1, 'one private card for Sam');
    assert.ok(stopped instanceof SupersededError, 'the paused attempt stopped');
  });

  it('answers a tap once when the first attempt is paused after Webex rang Sam and the card said so: the takeover says nothing more', async () => {
    const { parkId } = await parkedCall();
    const { first, takeOver } = await inboxTakes('attachmentActions:created:TAP');
    const paused = gateAfter(services.board, 'show');
    const firstRun = tap(first, parkId);
    await paused.reached;
    await waitFor('Sam’s phone to ring', () => samsRing());
    const privateBefore = privately().length;

    await tap(await takeOver(), parkId);
    // Sam answers while the first attempt is still paused (the takeover follows the ring); then it is woken.
    sim.telephony.answer(sam.id, samsRing()?.id);
    await waitFor('the retrieved card', () => inSpace().some((m) => m.attachments && cardText(m).includes('Retrieved by Sam')));
    paused.release();
    await firstRun;
    await new Promise((resolve) => setTimeout(resolve, 200));

    assert.equal(requestsTo('/retrieve'), 1, 'Webex was asked to retrieve once');
    assert.deepEqual(privately().slice(privateBefore).map((m) => m.text), [], 'Sam was told nothing more: his phone rang, the card says the rest');
    const cards = inSpace().filter((m) => m.attachments && cardText(m).includes('Acme'));
    assert.equal(cards.length, 1, 'one card for the call');
    assert.match(cardText(cards[0] as SimMessage), /Retrieved by Sam/);
  });

  it('does not take a call Sam was already on, from the same number, for the one a replayed retrieve was to hand him', async () => {
    // Sam has been on an earlier call from Acme's main number for a minute.
    const earlier = sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Acme', number: '+15550100' } });
    earlier.created = new Date(Date.now() - 60_000).toISOString();
    const { parkId } = await parkedCall();
    const { first, takeOver } = await inboxTakes('attachmentActions:created:TAP');
    const paused = gate(services.calling, 'retrieve');
    const firstRun = tap(first, parkId);
    await paused.reached;
    // While attempt 1 is paused holding the claim, the parked call rings back Rita: nothing is parked any more.
    sim.telephony.recall('2001');

    await tap(await takeOver(), parkId);
    paused.release();
    await firstRun;
    await new Promise((resolve) => setTimeout(resolve, 200));

    const record = await store.parkedCall(parkId);
    assert.notEqual(record?.state, 'retrieved', `the record claims Sam took the call: ${cardText(inSpace().at(-1) as SimMessage)}`);
    assert.equal(record?.handedCallId, undefined, 'no call on Sam’s phone is taken for the retrieve’s');
  });

  it('gives one park one answer: the takeover’s card, never also the paused attempt’s failure', async () => {
    sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme' } });
    const key = 'messages:created:PARK';
    const request: ParkRequest = { parkId: parkIdFor(key), roomId, by: { personId: rita.id, name: 'Rita' }, askedAt: new Date().toISOString() };
    const { first, takeOver } = await inboxTakes(key);
    // Attempt 1's park reaches Webex only after the takeover parked the call (a pause on the way).
    sim.failNext({ method: 'POST', path: '/telephony/calls/park', delayMs: 1000 });
    const firstRun = runAttempt(first, () => handlePark(ctxFor(key, false), request)).catch((error: unknown) => error);
    await waitFor('attempt 1’s park to be on its way', () => requestsTo('/park') === 1);

    await runAttempt(await takeOver(), () => handlePark(ctxFor(key, false), request));
    const stopped = await firstRun;
    await new Promise((resolve) => setTimeout(resolve, 200));

    assert.equal((await store.parkedCall(request.parkId))?.state, 'waiting');
    assert.deepEqual(
      inSpace().map((m) => (m.attachments ? 'card' : m.text)),
      ['card'],
      'one answer: the waiting card',
    );
    assert.ok(stopped instanceof SupersededError, 'the paused attempt stopped');
  });
});
