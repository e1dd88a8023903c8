import { strict as assert } from 'node:assert';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { Upkeep } from '../../src/webhooks/upkeep.js';
import { WebexApiError } from '../../src/webex/errors.js';
import type { CheckResult } from '../../src/webhooks/call-event-subscriptions.js';
import { memoryLogger } from '../support/memory-logger.js';

const MINUTE = 60_000;

describe('Upkeep of linked people', () => {
  let store: SqliteStore;
  let clock: number;
  let checked: { personId: string; at: number }[];
  let answer: (personId: string) => CheckResult;
  /** The settings webhooks are made for now (a new WEBHOOK_SECRET changes it). */
  let fingerprint: string;

  /** `count` linked people; those in `fresh` were checked just now. */
  async function link(count: number, fresh = 0): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const personId = `P${String(i).padStart(5, '0')}`;
      await store.saveAccount({ personId, displayName: personId, sealedAccessToken: 'a', sealedRefreshToken: 'r', accessExpiresAt: clock + 10 * MINUTE, refreshExpiresAt: clock + 90 * 24 * 60 * MINUTE, scope: '', linkedAt: '' });
      if (i < fresh) {
        await store.openSubscription(personId, `key-${personId}`);
        await store.recordSubscription(personId, { status: 'active', fingerprint, checkedAt: clock });
      }
    }
  }

  function upkeep(requestsPerMinute: number): Upkeep {
    const subscriptions = {
      get fingerprint() {
        return fingerprint;
      },
      ensure: async (personId: string): Promise<CheckResult> => {
        const result = answer(personId);
        if (!result.passing) {
          checked.push({ personId, at: clock });
          await store.openSubscription(personId, `key-${personId}`);
          await store.recordSubscription(personId, { status: 'active', fingerprint, checkedAt: clock });
        }
        return result;
      },
    };
    return new Upkeep(subscriptions, { renewIfEnding: async () => false }, store, { checkEveryMs: 10 * MINUTE, requestsPerMinute, refreshMarginMs: 0 }, memoryLogger().logger, () => clock);
  }

  /** Runs the ticks of `ms` of time, one a second. */
  async function run(keeper: Upkeep, ms: number): Promise<void> {
    for (const end = clock + ms; clock < end; clock += 1000) await keeper.tick();
  }

  beforeEach(() => {
    store = new SqliteStore(':memory:');
    clock = 1_800_000_000_000;
    checked = [];
    fingerprint = 'before';
    answer = () => ({ requests: 1 });
  });

  afterEach(() => store.close());

  it('spreads checks evenly within the budget: never a burst, however many people', async () => {
    await link(1000);
    const keeper = upkeep(120);
    await run(keeper, 60_000);
    assert.equal(checked.length, 120, 'a minute holds 120 requests');
    const perSecond = new Map<number, number>();
    for (const { at } of checked) perSecond.set(at, (perSecond.get(at) ?? 0) + 1);
    assert.ok(Math.max(...perSecond.values()) <= 2, 'two a second at most');
  });

  it('touches nobody at start when everyone was checked lately', async () => {
    await link(200, 200);
    await run(upkeep(600), 30_000);
    assert.equal(checked.length, 0);
  });

  it('moves everyone to a new WEBHOOK_SECRET first, before people merely due, within the budget', async () => {
    await link(300, 100);
    fingerprint = 'rotated';
    const keeper = upkeep(120);
    await run(keeper, 60_000);
    assert.deepEqual(
      checked.slice(0, 100).map((c) => c.personId),
      Array.from({ length: 100 }, (_, i) => `P${String(i).padStart(5, '0')}`),
      'the 100 people with webhooks, checked lately but for the old secret, come first',
    );
    assert.equal(checked.length, 120, 'still within the budget');
  });

  it('shares one budget between instances', async () => {
    await link(500);
    const [a, b] = [upkeep(60), upkeep(60)];
    for (const end = clock + 60_000; clock < end; clock += 500) await (clock % 1000 ? a : b).tick();
    assert.ok(checked.length <= 61, `one budget for both (${checked.length})`);
  });

  it('honours a 429 Retry-After, then catches up', async () => {
    await link(50);
    let limited = true;
    answer = () => (limited ? { requests: 1, passing: new WebexApiError('GET /webhooks', 429, 'Too many requests', undefined, 30) } : { requests: 1 });
    const keeper = upkeep(120);
    await run(keeper, 2000);
    limited = false;
    await run(keeper, 28_000);
    assert.equal(checked.length, 0, 'nothing asked during the 30 s Webex asked for');
    await run(keeper, 30_000);
    assert.equal(checked.length, 50, 'all caught up after');
  });

  it('backs off while Webex answers 5xx', async () => {
    await link(20);
    let calls = 0;
    answer = () => {
      calls += 1;
      return { requests: 1, passing: new WebexApiError('GET /webhooks', 503, 'unavailable') };
    };
    await run(upkeep(600), 5 * MINUTE);
    assert.ok(calls <= 8, `a few tries in five minutes, spaced out (${calls})`);
  });

  it('leaves a person another check is busy with to a later tick, instead of asking the database for them again and again', async () => {
    await link(1);
    // The link-time check holds the person's lease while Webex (a round trip away) answers: no request here.
    answer = () => ({ requests: 0 });
    let lookups = 0;
    const counted = Object.assign(Object.create(store) as SqliteStore, {
      dueForUpkeep: (...args: Parameters<SqliteStore['dueForUpkeep']>) => {
        lookups += 1;
        // Every store call resolves at once (SQLite is synchronous): a loop over them never lets the event loop run.
        if (lookups > 3) throw new Error('still looking after three lookups in one tick');
        return store.dueForUpkeep(...args);
      },
    });
    const keeper = new Upkeep({ fingerprint, ensure: async () => answer('') }, { renewIfEnding: async () => false }, counted, { checkEveryMs: 10 * MINUTE, requestsPerMinute: 120, refreshMarginMs: 0 }, memoryLogger().logger, () => clock);
    await keeper.tick();
    assert.equal(lookups, 1, 'one lookup a tick');
  });
});
