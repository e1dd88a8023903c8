import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { cachePeople } from '../../src/bot/people-cache.js';

describe('people cache in front of the framework’s sender lookups', () => {
  function sdkCounting(fail = new Set<string>()) {
    const asked: unknown[] = [];
    const sdk = {
      people: {
        get: (id: unknown): Promise<unknown> => {
          asked.push(id);
          return fail.has(String(id)) ? Promise.reject(new Error('Webex said no')) : Promise.resolve({ id, displayName: `Person ${String(id)}` });
        },
      },
    };
    return { sdk, asked };
  }

  it('asks Webex once for a returning sender, and once for senders looked up at the same moment', async () => {
    const { sdk, asked } = sdkCounting();
    cachePeople(sdk, { max: 10, ttlMs: 60_000 });
    await Promise.all([sdk.people.get('SAM'), sdk.people.get('SAM')]);
    assert.deepEqual(await sdk.people.get('SAM'), { id: 'SAM', displayName: 'Person SAM' });
    assert.deepEqual(asked, ['SAM']);
  });

  it('asks again once a name may have changed, forgets the least recent beyond its size, and keeps no failure', async () => {
    const { sdk, asked } = sdkCounting(new Set(['GONE']));
    cachePeople(sdk, { max: 2, ttlMs: 40 });
    await sdk.people.get('A');
    await sleep(60);
    await sdk.people.get('A');
    await sdk.people.get('B');
    await sdk.people.get('C');
    await sdk.people.get('A');
    await assert.rejects(sdk.people.get('GONE'));
    await assert.rejects(sdk.people.get('GONE'));
    await sdk.people.get('me');
    await sdk.people.get('me');
    assert.deepEqual(asked, ['A', 'A', 'B', 'C', 'A', 'GONE', 'GONE', 'me', 'me']);
  });
});
