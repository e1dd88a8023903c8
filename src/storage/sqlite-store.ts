import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { PRUNE_INTERVAL_MS, SEEN_EVENT_TTL_MS, type LinkedAccount, type LinkState, type ParkedCall, type PersonRef, type Store } from './store.js';
import { PARKED_COLUMNS, toAccount, toLinkState, toParkedCall, type AccountRow, type LinkStateRow, type ParkedRow } from './rows.js';

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
    this
      .statement('INSERT INTO parked_calls (id, room_id, record, state, claimed_by, claimed_at, claim_key, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(call.id, call.roomId, JSON.stringify(call), call.state, call.claim?.personId ?? null, call.claim?.at ?? null, call.claim?.key ?? null, call.parkedAt);
  }

  async parkedCall(id: string): Promise<ParkedCall | undefined> {
    const row = this.statement(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE id = ?`).get(id) as ParkedRow | undefined;
    return row ? toParkedCall(row) : undefined;
  }

  async waitingInRoom(roomId: string): Promise<ParkedCall[]> {
    const rows = this
      .statement(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE room_id = ? AND state = 'waiting' ORDER BY parked_at`)
      .all(roomId) as ParkedRow[];
    return rows.map(toParkedCall);
  }

  async attachCard(id: string, cardMessageId: string): Promise<void> {
    this.statement("UPDATE parked_calls SET record = json_set(record, '$.cardMessageId', ?) WHERE id = ?").run(cardMessageId, id);
  }

  async completePark(id: string, parkedAgainst: ParkedCall['parkedAgainst']): Promise<void> {
    this.statement("UPDATE parked_calls SET state = 'waiting', record = json_set(record, '$.parkedAgainst', json(?)) WHERE id = ? AND state = 'parking'").run(
      JSON.stringify(parkedAgainst),
      id,
    );
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

  async markRetrieved(id: string, by: PersonRef, at: string): Promise<void> {
    this
      .statement(
        `UPDATE parked_calls SET state = 'retrieved', claimed_by = NULL, claimed_at = NULL, claim_key = NULL,
           record = json_set(record, '$.retrievedBy', json(?), '$.retrievedAt', ?)
         WHERE id = ? AND state = 'retrieving' AND claimed_by = ?`,
      )
      .run(JSON.stringify(by), at, id, by.personId);
  }

  async releaseClaim(id: string, personId: string): Promise<void> {
    this
      .statement("UPDATE parked_calls SET state = 'waiting', claimed_by = NULL, claimed_at = NULL, claim_key = NULL WHERE id = ? AND state = 'retrieving' AND claimed_by = ?")
      .run(id, personId);
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

  async ping(): Promise<void> {
    this.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
