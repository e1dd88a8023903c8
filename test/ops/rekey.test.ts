import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { rekey } from '../../src/ops/rekey.js';
import type { LinkedAccount, SealedTokens } from '../../src/storage/store.js';

describe('npm run rekey', () => {
  const [oldKey, newKey, lostKey] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  let store: SqliteStore;
  const account = (personId: string, key: Buffer): LinkedAccount => ({
    personId,
    displayName: personId,
    sealedAccessToken: new TokenCipher(key).seal(`${personId}_ACCESS`),
    sealedRefreshToken: new TokenCipher(key).seal(`${personId}_REFRESH`),
    accessExpiresAt: Date.now() + 60_000,
    scope: 'spark:calls_read',
    linkedAt: new Date().toISOString(),
  });

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    await store.saveAccount(account('RITA', oldKey));
    await store.saveAccount(account('SAM', newKey));
    await store.saveAccount(account('PRIYA', lostKey));
  });
  afterEach(() => store.close());

  it('seals every readable account under the current key and counts what it found', async () => {
    const counts = await rekey(store, new TokenCipher(newKey, [oldKey]));
    assert.deepEqual(counts, { resealed: 1, current: 1, unreadable: 1, skipped: 0 });
    const rita = await store.account('RITA');
    assert.equal(new TokenCipher(newKey).open(rita?.sealedAccessToken ?? ''), 'RITA_ACCESS');
    assert.equal(new TokenCipher(newKey).open(rita?.sealedRefreshToken ?? ''), 'RITA_REFRESH');
    assert.deepEqual(await rekey(store, new TokenCipher(newKey, [oldKey])), { resealed: 0, current: 2, unreadable: 1, skipped: 0 }, 'a second run has nothing to do');
  });

  it('reads an account again when a running bot refreshed it meanwhile, and never overwrites the refresh', async () => {
    const refreshed = account('RITA', newKey);
    const realReseal = store.resealAccount.bind(store);
    let raced = false;
    store.resealAccount = async (personId: string, from: SealedTokens, to: SealedTokens) => {
      if (personId === 'RITA' && !raced) {
        raced = true;
        await store.saveAccount(refreshed);
      }
      return realReseal(personId, from, to);
    };
    const counts = await rekey(store, new TokenCipher(newKey, [oldKey]));
    assert.deepEqual(counts, { resealed: 0, current: 2, unreadable: 1, skipped: 0 });
    assert.equal((await store.account('RITA'))?.sealedAccessToken, refreshed.sealedAccessToken);
  });
});
