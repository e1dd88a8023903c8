import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';
import type { DatabaseSetting } from '../config.js';

/** The store DATABASE_URL names: an embedded SQLite file, or a PostgreSQL shared by instances. */
export async function openStore(database: DatabaseSetting): Promise<Store> {
  return database.kind === 'postgres' ? PostgresStore.open(database.url) : new SqliteStore(database.path);
}
