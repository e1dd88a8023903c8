/**
 * The schema, as numbered steps both databases apply in order at start. Written in the SQL both
 * SQLite and PostgreSQL accept, so one list serves both.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE parked_calls (
     id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     record TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('parking', 'waiting', 'retrieving', 'retrieved')),
     claimed_by TEXT,
     claimed_at BIGINT,
     claim_key TEXT,
     parked_at TEXT NOT NULL
   );
   CREATE INDEX parked_calls_room_state ON parked_calls (room_id, state);
   CREATE TABLE linked_accounts (
     person_id TEXT PRIMARY KEY,
     display_name TEXT NOT NULL,
     sealed_access_token TEXT NOT NULL,
     sealed_refresh_token TEXT NOT NULL,
     access_expires_at BIGINT NOT NULL,
     refresh_expires_at BIGINT,
     scope TEXT NOT NULL,
     linked_at TEXT NOT NULL
   );
   CREATE TABLE link_states (
     id TEXT PRIMARY KEY,
     person_id TEXT NOT NULL,
     code_verifier TEXT NOT NULL,
     expires_at BIGINT NOT NULL
   );`,
  `CREATE TABLE inbox (
     event_key TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     seen_at BIGINT NOT NULL,
     done_at BIGINT,
     lease_until BIGINT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 1
   );
   CREATE INDEX inbox_pending ON inbox (done_at, lease_until);
   CREATE INDEX inbox_seen_at ON inbox (seen_at);`,
];
