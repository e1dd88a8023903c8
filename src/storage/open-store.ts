import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';
import type { DatabaseSetting } from '../config.js';
import type { Logger } from '../logger.js';

/** The store DATABASE_URL names: an embedded SQLite file, or a PostgreSQL shared by instances. */
export async function openStore(database: DatabaseSetting, logger?: Logger): Promise<Store> {
  if (database.kind === 'sqlite') {
    return new SqliteStore(database.path, (files) =>
      logger?.warn({ event: 'database-file-modes', files }, 'Database files were readable by others and are now 0600 ("tightened"), or their mode could not be changed ("could-not": change it yourself)'),
    );
  }
  // Loaded only when used: the PostgreSQL driver is memory an embedded store's bot does not need.
  const { PostgresStore } = await import('./postgres-store.js');
  return PostgresStore.open(database.url, (error) =>
    logger?.warn({ event: 'database-connection-lost', error: error.message }, 'A pooled database connection broke while idle; it is replaced when needed'),
  );
}
