import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import {
  PRUNE_INTERVAL_MS,
  SEEN_EVENT_TTL_MS,
  type CallEventSubscription,
  type LinkedAccount,
  type LinkState,
  type ParkedCall,
  type ParkedCallMove,
  type ParkState,
  type Store,
} from './store.js';
import {
  INSERT_PARKED_COLUMNS,
  OPEN_STATES,
  PARKED_COLUMNS,
  movedColumns,
  parkedCallValues,
  toAccount,
  toLinkState,
  toParkedCall,
  toSubscription,
  type AccountRow,
  type LinkStateRow,
  type ParkedRow,
  type SubscriptionRow,
} from './rows.js';

/** The embedded store: one SQLite file, created with its folder on first start. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** Preparing a statement costs more than running it: each SQL text is prepared once. */
  private readonly statements = new Map<string, Database.Statement>();
  private lastPrunedAt = 0;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const apply = this.db.transaction(() => {
      const row = this.db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
      MIGRATIONS.slice(row.version ?? 0).forEach((sql, index) => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run((row.version ?? 0) + index + 1, new Date().toISOString());
      });
    });
    apply.immediate();
  }

  async saveParkedCall(call: ParkedCall): Promise<void> {
    this.statement(`INSERT INTO parked_calls (${INSERT_PARKED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...parkedCallValues(call));
  }

  async parkedCall(id: string): Promise<ParkedCall | undefined> {
    const row = this.statement(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE id = ?`).get(id) as ParkedRow | undefined;
    return row ? toParkedCall(row) : undefined;
  }

  private inStates(where: string, value: string, states: readonly ParkState[]): ParkedCall[] {
    const rows = this
      .statement(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE ${where} AND state IN (SELECT value FROM json_each(?)) ORDER BY parked_at`)
      .all(value, JSON.stringify(states)) as ParkedRow[];
    return rows.map(toParkedCall);
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

  async parkedCallByHandedCall(callId: string): Promise<ParkedCall | undefined> {
    const row = this.statement(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE handed_call_id = ?`).get(callId) as ParkedRow | undefined;
    return row ? toParkedCall(row) : undefined;
  }

  async attachCard(id: string, cardMessageId: string): Promise<string | undefined> {
    return this.db.transaction(() => {
      const row = this.statement("SELECT json_extract(record, '$.cardMessageId') AS previous FROM parked_calls WHERE id = ?").get(id) as { previous: string | null } | undefined;
      this.statement("UPDATE parked_calls SET record = json_set(record, '$.cardMessageId', ?) WHERE id = ?").run(cardMessageId, id);
      return row?.previous ?? undefined;
    })();
  }

  async attachPrivateCard(id: string, card: { roomId: string; messageId: string }): Promise<{ roomId: string; messageId: string } | undefined> {
    return this.db.transaction(() => {
      const row = this.statement("SELECT json_extract(record, '$.privateCard') AS previous FROM parked_calls WHERE id = ?").get(id) as { previous: string | null } | undefined;
      this.statement("UPDATE parked_calls SET record = json_set(record, '$.privateCard', json(?)) WHERE id = ?").run(JSON.stringify(card), id);
      return row?.previous ? (JSON.parse(row.previous) as { roomId: string; messageId: string }) : undefined;
    })();
  }

  async savePendingPark(personId: string, request: string, nowMs: number): Promise<void> {
    this
      .statement('INSERT INTO pending_parks (person_id, request, saved_at) VALUES (?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET request = excluded.request, saved_at = excluded.saved_at')
      .run(personId, request, nowMs);
  }

  async takePendingPark(personId: string, sinceMs: number): Promise<string | undefined> {
    const row = this.statement('DELETE FROM pending_parks WHERE person_id = ? RETURNING request, saved_at').get(personId) as { request: string; saved_at: number } | undefined;
    return row && Number(row.saved_at) > sinceMs ? row.request : undefined;
  }

  async moveParkedCall(id: string, move: ParkedCallMove): Promise<boolean> {
    const columns = movedColumns(move);
    const result = this
      .statement(
        `UPDATE parked_calls SET state = ?, record = json_patch(record, ?), claimed_by = NULL, claimed_at = NULL, claim_key = NULL,
           park_number = COALESCE(?, park_number), handed_call_id = COALESCE(?, handed_call_id), closed_at = COALESCE(?, closed_at)
         WHERE id = ? AND state IN (SELECT value FROM json_each(?)) AND (? IS NULL OR claimed_by = ?) AND (? IS NULL OR handed_call_id = ?)`,
      )
      .run(
        move.to,
        JSON.stringify(move.changes),
        columns.parkNumber,
        columns.handedCallId,
        columns.closedAt,
        id,
        JSON.stringify(move.from),
        move.claimedBy ?? null,
        move.claimedBy ?? null,
        move.handedCallId ?? null,
        move.handedCallId ?? null,
      );
    return result.changes === 1;
  }

  async pruneParkedCalls(closedBeforeMs: number, parkingBeforeIso: string): Promise<number> {
    return this
      .statement("DELETE FROM parked_calls WHERE (closed_at IS NOT NULL AND closed_at < ?) OR (state = 'parking' AND parked_at < ?)")
      .run(closedBeforeMs, parkingBeforeIso).changes;
  }

  async claimForRetrieve(id: string, personId: string, claimKey: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const result = this
      .statement(
        `UPDATE parked_calls SET state = 'retrieving', claimed_by = ?, claimed_at = ?, claim_key = ?
         WHERE id = ? AND (state = 'waiting' OR (state = 'retrieving' AND (claimed_at < ? OR claim_key = ?)))`,
      )
      .run(personId, nowMs, claimKey, id, nowMs - leaseMs, claimKey);
    return result.changes === 1;
  }

  async account(personId: string): Promise<LinkedAccount | undefined> {
    const row = this.statement('SELECT * FROM linked_accounts WHERE person_id = ?').get(personId) as AccountRow | undefined;
    return row ? toAccount(row) : undefined;
  }

  async saveAccount(account: LinkedAccount): Promise<void> {
    this
      .statement(
        `INSERT INTO linked_accounts (person_id, display_name, sealed_access_token, sealed_refresh_token, access_expires_at, refresh_expires_at, scope, linked_at)
         VALUES (@personId, @displayName, @sealedAccessToken, @sealedRefreshToken, @accessExpiresAt, @refreshExpiresAt, @scope, @linkedAt)
         ON CONFLICT (person_id) DO UPDATE SET display_name = excluded.display_name, sealed_access_token = excluded.sealed_access_token,
           sealed_refresh_token = excluded.sealed_refresh_token, access_expires_at = excluded.access_expires_at,
           refresh_expires_at = excluded.refresh_expires_at, scope = excluded.scope, linked_at = excluded.linked_at`,
      )
      .run({ ...account, refreshExpiresAt: account.refreshExpiresAt ?? null });
  }

  async linkedPersonIds(): Promise<string[]> {
    return (this.statement('SELECT person_id FROM linked_accounts ORDER BY person_id').all() as { person_id: string }[]).map((row) => row.person_id);
  }

  async deleteAccount(personId: string): Promise<boolean> {
    return this.statement('DELETE FROM linked_accounts WHERE person_id = ?').run(personId).changes > 0;
  }

  async saveLinkState(state: LinkState): Promise<void> {
    this.statement('DELETE FROM link_states WHERE expires_at <= ?').run(Date.now());
    this
      .statement('INSERT INTO link_states (id, person_id, code_verifier, expires_at) VALUES (?, ?, ?, ?)')
      .run(state.id, state.personId, state.codeVerifier, state.expiresAt);
  }

  async linkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const row = this.statement('SELECT * FROM link_states WHERE id = ? AND expires_at > ?').get(id, nowMs) as LinkStateRow | undefined;
    return row ? toLinkState(row) : undefined;
  }

  async takeLinkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const row = this.statement('DELETE FROM link_states WHERE id = ? RETURNING *').get(id) as LinkStateRow | undefined;
    return row && Number(row.expires_at) > nowMs ? toLinkState(row) : undefined;
  }

  async takeDelivery(eventKey: string, body: string, nowMs: number, leaseMs: number, keepMs = SEEN_EVENT_TTL_MS): Promise<boolean> {
    if (nowMs - this.lastPrunedAt > Math.min(keepMs, PRUNE_INTERVAL_MS)) {
      this.statement('DELETE FROM inbox WHERE seen_at < ?').run(nowMs - keepMs);
      this.lastPrunedAt = nowMs;
    }
    return (
      this.statement('INSERT INTO inbox (event_key, body, seen_at, lease_until) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(eventKey, body, nowMs, nowMs + leaseMs)
        .changes === 1
    );
  }

  async renewDelivery(eventKey: string, leaseUntilMs: number): Promise<void> {
    this.statement('UPDATE inbox SET lease_until = ? WHERE event_key = ? AND done_at IS NULL').run(leaseUntilMs, eventKey);
  }

  async finishDelivery(eventKey: string, nowMs: number): Promise<void> {
    this.statement('UPDATE inbox SET done_at = ? WHERE event_key = ?').run(nowMs, eventKey);
  }

  async staleDeliveries(nowMs: number, leaseMs: number, maxAttempts: number): Promise<{ eventKey: string; body: string }[]> {
    const rows = this.statement(
      `UPDATE inbox SET lease_until = ?, attempts = attempts + 1
       WHERE done_at IS NULL AND lease_until < ? AND attempts < ? RETURNING event_key, body`,
    ).all(nowMs + leaseMs, nowMs, maxAttempts) as { event_key: string; body: string }[];
    return rows.map((row) => ({ eventKey: row.event_key, body: row.body }));
  }

  async openSubscription(personId: string, key: string): Promise<CallEventSubscription> {
    this.statement("INSERT INTO call_event_subscriptions (person_id, url_key, status) VALUES (?, ?, 'pending') ON CONFLICT DO NOTHING").run(personId, key);
    return (await this.subscription(personId)) as CallEventSubscription;
  }

  async subscription(personId: string): Promise<CallEventSubscription | undefined> {
    const row = this.statement('SELECT * FROM call_event_subscriptions WHERE person_id = ?').get(personId) as SubscriptionRow | undefined;
    return row ? toSubscription(row) : undefined;
  }

  async subscriptionByKey(key: string): Promise<CallEventSubscription | undefined> {
    const row = this.statement('SELECT * FROM call_event_subscriptions WHERE url_key = ?').get(key) as SubscriptionRow | undefined;
    return row ? toSubscription(row) : undefined;
  }

  async leaseSubscription(personId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return this.statement('UPDATE call_event_subscriptions SET lease_until = ? WHERE person_id = ? AND lease_until < ?').run(nowMs + leaseMs, personId, nowMs).changes === 1;
  }

  async recordSubscription(personId: string, result: Omit<CallEventSubscription, 'personId' | 'key'>): Promise<void> {
    this
      .statement('UPDATE call_event_subscriptions SET webhook_id = ?, status = ?, reason = ?, fingerprint = ?, checked_at = ?, lease_until = 0 WHERE person_id = ?')
      .run(result.webhookId ?? null, result.status, result.reason ?? null, result.fingerprint ?? null, result.checkedAt ?? null, personId);
  }

  async deleteSubscription(personId: string): Promise<void> {
    this.statement('DELETE FROM call_event_subscriptions WHERE person_id = ?').run(personId);
  }

  async takeLease(name: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return (
      this
        .statement('INSERT INTO leases (name, lease_until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until WHERE leases.lease_until < ?')
        .run(name, nowMs + leaseMs, nowMs).changes === 1
    );
  }

  async ping(): Promise<void> {
    this.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
