import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { storeContract } from './store-contract.js';

describe('SQLite store', () => {
  storeContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkbot-store-'));
    const path = join(dir, 'parkbot.db');
    return {
      store: new SqliteStore(path),
      reopen: async () => new SqliteStore(path),
      cleanUp: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });

  it('creates the file and its folders on first start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkbot-store-'));
    const path = join(dir, 'nested', 'folder', 'parkbot.db');
    const store = new SqliteStore(path);
    assert.ok(existsSync(path));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
