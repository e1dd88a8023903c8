import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { parkCall, parkIdFor, type ParkDeps, type ParkRequest } from '../../src/calls/park-call.js';
import { parkDepsOn } from '../support/park-deps.js';
import { waitFor } from '../support/wait.js';

describe('park use case, replayed after a crash', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let deps: ParkDeps;
  let rita: string;

  beforeEach(async () => {
    sim = await startSimulator();
    ({ deps, store, rita } = await parkDepsOn(sim, Date.now));
  });
  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  const request = (extra: Partial<ParkRequest> = {}): ParkRequest => ({ parkId: parkIdFor('messages:created:M1'), roomId: 'ROOM', by: { personId: rita, name: 'Rita' }, askedAt: new Date().toISOString(), ...extra });

  /** Leaves the store as a run killed between "park" and its answer would. */
  async function crashAfterAskingWebex(extra: Partial<ParkRequest>, webexParks: boolean): Promise<void> {
    const call = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
    await store.saveParkedCall({ id: request().parkId, roomId: 'ROOM', callId: call.id, parkedBy: { personId: rita, name: 'Rita' }, caller: { name: 'Acme' }, parkedAgainst: { number: '' }, state: 'parking', parkedAt: new Date().toISOString() });
    if (webexParks) sim.telephony.park(rita, { callId: call.id, ...(extra.destination ? { destination: extra.destination } : {}), ...(extra.groupPark ? { isGroupPark: true } : {}) });
  }

  it('gives the same event the same park id, and different events different ones', () => {
    assert.equal(parkIdFor('messages:created:M1'), parkIdFor('messages:created:M1'));
    assert.notEqual(parkIdFor('messages:created:M1'), parkIdFor('messages:created:M2'));
    assert.match(parkIdFor('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('parks now when the crash came before Webex acted', async () => {
    await crashAfterAskingWebex({}, false);
    const outcome = await parkCall(deps, request());
    assert.equal(outcome.type, 'parked');
    assert.equal(sim.telephony.parked.get('2001')?.call.remoteParty.name, 'Acme');
  });

  it('records the park on the parker’s own line when Webex had already parked it', async () => {
    await crashAfterAskingWebex({}, true);
    const parksBefore = sim.requests.filter((r) => r.path === '/telephony/calls/park').length;
    const outcome = await parkCall(deps, request());
    assert.deepEqual(outcome.type === 'parked' && outcome.call.parkedAgainst, { number: '2001', name: 'Rita' });
    assert.equal(sim.requests.filter((r) => r.path === '/telephony/calls/park').length, parksBefore, 'not parked twice');
    assert.equal((await store.parkedCall(request().parkId))?.state, 'waiting');
  });

  it('records the park on the destination asked for', async () => {
    await crashAfterAskingWebex({ destination: '1003' }, true);
    const outcome = await parkCall(deps, request({ destination: '1003' }));
    assert.deepEqual(outcome.type === 'parked' && outcome.call.parkedAgainst, { number: '1003' });
  });

  it('says so when a group park went through but where is unknown', async () => {
    await crashAfterAskingWebex({ groupPark: true }, true);
    assert.equal((await parkCall(deps, request({ groupPark: true }))).type, 'parked-somewhere');
  });

  it('gives the outcome another run of the same event recorded, not a failure of its own that came after', async () => {
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
    // This run's park reaches Webex late; meanwhile a replay of the event parks the call.
    sim.failNext({ method: 'POST', path: '/telephony/calls/park', delayMs: 500 });
    const first = parkCall(deps, request());
    await waitFor('the first park on its way', () => sim.requests.some((r) => r.path === '/telephony/calls/park'));
    const replay = await parkCall(deps, request());
    assert.equal(replay.type, 'parked');

    const outcome = await first;
    assert.equal(outcome.type, 'parked', 'one answer for the park: it was parked');
    assert.equal((await store.parkedCall(request().parkId))?.state, 'waiting');
  });

  it('does nothing more for an event whose park was already recorded', async () => {
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
    const first = await parkCall(deps, request());
    const again = await parkCall(deps, request());
    assert.deepEqual(again, first);
    assert.equal(sim.requests.filter((r) => r.path === '/telephony/calls/park').length, 1);
  });
});

/**
 * A park carried out later than it was asked (after linking, from the spool, the inbox after a crash,
 * or a lease takeover) parks only a call that was up when the person asked: a call that began later
 * is never parked by it, the person chooses. A call picked from the picker is parked as picked.
 */
describe('park use case, carried out later than asked', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let deps: ParkDeps;
  let rita: string;

  beforeEach(async () => {
    sim = await startSimulator();
    ({ deps, store, rita } = await parkDepsOn(sim, Date.now));
  });
  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  const minuteAgo = (): string => new Date(Date.now() - 60_000).toISOString();
  const request = (askedAt: string, extra: Partial<ParkRequest> = {}): ParkRequest => ({ parkId: parkIdFor('messages:created:M9'), roomId: 'ROOM', by: { personId: rita, name: 'Rita' }, askedAt, ...extra });
  const parkRequests = (): number => sim.requests.filter((r) => r.path === '/telephony/calls/park').length;

  it('does not park a call that began after the park was asked: she is offered it to choose', async () => {
    const askedAt = minuteAgo();
    const later = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Later' } });

    const outcome = await parkCall(deps, request(askedAt));

    assert.deepEqual(outcome.type === 'began-later' && outcome.calls.map((call) => call.id), [later.id]);
    assert.equal(parkRequests(), 0, 'Webex was not asked to park');
    assert.equal(sim.telephony.list(rita).length, 1, 'the call is still on her phone');
    assert.equal(await store.parkedCall(request(askedAt).parkId), undefined, 'nothing recorded');
  });

  it('parks the call that was up when she asked, though a later one is up too', async () => {
    const earlier = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Earlier' } });
    // It rang two minutes ago (as Webex would date it), and she asked a minute ago.
    sim.telephony.calls.set(rita, [{ ...earlier, created: new Date(Date.now() - 120_000).toISOString() }]);
    const askedAt = minuteAgo();
    sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Later' } });

    const outcome = await parkCall(deps, request(askedAt));

    assert.equal(outcome.type === 'parked' && outcome.call.caller.name, 'Earlier');
  });

  it('parks a call picked from the picker, whenever it began', async () => {
    const askedAt = minuteAgo();
    const later = sim.telephony.placeIncomingCall({ toPersonId: rita, from: { name: 'Later' } });

    const outcome = await parkCall(deps, request(askedAt, { callId: later.id }));

    assert.equal(outcome.type === 'parked' && outcome.call.caller.name, 'Later');
  });

  it('says there is no call when none is up at all', async () => {
    assert.equal((await parkCall(deps, request(minuteAgo()))).type, 'no-call');
  });
});
