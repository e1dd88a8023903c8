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
  // Parked calls get their closed states and the columns call events are matched on (existing rows
  // keep working; they are matched by park and caller number only once parked anew).
  `CREATE TABLE parked_calls_v3 (
     id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     record TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('parking', 'waiting', 'retrieving', 'retrieved', 'rang-back', 'picked-up', 'gone', 'superseded', 'expired')),
     claimed_by TEXT,
     claimed_at BIGINT,
     claim_key TEXT,
     parked_at TEXT NOT NULL,
     park_number TEXT,
     caller_number TEXT,
     handed_call_id TEXT,
     closed_at BIGINT
   );
   INSERT INTO parked_calls_v3 (id, room_id, record, state, claimed_by, claimed_at, claim_key, parked_at)
     SELECT id, room_id, record, state, claimed_by, claimed_at, claim_key, parked_at FROM parked_calls;
   DROP TABLE parked_calls;
   ALTER TABLE parked_calls_v3 RENAME TO parked_calls;
   CREATE INDEX parked_calls_room_state ON parked_calls (room_id, state);
   CREATE INDEX parked_calls_park_number ON parked_calls (park_number, state);
   CREATE INDEX parked_calls_caller_number ON parked_calls (caller_number, state);
   CREATE INDEX parked_calls_handed_call ON parked_calls (handed_call_id);
   CREATE INDEX parked_calls_state_parked_at ON parked_calls (state, parked_at);
   CREATE INDEX parked_calls_closed_at ON parked_calls (closed_at);
   CREATE TABLE call_event_subscriptions (
     person_id TEXT PRIMARY KEY,
     url_key TEXT NOT NULL UNIQUE,
     webhook_id TEXT,
     status TEXT NOT NULL,
     reason TEXT,
     fingerprint TEXT,
     checked_at BIGINT,
     lease_until BIGINT NOT NULL DEFAULT 0
   );`,
  `CREATE TABLE leases (
     name TEXT PRIMARY KEY,
     lease_until BIGINT NOT NULL
   );
   CREATE TABLE pending_parks (
     person_id TEXT PRIMARY KEY,
     request TEXT NOT NULL,
     saved_at BIGINT NOT NULL
   );`,
  // A retrieve rings the retriever before it is done: parked calls get the `ringing` state.
  `CREATE TABLE parked_calls_v5 (
     id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     record TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('parking', 'waiting', 'retrieving', 'ringing', 'retrieved', 'rang-back', 'picked-up', 'gone', 'superseded', 'expired')),
     claimed_by TEXT,
     claimed_at BIGINT,
     claim_key TEXT,
     parked_at TEXT NOT NULL,
     park_number TEXT,
     caller_number TEXT,
     handed_call_id TEXT,
     closed_at BIGINT
   );
   INSERT INTO parked_calls_v5 SELECT id, room_id, record, state, claimed_by, claimed_at, claim_key, parked_at, park_number, caller_number, handed_call_id, closed_at FROM parked_calls;
   DROP TABLE parked_calls;
   ALTER TABLE parked_calls_v5 RENAME TO parked_calls;
   CREATE INDEX parked_calls_room_state ON parked_calls (room_id, state);
   CREATE INDEX parked_calls_park_number ON parked_calls (park_number, state);
   CREATE INDEX parked_calls_caller_number ON parked_calls (caller_number, state);
   CREATE INDEX parked_calls_handed_call ON parked_calls (handed_call_id);
   CREATE INDEX parked_calls_state_parked_at ON parked_calls (state, parked_at);
   CREATE INDEX parked_calls_closed_at ON parked_calls (closed_at);`,
  // Each person's choice of the device their retrieves ring on (issue 21).
  `CREATE TABLE ring_choices (
     person_id TEXT PRIMARY KEY,
     endpoint_id TEXT NOT NULL,
     endpoint_name TEXT NOT NULL,
     chosen_at BIGINT NOT NULL
   );`,
  // Each linked person's active calls as their call events tell them (src/calls/call-view.ts), shared by instances.
  `CREATE TABLE call_views (
     person_id TEXT PRIMARY KEY,
     view TEXT NOT NULL,
     version INTEGER NOT NULL
   );`,
  // Each linked person's secondary lines (the main number on their phone), read with their token (issue 26, part "lines").
  `CREATE TABLE person_lines (
     person_id TEXT PRIMARY KEY,
     lines TEXT NOT NULL,
     read_at BIGINT NOT NULL
   );`,
  // Report (issue 27): each space's hourly tallies of parked calls (counts and waits, no person, no
  // caller), kept REPORT_RETENTION_DAYS after the call records are pruned.
  `CREATE TABLE report_hours (
     room_id TEXT NOT NULL,
     hour_start BIGINT NOT NULL,
     tally TEXT NOT NULL,
     PRIMARY KEY (room_id, hour_start)
   );
   CREATE INDEX report_hours_hour ON report_hours (hour_start);
   CREATE INDEX parked_calls_room_parked_at ON parked_calls (room_id, parked_at);
   CREATE INDEX parked_calls_parked_at ON parked_calls (parked_at);`,
];
