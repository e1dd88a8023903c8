/**
 * SQL that SQLite and PostgreSQL both run, written once with `?` placeholders; PostgreSQL is given
 * them numbered (`numbered`). New queries go here rather than into each store.
 */
export const RING_CHOICE_SQL = {
  read: 'SELECT endpoint_id, endpoint_name FROM ring_choices WHERE person_id = ?',
  save: `INSERT INTO ring_choices (person_id, endpoint_id, endpoint_name, chosen_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (person_id) DO UPDATE SET endpoint_id = excluded.endpoint_id, endpoint_name = excluded.endpoint_name, chosen_at = excluded.chosen_at`,
  /** Without an endpoint id (NULL): whatever the choice is. */
  clear: 'DELETE FROM ring_choices WHERE person_id = ? AND endpoint_id = COALESCE(?, endpoint_id)',
};

/** Each person's secondary lines as last read (issue 26, src/calls/lines.ts): one JSON document a person. */
export const PERSON_LINES_SQL = {
  read: 'SELECT lines FROM person_lines WHERE person_id = ?',
  save: `INSERT INTO person_lines (person_id, lines, read_at) VALUES (?, ?, ?)
         ON CONFLICT (person_id) DO UPDATE SET lines = excluded.lines, read_at = excluded.read_at`,
};

/** The report's hourly tallies (src/report/): the first tally of a space's hour stands. */
export const REPORT_SQL = {
  read: 'SELECT hour_start, tally FROM report_hours WHERE room_id = ? AND hour_start >= ? AND hour_start < ? ORDER BY hour_start',
  keep: 'INSERT INTO report_hours (room_id, hour_start, tally) VALUES (?, ?, ?) ON CONFLICT (room_id, hour_start) DO NOTHING',
  prune: 'DELETE FROM report_hours WHERE hour_start < ?',
  /** A NULL room: every space's. */
  parkedBetween: 'SELECT record, state, claimed_by, claimed_at, claim_key FROM parked_calls WHERE parked_at >= ? AND parked_at < ? AND room_id = COALESCE(?, room_id) ORDER BY parked_at',
};

/** `? … ?` → `$1 … $2`, as node-postgres wants them. */
export function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
