import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { CallView } from '../../src/calls/call-view.js';
import { ASKED_SKEW_MS, parkCall, parkIdFor, type ParkDeps, type ParkOutcome } from '../../src/calls/park-call.js';
import { callEventSchema } from '../../src/webex/schemas.js';
import { parkDepsOn } from '../support/park-deps.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { memoryLogger } from '../support/memory-logger.js';
import { CallEventSubscriptions } from '../../src/webhooks/call-event-subscriptions.js';
import { WebhooksApi } from '../../src/webex/webhooks-api.js';
import { Metrics } from '../../src/ops/metrics.js';

/**
 * A park takes the call the person's own call events say she has, without asking Webex first, only
 * when that view can be trusted; when it may be stale, Webex's list decides, and a park that fails
 * because the view was wrong lists and tries once more. The person never sees the difference.
 */
describe('a park from the person’s call view, fresh or stale', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let deps: ParkDeps;
  let rita: string;
  /** Whether Rita's call events reach the bot (her webhook delivers): off, they are lost. */
  let delivering: boolean;
  let parks = 0;

  beforeEach(async () => {
    sim = await startSimulator();
    ({ deps, store, rita } = await parkDepsOn(sim, () => Date.now() - 60_000));
    await store.openSubscription(rita, 'key');
    await store.recordSubscription(rita, { webhookId: 'W1,W2,W3', status: 'active', checkedAt: Date.now() });
    delivering = true;
    // Webex delivers Rita's call events to her webhook, and the bot follows each (as handleCallEvent does).
    sim.org.on('event', (event) => {
      if (!delivering || event.resource !== 'telephony_calls') return;
      void deps.callView.saw(event.actorId, event.event, callEventSchema.parse(event.data));
    });
    parks = 0;
  });
  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  const listings = (): number => sim.requests.filter((r) => r.method === 'GET' && r.path === '/telephony/calls').length;
  const parkAttempts = (): { status: number }[] => sim.requests.filter((r) => r.path === '/telephony/calls/park');
  /** Lets the event deliveries queued so far reach the view. */
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
  const park = async (): Promise<ParkOutcome> => parkCall(deps, { parkId: parkIdFor(`messages:created:M${(parks += 1)}`), roomId: 'ROOM', by: { personId: rita, name: 'Rita' }, orgId: sim.org.orgId, askedAt: new Date().toISOString() });
  const parkedCaller = (outcome: ParkOutcome): string | undefined => (outcome.type === 'parked' ? outcome.call.caller.name : outcome.type);
  /** Rita's call events as Webex sends them, timed `ms` after `now`. */
  const eventsFrom = (now: number) => (callId: string, state: string, eventType: string, ms: number) => ({
    callId,
    eventType,
    eventTimestamp: new Date(now + ms).toISOString(),
    state,
    personality: 'terminator',
    remoteParty: { name: callId, number: '+15550100', privacyEnabled: false, callType: 'external' },
  });

  /** Rita parks once, so her view is synced with Webex's list, and is left with no call. */
  async function syncedOnce(): Promise<void> {
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'First', number: '+15550001' } });
    await settle();
    assert.equal(parkedCaller(await park()), 'First');
    sim.telephony.reset();
    await settle();
  }

  /** Her view, synced, knows a call that then ends without its event reaching the bot; later events are lost too. */
  async function callEndsUnheard(): Promise<void> {
    await syncedOnce();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Gone', number: '+15550002' } });
    await settle();
    delivering = false;
    sim.telephony.calls.set(rita, []);
  }

  it('parks the call her events announced, with no listing: the park itself confirms it', async () => {
    await syncedOnce();
    const listed = listings();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    await settle();

    assert.equal(parkedCaller(await park()), 'Acme');
    assert.equal(listings(), listed, 'no listing: three round trips, not four');
  });

  it('a call that ended without an event: the failed park lists, and parks the call she has now', async () => {
    await callEndsUnheard();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    const attemptsBefore = parkAttempts().length;

    assert.equal(parkedCaller(await park()), 'Acme');
    assert.deepEqual(parkAttempts().slice(attemptsBefore).map((r) => r.status), [404, 200], 'the stale call, then the real one');
    assert.equal(sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme');
  });

  it('a call that ended without an event, and no other: she hears she has no call, and nothing is left half parked', async () => {
    await callEndsUnheard();

    const outcome = await park();

    assert.equal(outcome.type, 'no-call');
    const record = await store.parkedCall(parkIdFor(`messages:created:M${parks}`));
    assert.ok(record && record.state === 'gone' && record.notParked, 'the record is closed as not parked, so a replay does nothing');
    assert.equal(sim.telephony.parked.size, 0);
  });

  describe('a park carried out later than asked (after linking, or replayed)', () => {
    const parkAskedAt = async (askedAt: number): Promise<ParkOutcome> =>
      parkCall(deps, { parkId: parkIdFor(`messages:created:M${(parks += 1)}`), roomId: 'ROOM', by: { personId: rita, name: 'Rita' }, orgId: sim.org.orgId, askedAt: new Date(askedAt).toISOString() });

    it('the call her events announced began after she asked: it is not parked, and Webex’s list says what she has', async () => {
      await syncedOnce();
      const askedAt = Date.now() - 60_000;
      sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Later', number: '+15550100' } });
      await settle();
      const [listed, attempts] = [listings(), parkAttempts().length];

      const outcome = await parkAskedAt(askedAt);

      assert.deepEqual(outcome.type === 'began-later' && outcome.calls.map((call) => call.remoteParty?.name), ['Later']);
      assert.equal(parkAttempts().length, attempts, 'Webex was not asked to park');
      assert.equal(listings(), listed + 1, 'the view’s word alone does not offer a call');
    });

    it('the call it was asked about ended unheard, and the one she has now began after she asked: nothing is parked', async () => {
      await callEndsUnheard();
      const askedAt = Date.now();
      // Later than Webex's messaging and calling clocks may disagree.
      await new Promise((resolve) => setTimeout(resolve, ASKED_SKEW_MS + 100));
      sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Later', number: '+15550100' } });
      const attempts = parkAttempts().length;

      const outcome = await parkAskedAt(askedAt);

      assert.equal(outcome.type, 'began-later');
      assert.deepEqual(parkAttempts().slice(attempts).map((r) => r.status), [404], 'only the call the view named, which had ended');
      assert.equal(sim.telephony.parked.size, 0);
      const record = await store.parkedCall(parkIdFor(`messages:created:M${parks}`));
      assert.ok(record?.notParked, 'closed as not parked, so a replay does nothing');
    });
  });

  it('after a restart: a view synced before this instance started is not trusted, and Webex’s list decides', async () => {
    // The bot is down: Rita's calls change, and no event reaches it.
    await callEndsUnheard();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    // The instance that parks now started after the view was last synced.
    const startedAt = Date.now();
    deps = { ...deps, callView: new CallView({ store, calling: deps.calling, trustedSince: () => startedAt }) };
    delivering = true;
    const listed = listings();
    const attemptsBefore = parkAttempts().length;

    assert.equal(parkedCaller(await park()), 'Acme');
    assert.equal(listings(), listed + 1, 'listed first');
    assert.deepEqual(parkAttempts().slice(attemptsBefore).map((r) => r.status), [200], 'never tried the call the view remembered');
  });

  const untrusted: [string, Parameters<SqliteStore['recordSubscription']>[1]][] = [
    ['a person without an events webhook: her calls are always listed', { status: 'failed', reason: 'forbidden', checkedAt: Date.now() }],
    ['a webhook made again since the view was synced: events may have been missed, so Webex’s list decides', { webhookId: 'W4,W5,W6', status: 'active', checkedAt: Date.now() }],
  ];
  for (const [title, subscription] of untrusted) {
    it(title, async () => {
      await syncedOnce();
      await store.recordSubscription(rita, subscription);
      sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
      await settle();
      const listed = listings();

      assert.equal(parkedCaller(await park()), 'Acme');
      assert.equal(listings(), listed + 1);
    });
  }

  it('webhooks Webex turned off and upkeep turned back on (the same ids): events may have been missed, so Webex’s list decides', async () => {
    const { logger } = memoryLogger();
    const subscriptions = new CallEventSubscriptions(
      { publicUrl: 'https://bot.example.com', webhookSecret: 'secret', onRemade: (personId) => deps.callView.distrust(personId) },
      store,
      deps.vault,
      new WebhooksApi(new WebexHttpClient(sim.apiUrl, logger)),
      new Metrics(),
      logger,
    );
    await subscriptions.ensure(rita);
    await syncedOnce();
    // Her deliveries kept failing: Webex turned her webhooks off, and a call came meanwhile, unheard.
    sim.org.webhooks.forEach((webhook) => (webhook.status = 'inactive'));
    delivering = false;
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Unheard', number: '+15550003' } });
    await settle();
    assert.equal((await subscriptions.ensure(rita)).requests > 1, true, 'upkeep turned them back on');
    delivering = true;
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    await settle();

    const outcome = await park();

    assert.equal(outcome.type, 'choose', 'both calls offered, not the only one the view heard of');
  });

  it('a park Webex made but whose answer was lost: the repeat’s 404 is not taken for a stale view, and she never hears she has no call', async () => {
    await syncedOnce();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    await settle();
    // Between the bot and Webex, the first park's answer is lost after Webex acted on it (a 502 from a proxy).
    let lost = false;
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        void fetch(`${sim.apiUrl}${req.url ?? ''}`, { method: req.method ?? 'GET', headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' }, ...(body.length ? { body } : {}) }).then(async (answer) => {
          const text = await answer.text();
          if (!lost && req.method === 'POST' && req.url === '/telephony/calls/park') {
            lost = true;
            res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Bad gateway"}');
            return;
          }
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const calling = new CallingApi(new WebexHttpClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, memoryLogger().logger, { maxAttempts: 3, maxRetryAfterMs: 0, baseBackoffMs: 10 }));
      deps = { ...deps, calling, callView: new CallView({ store, calling, trustedSince: () => Date.now() - 60_000 }) };

      const outcome = await park().catch((error: unknown) => ({ type: 'threw', error }));

      assert.equal(sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme', 'Webex parked the call on her line');
      assert.notEqual(outcome.type, 'no-call', 'the bot must not tell her she has no call while Webex has it parked');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('never says she has no call, or offers a choice, on the view’s word alone', async () => {
    await syncedOnce();
    // Her call's events are lost: the view knows no call.
    delivering = false;
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    assert.equal(parkedCaller(await park()), 'Acme', 'listed, and parked');
    sim.telephony.callerHangsUp({ parkedOn: '2001' });

    delivering = true;
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'One', number: '+15550011' } });
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Two', number: '+15550012' } });
    await settle();
    sim.telephony.calls.set(rita, sim.telephony.list(rita).slice(1));
    const listed = listings();
    assert.equal(parkedCaller(await park()), 'Two', 'two in the view, one at Webex: Webex’s list decides');
    assert.equal(listings(), listed + 1);
  });

  it('a second call she answered a moment ago, its answer still on its way: a ringing call in the view means Webex’s list decides', async () => {
    await syncedOnce();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Waiting', number: '+15550021' } });
    const ringing = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'New', number: '+15550022' }, answer: false });
    await settle();
    delivering = false;
    sim.telephony.answer(rita, ringing.id);
    const listed = listings();

    const outcome = await park();

    assert.deepEqual(outcome.type === 'choose' ? outcome.calls.map((call) => call.remoteParty?.name).sort() : outcome.type, ['New', 'Waiting'], 'she is offered both calls');
    assert.equal(listings(), listed + 1);
    assert.equal(sim.telephony.parked.size, 0, 'nothing parked on the view’s word');
  });

  it('follows events delivered out of order: a late "created" does not undo "answered", and an ended call stays ended', async () => {
    await syncedOnce();
    const view = deps.callView;
    const now = Date.now();
    const event = (state: string, eventType: string, ms: number) => eventsFrom(now)('CALL-1', state, eventType, ms);
    await view.saw(rita, 'updated', event('connected', 'answered', 0));
    await view.saw(rita, 'created', event('alerting', 'received', 0));
    assert.deepEqual((await view.candidates(rita, 'unused')).calls.map((c) => [c.id, c.state]), [['CALL-1', 'connected']]);

    await view.saw(rita, 'deleted', event('disconnected', 'disconnected', 5));
    await view.saw(rita, 'updated', event('held', 'held', 10));
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Real', number: '+15550003' } });
    await settle();
    assert.deepEqual((await view.candidates(rita, 'unused')).calls.map((c) => c.remoteParty?.name), ['Real']);
  });

  it('a missed call’s ring delivered after its end (Webex retrying a delivery that failed) is old news: her next park needs no listing', async () => {
    await syncedOnce();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    await settle();
    const view = deps.callView;
    const event = eventsFrom(Date.now());
    // A call rang and was missed; its end was delivered, its ring comes a few seconds later.
    await view.saw(rita, 'deleted', event('MISSED', 'disconnected', 'disconnected', -1000));
    await view.saw(rita, 'created', event('MISSED', 'alerting', 'received', -3000));
    const listed = listings();

    assert.equal(parkedCaller(await park()), 'Acme');
    assert.equal(listings(), listed, 'no listing: the view knows the missed call ended');
  });

  it('a late event older than what a listing confirmed does not undo it: a second call is never parked in place of a choice', async () => {
    await syncedOnce();
    delivering = false;
    const view = deps.callView;
    const now = Date.now();
    const event = eventsFrom(now);
    // X rang and was answered; the answer is delivered, the ring is late.
    const x = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'X', number: '+15550101' } });
    await view.saw(rita, 'updated', event(x.id, 'connected', 'answered', 0));
    // Meanwhile a listing (someone's park elsewhere, or hers that offered a choice) syncs the view.
    await deps.vault.withToken(rita, (token) => view.listed(rita, token));
    await view.saw(rita, 'created', event(x.id, 'alerting', 'received', -2000));
    // Y comes in and is answered, heard as it happens.
    const y = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Y', number: '+15550102' } });
    await view.saw(rita, 'updated', event(y.id, 'connected', 'answered', 1000));

    const outcome = await park();
    assert.equal(outcome.type, 'choose', `Webex has two calls up: she chooses (got ${parkedCaller(outcome)})`);
  });

  it('a call’s ring delivered after a listing named it up (Webex retrying what it failed to deliver) is old news: a second call is never parked in place of a choice', async () => {
    await syncedOnce();
    delivering = false;
    const view = deps.callView;
    const now = Date.now();
    const event = eventsFrom(now);
    // X is up, none of its events heard yet; a listing names it.
    const x = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'X', number: '+15550101' } });
    await deps.vault.withToken(rita, (token) => view.listed(rita, token));
    // Webex's retry of X's ring arrives now.
    await view.saw(rita, 'created', event(x.id, 'alerting', 'received', -2000));
    await view.saw(rita, 'updated', event(x.id, 'alerting', 'received', -1500));
    const y = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Y', number: '+15550102' } });
    await view.saw(rita, 'updated', event(y.id, 'connected', 'answered', 1000));

    const outcome = await park();
    assert.equal(outcome.type, 'choose', `Webex has two calls up: she chooses (got ${parkedCaller(outcome)})`);
  });

  it('she unlinks while a park of hers lists her calls: no view of her calls outlives the unlink', async () => {
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    sim.failNext({ method: 'GET', path: '/telephony/calls', delayMs: 100 });
    const parking = park();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.deleteSubscription(rita);
    await parking;

    assert.equal(await store.callView(rita), undefined, 'her calls are not kept once she unlinked');
  });

  it('never grows without bound: more calls than a phone holds means their ends went unheard, and Webex’s list decides', async () => {
    await syncedOnce();
    // Each of these rings and is gone without a word (as retrieves left ringing in the benchmark are).
    for (let i = 0; i < 12; i += 1) {
      sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: `Unheard ${i}`, number: `+1555010${i}` } });
      await settle();
      sim.telephony.calls.set(rita, []);
    }
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    await settle();
    const stored = JSON.parse((await store.callView(rita))?.json ?? '{}') as { calls: Record<string, { call: { state: string } }> };
    const live = Object.values(stored.calls).filter((seen) => seen.call.state !== 'disconnected');
    assert.ok(live.length <= 8, `the view stays small (${live.length} calls it thinks are up)`);
    const listed = listings();

    assert.equal(parkedCaller(await park()), 'Acme');
    assert.equal(listings(), listed + 1, 'listed, not a guess among the calls it still holds');
  });
});
