import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDriver } from '../../src/storage/sqlite-store.js';
import { PostgresDriver } from '../../src/storage/postgres-store.js';
import { migrate } from '../../src/storage/sql-store.js';
import { fieldChange, step, type SqlDriver } from '../../src/storage/sql-driver.js';
import { freshDatabase } from '../support/postgres.js';

/**
 * What a query written once in src/storage/sql-store.ts may count on from either adapter: the SQL
 * is the same text on both, so where the databases differ the adapter (or its Dialect) must not.
 */
function driverContract(open: () => Promise<{ driver: SqlDriver; cleanUp: () => void } | undefined>): void {
  let driver: SqlDriver;
  let cleanUp: () => void;

  beforeEach(async function () {
    const opened = await open();
    if (!opened) return this.skip();
    ({ driver, cleanUp } = opened);
  });

  afterEach(async () => {
    await driver?.close();
    cleanUp?.();
  });

  const lease = (name: string, until: number) => driver.run('INSERT INTO leases (name, lease_until) VALUES ($1, $2)', [name, until]);

  it('binds $n by its number, however often and in whatever order the query names it', async () => {
    const { rows } = await driver.run('SELECT name FROM leases WHERE name = $2 OR (name = $1 AND lease_until > $3) OR name = $2', ['first', 'second', 0]);
    assert.deepEqual(rows, []);
    await lease('first', 5);
    await lease('second', 6);
    const found = await driver.run<{ name: string }>('SELECT name FROM leases WHERE name = $2 OR (name = $1 AND lease_until > $3) ORDER BY name', ['first', 'second', 5]);
    assert.deepEqual(found.rows.map((row) => row.name), ['second']);
  });

  it('returns BIGINT columns as numbers, and counts the rows a write changed', async () => {
    assert.equal((await lease('big', 1_790_000_000_123)).changes, 1);
    const { rows } = await driver.run<{ lease_until: unknown }>('SELECT lease_until FROM leases WHERE name = $1', ['big']);
    assert.equal(rows[0]?.lease_until, 1_790_000_000_123);
    assert.equal((await driver.run('UPDATE leases SET lease_until = lease_until + 1 WHERE name = $1', ['big'])).changes, 1);
  });

  it('reads a list parameter (Dialect.oneOf)', async () => {
    for (const name of ['a', 'b', 'c']) await lease(name, 1);
    const { rows } = await driver.run<{ name: string }>(`SELECT name FROM leases WHERE ${driver.dialect.oneOf('name', '$1')} ORDER BY name`, [['a', 'c', 'z']]);
    assert.deepEqual(rows.map((row) => row.name), ['a', 'c']);
  });

  it('replaces JSON fields whole, removes those set to null, and keeps the rest (Dialect.withFields)', async () => {
    await driver.run('INSERT INTO call_views (person_id, view, version) VALUES ($1, $2, 1)', ['P', JSON.stringify({ caller: { name: 'Acme', number: '1' }, kept: 2, gone: 3, left: 4 })]);
    const change = fieldChange({ caller: { name: 'Bo' }, gone: null, added: [1], left: undefined });
    await driver.run(`UPDATE call_views SET view = ${driver.dialect.withFields('view', '$1', change)} WHERE person_id = $2`, [change.json, 'P']);
    const { rows } = await driver.run<{ view: string; name: string }>(`SELECT view, ${driver.dialect.json('view')} -> 'caller' ->> 'name' AS name FROM call_views`);
    assert.deepEqual(JSON.parse(rows[0]?.view ?? ''), { caller: { name: 'Bo' }, kept: 2, added: [1], left: 4 });
    assert.equal(rows[0]?.name, 'Bo');
  });

  it('commits a transaction whole, or nothing of it when a step throws', async () => {
    const kept = await driver.transaction(function* () {
      yield* step('INSERT INTO leases (name, lease_until) VALUES ($1, 1)', 'one');
      return (yield* step('INSERT INTO leases (name, lease_until) VALUES ($1, 1)', 'two')).changes;
    });
    assert.equal(kept, 1);
    await assert.rejects(
      Promise.resolve().then(() =>
        driver.transaction(function* () {
          yield* step('INSERT INTO leases (name, lease_until) VALUES ($1, 1)', 'three');
          throw new Error('changed my mind');
        }),
      ),
      /changed my mind/,
    );
    const { rows } = await driver.run<{ name: string }>('SELECT name FROM leases ORDER BY name');
    assert.deepEqual(rows.map((row) => row.name), ['one', 'two']);
  });
}

describe('The SQLite driver', () => {
  driverContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parkbot-driver-'));
    return { driver: new SqliteDriver(join(dir, 'parkbot.db'), () => undefined), cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
  });
});

describe('The PostgreSQL driver', () => {
  driverContract(async () => {
    const url = await freshDatabase();
    if (!url) return undefined;
    const driver = new PostgresDriver(url, () => undefined);
    await driver.transaction(migrate, { alone: true });
    return { driver, cleanUp: () => undefined };
  });
});
