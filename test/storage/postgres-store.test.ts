import { strict as assert } from 'node:assert';
import { PostgresStore } from '../../src/storage/postgres-store.js';
import { freshDatabase } from '../support/postgres.js';
import { storeContract } from './store-contract.js';

describe('PostgreSQL store', () => {
  storeContract(async () => {
    const url = await freshDatabase();
    if (!url) return undefined;
    return { store: await PostgresStore.open(url), reopen: () => PostgresStore.open(url), cleanUp: async () => undefined };
  });

  it('migrates safely when several instances start at once', async function () {
    const url = await freshDatabase();
    if (!url) return this.skip();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(url)));
    try {
      await stores[0]?.saveLinkState({ id: 'S', personId: 'P', codeVerifier: 'v', expiresAt: Date.now() + 1000 });
      assert.equal((await stores[3]?.linkState('S', Date.now()))?.personId, 'P');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('refuses to start with a readable error when the database is unreachable', async () => {
    await assert.rejects(PostgresStore.open('postgres://nobody@127.0.0.1:1/none'), /ECONNREFUSED/);
  });
});
