import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { watchRing } from '../../src/calls/ring.js';
import { move } from '../../src/calls/lifecycle.js';
import { RecentCalls } from '../../src/calls/recent-calls.js';
import type { ParkedCall } from '../../src/storage/store.js';
import { parkDepsOn } from '../support/park-deps.js';

describe('watchRing: following a ringing retrieve without call events', () => {
  let sim: WebexSimulator;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => sim?.close());

  it('lets go of a ring whose retriever is no longer linked: the call waits again, and nobody is told their phone did not connect', async () => {
    const { deps, store } = await parkDepsOn(sim, () => 0);
    // Sam's retrieve was recorded ringing after he unlinked: the bot can no longer ask Webex about it.
    const waiting: ParkedCall = {
      id: 'park-1',
      roomId: 'room-1',
      parkedBy: { personId: 'RITA', name: 'Rita' },
      caller: { name: 'Acme' },
      parkedAgainst: { number: '2001' },
      state: 'waiting',
      parkedAt: new Date().toISOString(),
    };
    await store.saveParkedCall(waiting);
    await store.claimForRetrieve('park-1', 'SAM', 'tap-1', Date.now(), 60_000);
    const sam = { personId: 'SAM', name: 'Sam' };
    const ringing = await move(store, { ...waiting, state: 'retrieving' }, { type: 'ringing', by: sam, handedCallId: 'CALL-ON-SAMS-PHONE' });
    assert.ok(ringing);

    const started = Date.now();
    const moved = await watchRing({ ...deps, recentCalls: new RecentCalls(), pollMs: 10, watchMs: 5_000 }, ringing);

    assert.ok(Date.now() - started < 2_000, 'at once, not after the whole watch');
    assert.equal(moved?.state, 'waiting');
    assert.equal(moved?.ringingFor, undefined, 'shown without the notice to Sam');
    assert.equal((await store.parkedCall('park-1'))?.state, 'waiting');
  });
});
