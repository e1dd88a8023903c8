import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { dirname } from 'node:path';
import { makePrivateFile, makePrivateFolder, type PrivateFile } from './private-files.js';
import { MIGRATIONS } from './migrations.js';
import { PERSON_LINES_SQL, REPORT_SQL, RING_CHOICE_SQL } from './queries.js';
import { currentAttempt, SupersededError } from '../fence.js';
import {
  PRUNE_INTERVAL_MS,
  SEEN_EVENT_TTL_MS,
  type CallEventSubscription,
  type SubscriptionResult,
  type LinkedAccount,
  type LinkState,
  type ParkedCall,
  type ParkedCallMove,
  type ParkState,
  type RingChoice,
  type SealedTokens,
  type Store,
  type UpkeepDue,
  type Versioned,
} from './store.js';
import {
  INSERT_PARKED_COLUMNS,
  OPEN_STATES,
  IN_FLIGHT_STATES,
  SHOWN_STATES,
  PARKED_COLUMNS,
  movedColumns,
  parkedCallValues,
  toAccount,
  toLinkState,
  toParkedCall,
  toRingChoice,
  toSubscription,
  type AccountRow,
  type LinkStateRow,
  type ParkedRow,
  type RingChoiceRow,
  type SubscriptionRow,
  type ReportHourRow,
  toHourTally,
  tallyJson,
} from './rows.js';
import type { HourTally } from '../report/figures.js';

/**
 * How every connection is set up, the busy timeout first: switching to WAL takes a lock a backup or
 * another process starting may hold for a moment. WAL lets readers (and `npm run backup`) go on while the bot writes.
 * `synchronous = NORMAL`, as better-sqlite3 was built: a commit survives the bot crashing or being
 * killed at any point; only an OS crash or power cut can lose the last ones. SQLite's own default, FULL,
 * waits for an fsync at every commit on the event loop (measured: 1.5 ms per write against 0.1 ms,
 * bench/sqlite-drivers.ts); use PostgreSQL where that guarantee is needed.
 */
export const SQLITE_PRAGMAS = ['busy_timeout = 5000', 'journal_mode = WAL', 'synchronous = NORMAL'];

/**
 * Once migrated, how long a statement waits for another process's write lock. node:sqlite waits on
 * the event loop, so this stays short: a lock held longer is an outage, which src/storage/database-gate.ts
 * waits out without blocking (its probe does not wait at all).
 */
const RUNNING_BUSY_TIMEOUT_MS = 1000;

/**
 * The embedded store: one SQLite file, created with its folder on first start, through Node's built-in
 * `node:sqlite` (no native module to build, so the same install runs on every supported Node line).
 */
export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  /** Preparing a statement costs more than running it: each SQL text is prepared once. */
  private readonly statements = new Map<string, StatementSync>();
  private lastPrunedAt = 0;

  /** `onFileModes` hears of files that were open to others and are now 0600, or could not be made so. */
  constructor(path: string, onFileModes: (files: Record<string, PrivateFile>) => void = () => undefined) {
    if (path !== ':memory:') {
      makePrivateFolder(dirname(path));
      // SQLite creates the -wal and -shm files with the database file's permissions: it is made 0600 first.
      const modes = Object.fromEntries([path, `${path}-wal`, `${path}-shm`].map((file) => [file, makePrivateFile(file, file === path)]));
      const changed = Object.fromEntries(Object.entries(modes).filter(([, mode]) => mode === 'tightened' || mode === 'could-not'));
      if (Object.keys(changed).length) onFileModes(changed);
    }
    this.db = new DatabaseSync(path);
    SQLITE_PRAGMAS.forEach((pragma) => this.db.exec(`PRAGMA ${pragma}`));
    this.migrate();
    this.db.exec(`PRAGMA busy_timeout = ${RUNNING_BUSY_TIMEOUT_MS}`);
  }

  private statement(sql: string): StatementSync {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private row<T>(sql: string, ...values: SQLInputValue[]): T | undefined {
    return this.statement(sql).get(...values) as T | undefined;
  }

  private rows<T>(sql: string, ...values: SQLInputValue[]): T[] {
    return this.statement(sql).all(...values) as T[];
  }

  private changes(sql: string, ...values: SQLInputValue[]): number {
    return Number(this.statement(sql).run(...values).changes);
  }

  /** Runs `work` in one write transaction; IMMEDIATE so another process waits (busy_timeout) rather than interleaving. */
  private transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite may have rolled the transaction back itself (a full disk does): the original error is
      // the one to tell, not ROLLBACK's "no transaction is active", which would hide an outage.
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // nothing left to roll back
      }
      throw error;
    }
  }

  /**
   * A write of a parked call, fenced when made for an event (src/fence.ts): in one transaction with
   * the check that the event's inbox row still has the running attempt.
   */
  private fenced<T>(write: () => T): T {
    const attempt = currentAttempt();
    return this.transaction(() => {
      if (attempt && !this.holds(attempt.eventKey, attempt.attempt)) throw new SupersededError(attempt);
      return write();
    });
  }

  private holds(eventKey: string, attempt: number): boolean {
    return this.row('SELECT 1 AS held FROM inbox WHERE event_key = ? AND attempts = ?', eventKey, attempt) !== undefined;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    // A second process starting at the same moment waits for this one instead of migrating twice.
    this.transaction(() => {
      const applied = this.row<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations')?.version ?? 0;
      MIGRATIONS.slice(applied).forEach((sql, index) => {
        this.db.exec(sql);
        this.changes('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', applied + index + 1, new Date().toISOString());
      });
    });
  }

  async saveParkedCall(call: ParkedCall): Promise<void> {
    this.fenced(() => this.changes(`INSERT INTO parked_calls (${INSERT_PARKED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ...parkedCallValues(call)));
  }

  async parkedCall(id: string): Promise<ParkedCall | undefined> {
    const row = this.row<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE id = ?`, id);
    return row ? toParkedCall(row) : undefined;
  }

  private inStates(where: string, value: string, states: readonly ParkState[]): ParkedCall[] {
    return this.rows<ParkedRow>(
      `SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE ${where} AND state IN (SELECT value FROM json_each(?)) ORDER BY parked_at`,
      value,
      JSON.stringify(states),
    ).map(toParkedCall);
  }

  async waitingInRoom(roomId: string): Promise<ParkedCall[]> {
    return this.inStates('room_id = ?', roomId, ['waiting']);
  }

  async parkedOnNumber(number: string, states: readonly ParkState[]): Promise<ParkedCall[]> {
    return this.inStates('park_number = ?', number, states);
  }

  async openParkedBefore(parkedAtIso: string): Promise<ParkedCall[]> {
    return this.inStates('parked_at < ?', parkedAtIso, OPEN_STATES);
  }

  async retrievesBy(personId: string): Promise<ParkedCall[]> {
    return this.inStates("? = CASE state WHEN 'retrieving' THEN claimed_by ELSE json_extract(record, '$.ringingFor.personId') END", personId, IN_FLIGHT_STATES);
  }

  async parkedCallByHandedCall(callId: string): Promise<ParkedCall | undefined> {
    const row = this.row<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE handed_call_id = ?`, callId);
    return row ? toParkedCall(row) : undefined;
  }

  async attachCard(id: string, cardMessageId: string): Promise<string | undefined> {
    return this.fenced(() => {
      const row = this.row<{ previous: string | null }>("SELECT json_extract(record, '$.cardMessageId') AS previous FROM parked_calls WHERE id = ?", id);
      this.changes("UPDATE parked_calls SET record = json_remove(json_set(record, '$.cardMessageId', ?), '$.cardOwedAt') WHERE id = ?", cardMessageId, id);
      return row?.previous ?? undefined;
    });
  }

  async oweCard(id: string, atIso: string): Promise<void> {
    this.changes("UPDATE parked_calls SET record = json_set(record, '$.cardOwedAt', ?) WHERE id = ? AND json_extract(record, '$.cardOwedAt') IS NULL", atIso, id);
  }

  async owedCards(sinceIso: string): Promise<ParkedCall[]> {
    return this.inStates("json_extract(record, '$.cardOwedAt') >= ?", sinceIso, SHOWN_STATES);
  }

  async attachPrivateCard(id: string, card: { roomId: string; messageId: string }): Promise<{ roomId: string; messageId: string } | undefined> {
    return this.fenced(() => {
      const row = this.row<{ previous: string | null }>("SELECT json_extract(record, '$.privateCard') AS previous FROM parked_calls WHERE id = ?", id);
      this.changes("UPDATE parked_calls SET record = json_set(record, '$.privateCard', json(?)) WHERE id = ?", JSON.stringify(card), id);
      return row?.previous ? (JSON.parse(row.previous) as { roomId: string; messageId: string }) : undefined;
    });
  }

  async attachMention(id: string, messageId: string): Promise<string | undefined> {
    return this.fenced(() => {
      const row = this.row<{ previous: string | null }>("SELECT json_extract(record, '$.mentionMessageId') AS previous FROM parked_calls WHERE id = ?", id);
      this.changes("UPDATE parked_calls SET record = json_set(record, '$.mentionMessageId', ?) WHERE id = ?", messageId, id);
      return row?.previous ?? undefined;
    });
  }

  async savePendingPark(personId: string, request: string, nowMs: number): Promise<void> {
    this.changes(
      'INSERT INTO pending_parks (person_id, request, saved_at) VALUES (?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET request = excluded.request, saved_at = excluded.saved_at',
      personId,
      request,
      nowMs,
    );
  }

  async takePendingPark(personId: string, sinceMs: number): Promise<string | undefined> {
    const row = this.row<{ request: string; saved_at: number }>('DELETE FROM pending_parks WHERE person_id = ? RETURNING request, saved_at', personId);
    return row && Number(row.saved_at) > sinceMs ? row.request : undefined;
  }

  async moveParkedCall(id: string, move: ParkedCallMove): Promise<boolean> {
    const columns = movedColumns(move);
    // Each changed field is replaced whole, as PostgreSQL's `||` does: json_patch would merge a nested
    // object into the old one, keeping keys the new one lacks (a caller's number, say).
    const fields = Object.entries(move.changes).filter(([, value]) => value !== undefined);
    const changed = this.fenced(() => this.changes(
      `UPDATE parked_calls SET state = ?, record = ${fields.length ? `json_set(record${', ?, json(?)'.repeat(fields.length)})` : 'record'}, claimed_by = NULL, claimed_at = NULL, claim_key = NULL,
         park_number = COALESCE(?, park_number), handed_call_id = COALESCE(?, handed_call_id), closed_at = COALESCE(?, closed_at)
       WHERE id = ? AND state IN (SELECT value FROM json_each(?)) AND (? IS NULL OR claimed_by = ?) AND (? IS NULL OR handed_call_id = ?)`,
      move.to,
      ...fields.flatMap(([key, value]) => [`$.${key}`, JSON.stringify(value)]),
      columns.parkNumber,
      columns.handedCallId,
      columns.closedAt,
      id,
      JSON.stringify(move.from),
      move.claimedBy ?? null,
      move.claimedBy ?? null,
      move.handedCallId ?? null,
      move.handedCallId ?? null,
    ));
    return changed === 1;
  }

  async pruneParkedCalls(closedBeforeMs: number, parkingBeforeIso: string): Promise<number> {
    return this.changes(
      "DELETE FROM parked_calls WHERE (closed_at IS NOT NULL AND closed_at < ?) OR (state = 'parking' AND parked_at < ?)",
      closedBeforeMs,
      parkingBeforeIso,
    );
  }

  async claimForRetrieve(id: string, personId: string, claimKey: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const changed = this.fenced(() =>
      this.changes(
        `UPDATE parked_calls SET state = 'retrieving', claimed_by = ?, claimed_at = ?, claim_key = ?
         WHERE id = ? AND (state = 'waiting' OR (state = 'retrieving' AND (claimed_at < ? OR claim_key = ?)))`,
        personId,
        nowMs,
        claimKey,
        id,
        nowMs - leaseMs,
        claimKey,
      ),
    );
    return changed === 1;
  }

  async account(personId: string): Promise<LinkedAccount | undefined> {
    const row = this.row<AccountRow>('SELECT * FROM linked_accounts WHERE person_id = ?', personId);
    return row ? toAccount(row) : undefined;
  }

  async saveAccount(account: LinkedAccount): Promise<void> {
    this.changes(
      `INSERT INTO linked_accounts (person_id, display_name, sealed_access_token, sealed_refresh_token, access_expires_at, refresh_expires_at, scope, linked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (person_id) DO UPDATE SET display_name = excluded.display_name, sealed_access_token = excluded.sealed_access_token,
         sealed_refresh_token = excluded.sealed_refresh_token, access_expires_at = excluded.access_expires_at,
         refresh_expires_at = excluded.refresh_expires_at, scope = excluded.scope, linked_at = excluded.linked_at`,
      account.personId,
      account.displayName,
      account.sealedAccessToken,
      account.sealedRefreshToken,
      account.accessExpiresAt,
      account.refreshExpiresAt ?? null,
      account.scope,
      account.linkedAt,
    );
  }

  async linkedPersonIds(): Promise<string[]> {
    return this.rows<{ person_id: string }>('SELECT person_id FROM linked_accounts ORDER BY person_id').map((row) => row.person_id);
  }

  async deleteAccount(personId: string): Promise<boolean> {
    return this.changes('DELETE FROM linked_accounts WHERE person_id = ?', personId) > 0;
  }

  async resealAccount(personId: string, from: SealedTokens, to: SealedTokens): Promise<boolean> {
    return (
      this.changes(
        'UPDATE linked_accounts SET sealed_access_token = ?, sealed_refresh_token = ? WHERE person_id = ? AND sealed_access_token = ? AND sealed_refresh_token = ?',
        to.sealedAccessToken,
        to.sealedRefreshToken,
        personId,
        from.sealedAccessToken,
        from.sealedRefreshToken,
      ) === 1
    );
  }

  async personLines(personId: string): Promise<string | undefined> {
    return this.row<{ lines: string }>(PERSON_LINES_SQL.read, personId)?.lines;
  }

  async savePersonLines(personId: string, json: string, readAtMs: number): Promise<void> {
    this.changes(PERSON_LINES_SQL.save, personId, json, readAtMs);
  }

  async reportHours(roomId: string, fromMs: number, toMs: number): Promise<HourTally[]> {
    return this.rows<ReportHourRow>(REPORT_SQL.read, roomId, fromMs, toMs).map(toHourTally);
  }

  async keepReportHours(roomId: string, tallies: readonly HourTally[]): Promise<void> {
    if (tallies.length) this.transaction(() => tallies.forEach((tally) => this.changes(REPORT_SQL.keep, roomId, tally.hourStartMs, tallyJson(tally))));
  }

  async pruneReportHours(beforeMs: number): Promise<number> {
    return this.changes(REPORT_SQL.prune, beforeMs);
  }

  async parkedCallsBetween(fromIso: string, toIso: string, roomId?: string): Promise<ParkedCall[]> {
    return this.rows<ParkedRow>(REPORT_SQL.parkedBetween, fromIso, toIso, roomId ?? null).map(toParkedCall);
  }

  async ringChoice(personId: string): Promise<RingChoice | undefined> {
    const row = this.row<RingChoiceRow>(RING_CHOICE_SQL.read, personId);
    return row ? toRingChoice(row) : undefined;
  }

  async saveRingChoice(personId: string, choice: RingChoice, nowMs: number): Promise<void> {
    this.changes(RING_CHOICE_SQL.save, personId, choice.endpointId, choice.name, nowMs);
  }

  async clearRingChoice(personId: string, endpointId?: string): Promise<boolean> {
    return this.changes(RING_CHOICE_SQL.clear, personId, endpointId ?? null) === 1;
  }

  async saveLinkState(state: LinkState): Promise<void> {
    this.changes('DELETE FROM link_states WHERE expires_at <= ?', Date.now());
    this.changes('INSERT INTO link_states (id, person_id, code_verifier, expires_at) VALUES (?, ?, ?, ?)', state.id, state.personId, state.codeVerifier, state.expiresAt);
  }

  async linkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const row = this.row<LinkStateRow>('SELECT * FROM link_states WHERE id = ? AND expires_at > ?', id, nowMs);
    return row ? toLinkState(row) : undefined;
  }

  async deleteLinkStates(personId: string): Promise<number> {
    return this.changes('DELETE FROM link_states WHERE person_id = ?', personId);
  }

  async takeLinkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const row = this.row<LinkStateRow>('DELETE FROM link_states WHERE id = ? RETURNING *', id);
    return row && Number(row.expires_at) > nowMs ? toLinkState(row) : undefined;
  }

  async takeDelivery(eventKey: string, body: string, nowMs: number, leaseMs: number, keepMs = SEEN_EVENT_TTL_MS): Promise<boolean> {
    if (nowMs - this.lastPrunedAt > Math.min(keepMs, PRUNE_INTERVAL_MS)) {
      this.changes('DELETE FROM inbox WHERE seen_at < ?', nowMs - keepMs);
      this.lastPrunedAt = nowMs;
    }
    return this.changes('INSERT INTO inbox (event_key, body, seen_at, lease_until) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', eventKey, body, nowMs, nowMs + leaseMs) === 1;
  }

  async renewDelivery(eventKey: string, leaseUntilMs: number, attempt?: number): Promise<void> {
    this.changes('UPDATE inbox SET lease_until = ? WHERE event_key = ? AND done_at IS NULL AND (? IS NULL OR attempts = ?)', leaseUntilMs, eventKey, attempt ?? null, attempt ?? null);
  }

  async finishDelivery(eventKey: string, nowMs: number, attempt?: number): Promise<void> {
    this.changes('UPDATE inbox SET done_at = ? WHERE event_key = ? AND (? IS NULL OR attempts = ?)', nowMs, eventKey, attempt ?? null, attempt ?? null);
  }

  async staleDeliveries(nowMs: number, leaseMs: number, maxAttempts: number): Promise<{ eventKey: string; body: string; attempt: number }[]> {
    const rows = this.rows<{ event_key: string; body: string; attempts: number }>(
      `UPDATE inbox SET lease_until = ?, attempts = attempts + 1
       WHERE done_at IS NULL AND lease_until < ? AND attempts < ? RETURNING event_key, body, attempts`,
      nowMs + leaseMs,
      nowMs,
      maxAttempts,
    );
    return rows.map((row) => ({ eventKey: row.event_key, body: row.body, attempt: Number(row.attempts) }));
  }

  async attemptHolds(eventKey: string, attempt: number): Promise<boolean> {
    return this.holds(eventKey, attempt);
  }

  async attemptLease(eventKey: string, attempt: number): Promise<number | undefined> {
    const row = this.row<{ lease_until: number }>('SELECT lease_until FROM inbox WHERE event_key = ? AND attempts = ?', eventKey, attempt);
    return row ? Number(row.lease_until) : undefined;
  }

  async openSubscription(personId: string, key: string): Promise<CallEventSubscription> {
    this.changes("INSERT INTO call_event_subscriptions (person_id, url_key, status) VALUES (?, ?, 'pending') ON CONFLICT DO NOTHING", personId, key);
    return (await this.subscription(personId)) as CallEventSubscription;
  }

  async subscription(personId: string): Promise<CallEventSubscription | undefined> {
    const row = this.row<SubscriptionRow>('SELECT * FROM call_event_subscriptions WHERE person_id = ?', personId);
    return row ? toSubscription(row) : undefined;
  }

  async subscriptionByKey(key: string): Promise<CallEventSubscription | undefined> {
    const row = this.row<SubscriptionRow>('SELECT * FROM call_event_subscriptions WHERE url_key = ?', key);
    return row ? toSubscription(row) : undefined;
  }

  async leaseSubscription(personId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return this.changes('UPDATE call_event_subscriptions SET lease_until = ? WHERE person_id = ? AND lease_until < ?', nowMs + leaseMs, personId, nowMs) === 1;
  }

  async recordSubscription(personId: string, result: SubscriptionResult): Promise<void> {
    this.changes(
      'UPDATE call_event_subscriptions SET webhook_id = ?, status = ?, reason = ?, fingerprint = ?, checked_at = ?, url_key = COALESCE(?, url_key), lease_until = 0 WHERE person_id = ?',
      result.webhookId ?? null,
      result.status,
      result.reason ?? null,
      result.fingerprint ?? null,
      result.checkedAt ?? null,
      result.key ?? null,
      personId,
    );
  }

  async deleteSubscription(personId: string): Promise<void> {
    this.transaction(() => {
      this.changes('DELETE FROM call_event_subscriptions WHERE person_id = ?', personId);
      this.changes('DELETE FROM call_views WHERE person_id = ?', personId);
      this.changes('DELETE FROM person_lines WHERE person_id = ?', personId);
    });
  }

  async callView(personId: string): Promise<Versioned | undefined> {
    const row = this.row<{ view: string; version: number }>('SELECT view, version FROM call_views WHERE person_id = ?', personId);
    return row ? { json: row.view, version: Number(row.version) } : undefined;
  }

  async saveCallView(personId: string, json: string, version: number | undefined): Promise<boolean> {
    const changed =
      version === undefined
        ? this.changes('INSERT INTO call_views (person_id, view, version) VALUES (?, ?, 1) ON CONFLICT DO NOTHING', personId, json)
        : this.changes('UPDATE call_views SET view = ?, version = version + 1 WHERE person_id = ? AND version = ?', json, personId, version);
    return changed === 1;
  }

  async dueForUpkeep(due: UpkeepDue): Promise<string[]> {
    return this.rows<{ person_id: string }>(
      `SELECT a.person_id FROM linked_accounts a LEFT JOIN call_event_subscriptions s ON s.person_id = a.person_id
       WHERE s.checked_at IS NULL OR s.checked_at < ? OR (a.refresh_expires_at IS NOT NULL AND a.refresh_expires_at < ?) OR s.fingerprint <> ?
       ORDER BY COALESCE(s.fingerprint <> ?, 0) DESC, MIN(COALESCE(s.checked_at, 0), COALESCE(a.refresh_expires_at, s.checked_at, 0)), a.person_id LIMIT ?`,
      due.checkedBeforeMs,
      due.refreshBeforeMs,
      due.fingerprint,
      due.fingerprint,
      due.limit,
    ).map((row) => row.person_id);
  }

  async touchSubscription(personId: string, nowMs: number): Promise<void> {
    this.changes("UPDATE call_event_subscriptions SET checked_at = ? WHERE person_id = ? AND status = 'active'", nowMs, personId);
  }

  async takeLease(name: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return (
      this.changes(
        'INSERT INTO leases (name, lease_until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until WHERE leases.lease_until < ?',
        name,
        nowMs + leaseMs,
        nowMs,
      ) === 1
    );
  }

  async deadline(name: string, proposedMs: number): Promise<number> {
    const row = this.row<{ lease_until: number }>(
      'INSERT INTO leases (name, lease_until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET lease_until = leases.lease_until RETURNING lease_until',
      name,
      proposedMs,
    );
    return Number(row?.lease_until ?? proposedMs);
  }

  /**
   * Throws unless the database can be written now: takes the write lock without waiting for it (a
   * read would succeed while another process holds that lock) and lets it go.
   */
  async ping(): Promise<void> {
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${RUNNING_BUSY_TIMEOUT_MS}`);
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
