import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { LineWatch } from '../../src/calls/line-watch.js';
import { RecentCalls } from '../../src/calls/recent-calls.js';
import type { ParkedCall } from '../../src/storage/store.js';
import type { SimLine } from '../../src/simulator/model.js';
import { Upkeep } from '../../src/webhooks/upkeep.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { parkDepsOn } from '../support/park-deps.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('Line watch: a secondary line asked about while a call parked from it waits', () => {
  let sim: WebexSimulator;
  let deps: Awaited<ReturnType<typeof parkDepsOn>>;
  let line: SimLine;
  let shown: ParkedCall[];
  let counted: string[];
  let clock: number;

  beforeEach(async () => {
    sim = await startSimulator();
    deps = await parkDepsOn(sim, () => 0);
    line = sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', phoneNumber: '+14085550000', sharedWith: [deps.rita] });
    shown = [];
    counted = [];
    clock = Date.now();
  });
  afterEach(async () => {
    await deps.store.close();
    await sim.close();
  });

  const watch = (): LineWatch =>
    new LineWatch({
      store: deps.store,
      calling: deps.deps.calling,
      vault: deps.deps.vault,
      recentCalls: new RecentCalls(),
      show: async (call) => {
        shown.push(call);
      },
      count: (outcome) => counted.push(outcome),
      logger: memoryLogger().logger,
      pollMs: 10_000,
      now: () => clock,
    });
  const lineLists = (): number => sim.requests.filter((r) => r.path === '/telephony/calls' && r.query.lineOwnerId === line.id).length;

  /** Rita parks a main-line call from the line, as the bot would have, and the bot's record says so. */
  async function parkedFromLine(id: string): Promise<ParkedCall> {
    const call = sim.telephony.placeIncomingCallOnLine(line.id, { name: 'Acme', number: '+15550100' });
    const parkedAgainst = sim.telephony.park(deps.rita, { callId: call.id, lineOwnerId: line.id });
    const record: ParkedCall = {
      id,
      roomId: 'ROOM',
      callId: call.id,
      parkedBy: { personId: deps.rita, name: 'Rita' },
      orgId: sim.org.orgId,
      caller: { name: 'Acme', number: '+15550100' },
      parkedAgainst: { number: parkedAgainst.number ?? '', name: 'Main line' },
      line: { ownerId: line.id, memberType: 'VIRTUAL_LINE', name: 'Main line', directNumber: '+14085550000', extension: '8000' },
      state: 'waiting',
      parkedAt: new Date(clock).toISOString(),
    };
    await deps.store.saveParkedCall(record);
    return record;
  }

  it('asks nothing while nothing parked from a line waits', async () => {
    assert.equal(await watch().round(), 0);
    assert.equal(sim.requests.length, 0);
  });

  it('asks once a round across instances, with the parker’s token, and moves the card when the call rings the line back', async () => {
    await parkedFromLine('P1');
    const [a, b] = [watch(), watch()];

    const made = (await a.round()) + (await b.round());

    assert.equal(made, 1, 'one instance asks this round');
    assert.equal(lineLists(), 1);
    assert.equal(sim.requests.at(-1)?.personId, deps.rita);
    assert.equal(shown.length, 0, 'no card changes while it waits');

    sim.telephony.recall('8000');
    clock += 10_000;
    await b.round();
    assert.equal((await deps.store.parkedCall('P1'))?.state, 'rang-back');
    assert.deepEqual(shown.map((call): string => call.state), ['rang-back']);
    assert.deepEqual(counted, ['asked', 'asked', 'recall']);

    clock += 10_000;
    const before = lineLists();
    assert.equal((await a.round()) + (await b.round()), 0, 'nothing waits from the line: not asked');
    assert.equal(lineLists(), before);
  });

  it('is charged to upkeep’s budget: a minute of line asks at the whole budget leaves no person checked', async () => {
    const store = new SqliteStore(':memory:');
    try {
      let now = 1_800_000_000_000;
      await store.saveAccount({ personId: 'P', displayName: 'P', sealedAccessToken: 'a', sealedRefreshToken: 'r', accessExpiresAt: now, scope: '', linkedAt: '' });
      const checked: string[] = [];
      const subscriptions = {
        fingerprint: 'f',
        ensure: async (personId: string) => {
          checked.push(personId);
          return { requests: 1 };
        },
      };
      const settings = { checkEveryMs: 60_000, requestsPerMinute: 60, refreshMarginMs: 0 };
      const busy = new Upkeep(subscriptions, { renewIfEnding: async () => false }, store, settings, memoryLogger().logger, () => now, { lineWatch: { round: async () => 1 } });
      for (let i = 0; i < 60; i += 1, now += 1000) await busy.tick();
      assert.deepEqual(checked, [], 'the line asks took the whole budget');
      const idle = new Upkeep(subscriptions, { renewIfEnding: async () => false }, store, settings, memoryLogger().logger, () => now, { lineWatch: { round: async () => 0 } });
      for (let i = 0; i < 5; i += 1, now += 1000) await idle.tick();
      assert.deepEqual([...new Set(checked)], ['P'], 'without line asks, the same budget checks her');
    } finally {
      await store.close();
    }
  });
});
