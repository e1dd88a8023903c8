import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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

describe('SQLite store files', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-store-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

  it('are readable by their owner only (the database, its WAL and shared memory), in folders only the owner can enter', async () => {
    const path = join(dir, 'data', 'parkbot.db');
    const store = new SqliteStore(path);
    assert.ok(existsSync(`${path}-wal`) && existsSync(`${path}-shm`), 'WAL mode keeps both beside the database while it is open');
    assert.deepEqual([path, `${path}-wal`, `${path}-shm`].map(mode), ['600', '600', '600']);
    assert.equal(mode(join(dir, 'data')), '700');
    await store.close();
  });

  it('tightens a database an earlier version left readable by others, and says so', async () => {
    const path = join(dir, 'parkbot.db');
    await new SqliteStore(path).close();
    chmodSync(path, 0o644);
    let said: Record<string, string> = {};
    const store = new SqliteStore(path, (files) => (said = files));
    assert.deepEqual([path, `${path}-wal`, `${path}-shm`].map(mode), ['600', '600', '600']);
    assert.deepEqual(said, { [path]: 'tightened' });
    await store.close();
  });
});
