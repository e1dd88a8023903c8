import { strict as assert } from 'node:assert';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { followCallEvent, type FollowDeps } from '../../src/calls/follow-call-event.js';
import { RecentCalls } from '../../src/calls/recent-calls.js';
import type { CallEvent } from '../../src/webex/schemas.js';
import type { ParkedCall } from '../../src/storage/store.js';

const ACME = '+15550100';
const ORG_A = 'ORG-A';
const ORG_B = 'ORG-B';
const at = (seconds: number): string => new Date(Date.UTC(2026, 10, 23, 10, 0, seconds)).toISOString();

const parked = (id: string, number: string, extra: Partial<ParkedCall> = {}): ParkedCall => ({
  id,
  roomId: 'ROOM',
  parkedBy: { personId: 'RITA', name: 'Rita' },
  orgId: ORG_A,
  caller: { name: 'ACME', number: ACME },
  parkedAgainst: { number },
  state: 'waiting',
  parkedAt: at(0),
  ...extra,
});

const event = (callId: string, fields: Partial<CallEvent>): CallEvent => ({ callId, eventType: 'updated', eventTimestamp: at(30), state: 'connected', ...fields });
const party = (number: string) => ({ number, privacyEnabled: false, callType: 'external' });

describe('following call events: a card changes only when the evidence picks its call out', () => {
  let store: SqliteStore;
  let deps: FollowDeps;

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    deps = { store, recentCalls: new RecentCalls(), now: () => new Date(at(31)) };
    await store.saveAccount({ personId: 'SAM', displayName: 'Sam', sealedAccessToken: 'a', sealedRefreshToken: 'b', accessExpiresAt: 1, scope: 's', linkedAt: 'now' });
  });
  afterEach(() => store.close());

  /** Sam's phone places a call to `dialled` and it connects to `connectsTo`. */
  async function samCalls(dialled: string, connectsTo: string, orgId = ORG_A): Promise<ParkedCall[]> {
    const placing = event('OUT', { eventType: 'originated', state: 'connecting', personality: 'originator', remoteParty: party(dialled) });
    deps.recentCalls.saw('SAM', placing);
    assert.deepEqual(await followCallEvent(deps, { personId: 'SAM', orgId }, placing), []);
    const connected = event('OUT', { eventType: 'answered', personality: 'originator', remoteParty: party(connectsTo) });
    deps.recentCalls.saw('SAM', connected);
    return followCallEvent(deps, { personId: 'SAM', orgId }, connected);
  }

  it('a call to the slot that connects to its caller picks that slot up, and only that one', async () => {
    await store.saveParkedCall(parked('on-2001', '2001'));
    await store.saveParkedCall(parked('on-2003', '2003'));
    const moved = await samCalls('2001', ACME);
    assert.deepEqual(moved.map((c) => [c.id, c.state, c.pickedUpBy?.name]), [['on-2001', 'picked-up', 'Sam']]);
    assert.equal((await store.parkedCall('on-2003'))?.state, 'waiting');
  });

  it('understands the retrieve code before the slot', async () => {
    await store.saveParkedCall(parked('on-2001', '2001'));
    assert.deepEqual((await samCalls('*882001', ACME)).map((c) => c.id), ['on-2001']);
  });

  it('a call to the caller’s own number changes nothing', async () => {
    await store.saveParkedCall(parked('on-2001', '2001'));
    assert.deepEqual(await samCalls(ACME, ACME), []);
    assert.equal((await store.parkedCall('on-2001'))?.state, 'waiting');
  });

  it('another organisation’s event changes nothing, even on a slot of the same number', async () => {
    await store.saveParkedCall(parked('on-2001', '2001'));
    assert.deepEqual(await samCalls('2001', ACME, ORG_B), []);
  });

  it('evidence that fits two calls closes neither', async () => {
    await store.saveParkedCall(parked('first', '2001'));
    await store.saveParkedCall(parked('second', '2001', { parkedAt: at(1) }));
    assert.deepEqual(await samCalls('2001', ACME), []);
  });

  it('a recall names its slot: only the parker’s call from that caller there rings back, in the parker’s organisation', async () => {
    await store.saveParkedCall(parked('on-2001', '2001'));
    const recall = event('RECALL', { eventType: 'received', state: 'alerting', personality: 'terminator', remoteParty: party(ACME), recall: { type: 'park', party: party('2001') } });
    assert.deepEqual(await followCallEvent(deps, { personId: 'RITA', orgId: ORG_B }, recall), []);
    assert.deepEqual(await followCallEvent(deps, { personId: 'SAM', orgId: ORG_A }, recall), [], 'not the parker');
    assert.deepEqual((await followCallEvent(deps, { personId: 'RITA', orgId: ORG_A }, recall)).map((c) => c.state), ['rang-back']);
  });

  it('a recall that came before the call was parked is another call’s: a late one of the call parked there before changes nothing', async () => {
    // Rita parked Acme's first call on 2001; it rang back at 0:20 (the record says so); she parked Acme's second
    // call there at 0:25; the recall event of the first reaches the bot only now (delayed, or kept in a spool).
    await store.saveParkedCall(parked('first', '2001', { state: 'rang-back', closedAt: at(20) }));
    await store.saveParkedCall(parked('second', '2001', { parkedAt: at(25) }));
    const lateRecall = event('RECALL-1', { eventType: 'received', state: 'alerting', personality: 'terminator', eventTimestamp: at(20), remoteParty: party(ACME), recall: { type: 'park', party: party('2001') } });
    assert.deepEqual(await followCallEvent(deps, { personId: 'RITA', orgId: ORG_A }, lateRecall), []);
    assert.equal((await store.parkedCall('second'))?.state, 'waiting', 'the call parked since still waits');
  });

  it('the retriever’s phone settles a ringing retrieve: connected → retrieved, ended first → waiting again', async () => {
    await store.saveParkedCall(parked('answered', '2001'));
    await store.saveParkedCall(parked('declined', '2003'));
    for (const [id, callId] of [['answered', 'RING-1'], ['declined', 'RING-2']] as const) {
      await store.claimForRetrieve(id, 'SAM', `tap-${id}`, Date.now(), 60_000);
      await store.moveParkedCall(id, { from: ['retrieving'], to: 'ringing', changes: { ringingFor: { personId: 'SAM', name: 'Sam' }, handedCallId: callId }, claimedBy: 'SAM' });
    }
    const source = { personId: 'SAM', orgId: ORG_A };
    assert.deepEqual(await followCallEvent(deps, { personId: 'PRIYA', orgId: ORG_A }, event('RING-1', {})), [], 'someone else’s event');
    const [retrieved] = await followCallEvent(deps, source, event('RING-1', { personality: 'clickToDial', remoteParty: party(ACME) }));
    assert.deepEqual([retrieved?.state, retrieved?.retrievedBy?.name], ['retrieved', 'Sam']);
    const [again] = await followCallEvent(deps, source, event('RING-2', { eventType: 'disconnected', state: 'disconnected', personality: 'clickToDial' }));
    assert.deepEqual([again?.state, again?.ringingFor?.name], ['waiting', 'Sam']);
    assert.deepEqual(await followCallEvent(deps, source, event('RING-2', { personality: 'clickToDial' })), [], 'a late event of an ended ring');
  });
});
