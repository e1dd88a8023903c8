import pg from 'pg';
import { MIGRATIONS } from './migrations.js';
import { numbered, PERSON_LINES_SQL, REPORT_SQL, RING_CHOICE_SQL } from './queries.js';
import { currentAttempt, SupersededError, type Attempt } from '../fence.js';
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

/** A connection that cannot be made in this long counts as an outage, rather than hanging the caller. */
const CONNECT_TIMEOUT_MS = 5000;

/** How long closing waits for queries still running (the graceful stop's drain already gave up on them). */
const CLOSE_TIMEOUT_MS = 3000;

/** Any fixed number: every instance takes this advisory lock to migrate, one at a time. */
const MIGRATION_LOCK = 72_731_001;

/**
 * The fence of a write made for an event (src/fence.ts), as a condition of the write itself, with the
 * event's key and attempt at parameters `$n` and `$n+1` (both null outside an attempt). FOR SHARE
 * holds the inbox row until the write commits, so a takeover (which updates that row) comes wholly
 * before or wholly after it.
 */
const fence = (n: number): string => `($${n}::text IS NULL OR EXISTS (SELECT 1 FROM inbox WHERE event_key = $${n} AND attempts = $${n + 1}::int FOR SHARE))`;

const fenceValues = (attempt: Attempt | undefined): [string | null, number | null] => (attempt ? [attempt.eventKey, attempt.attempt] : [null, null]);

/** The shared store for several instances: PostgreSQL through a connection pool. */
export class PostgresStore implements Store {
  private lastPrunedAt = 0;

  private constructor(private readonly pool: pg.Pool) {}

  /** After a fenced write that changed nothing: throws when the fence is why (a takeover came first). */
  private async unlessSuperseded(attempt: Attempt | undefined): Promise<void> {
    if (attempt && !(await this.attemptHolds(attempt.eventKey, attempt.attempt))) throw new SupersededError(attempt);
  }

  /**
   * Connects and brings the schema up to date; safe when several instances start at once.
   * `onIdleError` hears of pooled connections that break while idle (the server restarting says
   * "terminating connection due to administrator command" on each): the pool drops them and makes
   * new ones, and without a listener node-postgres would end the process.
   */
  static async open(url: string, onIdleError: (error: Error) => void = () => undefined): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    pool.on('error', onIdleError);
    const store = new PostgresStore(pool);
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
      const applied = rows[0]?.version ?? 0;
      for (const [index, sql] of MIGRATIONS.slice(applied).entries()) {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [applied + index + 1, new Date().toISOString()]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async saveParkedCall(call: ParkedCall): Promise<void> {
    const attempt = currentAttempt();
    const result = await this.pool.query(`INSERT INTO parked_calls (${INSERT_PARKED_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE ${fence(11)}`, [
      ...parkedCallValues(call),
      ...fenceValues(attempt),
    ]);
    if (result.rowCount !== 1) await this.unlessSuperseded(attempt);
  }

  async parkedCall(id: string): Promise<ParkedCall | undefined> {
    const { rows } = await this.pool.query<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE id = $1`, [id]);
    return rows[0] ? toParkedCall(rows[0]) : undefined;
  }

  private async inStates(where: string, value: string, states: readonly ParkState[]): Promise<ParkedCall[]> {
    const { rows } = await this.pool.query<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE ${where} AND state = ANY($2::text[]) ORDER BY parked_at`, [value, states]);
    return rows.map(toParkedCall);
  }

  async waitingInRoom(roomId: string): Promise<ParkedCall[]> {
    return this.inStates('room_id = $1', roomId, ['waiting']);
  }

  async parkedOnNumber(number: string, states: readonly ParkState[]): Promise<ParkedCall[]> {
    return this.inStates('park_number = $1', number, states);
  }

  async openParkedBefore(parkedAtIso: string): Promise<ParkedCall[]> {
    return this.inStates('parked_at < $1', parkedAtIso, OPEN_STATES);
  }

  async retrievesBy(personId: string): Promise<ParkedCall[]> {
    return this.inStates("$1 = CASE state WHEN 'retrieving' THEN claimed_by ELSE record::jsonb->'ringingFor'->>'personId' END", personId, IN_FLIGHT_STATES);
  }

  async parkedCallByHandedCall(callId: string): Promise<ParkedCall | undefined> {
    const { rows } = await this.pool.query<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE handed_call_id = $1`, [callId]);
    return rows[0] ? toParkedCall(rows[0]) : undefined;
  }

  async attachCard(id: string, cardMessageId: string): Promise<string | undefined> {
    const attempt = currentAttempt();
    const { rows } = await this.pool.query<{ previous: string | null }>(
      `UPDATE parked_calls p SET record = ((p.record::jsonb || jsonb_build_object('cardMessageId', $1::text)) - 'cardOwedAt')::text
       FROM (SELECT id, record::jsonb ->> 'cardMessageId' AS previous FROM parked_calls WHERE id = $2 FOR UPDATE) old
       WHERE p.id = old.id AND ${fence(3)} RETURNING old.previous`,
      [cardMessageId, id, ...fenceValues(attempt)],
    );
    if (!rows[0]) await this.unlessSuperseded(attempt);
    return rows[0]?.previous ?? undefined;
  }

  async oweCard(id: string, atIso: string): Promise<void> {
    await this.pool.query(
      "UPDATE parked_calls SET record = (record::jsonb || jsonb_build_object('cardOwedAt', $1::text))::text WHERE id = $2 AND record::jsonb->>'cardOwedAt' IS NULL",
      [atIso, id],
    );
  }

  async owedCards(sinceIso: string): Promise<ParkedCall[]> {
    return this.inStates("record::jsonb->>'cardOwedAt' >= $1", sinceIso, SHOWN_STATES);
  }

  async attachPrivateCard(id: string, card: { roomId: string; messageId: string }): Promise<{ roomId: string; messageId: string } | undefined> {
    const attempt = currentAttempt();
    const { rows } = await this.pool.query<{ previous: { roomId: string; messageId: string } | null }>(
      `UPDATE parked_calls p SET record = (p.record::jsonb || jsonb_build_object('privateCard', $1::jsonb))::text
       FROM (SELECT id, record::jsonb -> 'privateCard' AS previous FROM parked_calls WHERE id = $2 FOR UPDATE) old
       WHERE p.id = old.id AND ${fence(3)} RETURNING old.previous`,
      [JSON.stringify(card), id, ...fenceValues(attempt)],
    );
    if (!rows[0]) await this.unlessSuperseded(attempt);
    return rows[0]?.previous ?? undefined;
  }

  async attachMention(id: string, messageId: string): Promise<string | undefined> {
    const attempt = currentAttempt();
    const { rows } = await this.pool.query<{ previous: string | null }>(
      `UPDATE parked_calls p SET record = (p.record::jsonb || jsonb_build_object('mentionMessageId', $1::text))::text
       FROM (SELECT id, record::jsonb ->> 'mentionMessageId' AS previous FROM parked_calls WHERE id = $2 FOR UPDATE) old
       WHERE p.id = old.id AND ${fence(3)} RETURNING old.previous`,
      [messageId, id, ...fenceValues(attempt)],
    );
    if (!rows[0]) await this.unlessSuperseded(attempt);
    return rows[0]?.previous ?? undefined;
  }

  async savePendingPark(personId: string, request: string, nowMs: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO pending_parks (person_id, request, saved_at) VALUES ($1, $2, $3) ON CONFLICT (person_id) DO UPDATE SET request = EXCLUDED.request, saved_at = EXCLUDED.saved_at',
      [personId, request, nowMs],
    );
  }

  async takePendingPark(personId: string, sinceMs: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ request: string; saved_at: string }>('DELETE FROM pending_parks WHERE person_id = $1 RETURNING request, saved_at', [personId]);
    const row = rows[0];
    return row && Number(row.saved_at) > sinceMs ? row.request : undefined;
  }

  async moveParkedCall(id: string, move: ParkedCallMove): Promise<boolean> {
    const columns = movedColumns(move);
    const attempt = currentAttempt();
    const result = await this.pool.query(
      `UPDATE parked_calls SET state = $1, record = (record::jsonb || $2::jsonb)::text, claimed_by = NULL, claimed_at = NULL, claim_key = NULL,
         park_number = COALESCE($3, park_number), handed_call_id = COALESCE($4, handed_call_id), closed_at = COALESCE($5::bigint, closed_at)
       WHERE id = $6 AND state = ANY($7::text[]) AND ($8::text IS NULL OR claimed_by = $8) AND ($9::text IS NULL OR handed_call_id = $9) AND ${fence(10)}`,
      [
        move.to,
        JSON.stringify(move.changes),
        columns.parkNumber,
        columns.handedCallId,
        columns.closedAt,
        id,
        move.from,
        move.claimedBy ?? null,
        move.handedCallId ?? null,
        ...fenceValues(attempt),
      ],
    );
    if (result.rowCount !== 1) await this.unlessSuperseded(attempt);
    return result.rowCount === 1;
  }

  async pruneParkedCalls(closedBeforeMs: number, parkingBeforeIso: string): Promise<number> {
    const result = await this.pool.query(
      "DELETE FROM parked_calls WHERE (closed_at IS NOT NULL AND closed_at < $1) OR (state = 'parking' AND parked_at < $2)",
      [closedBeforeMs, parkingBeforeIso],
    );
    return result.rowCount ?? 0;
  }

  async claimForRetrieve(id: string, personId: string, claimKey: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const attempt = currentAttempt();
    const result = await this.pool.query(
      `UPDATE parked_calls SET state = 'retrieving', claimed_by = $1, claimed_at = $2, claim_key = $3
       WHERE id = $4 AND (state = 'waiting' OR (state = 'retrieving' AND (claimed_at < $5 OR claim_key = $3))) AND ${fence(6)}`,
      [personId, nowMs, claimKey, id, nowMs - leaseMs, ...fenceValues(attempt)],
    );
    if (result.rowCount !== 1) await this.unlessSuperseded(attempt);
    return result.rowCount === 1;
  }

  async account(personId: string): Promise<LinkedAccount | undefined> {
    const { rows } = await this.pool.query<AccountRow>('SELECT * FROM linked_accounts WHERE person_id = $1', [personId]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async saveAccount(account: LinkedAccount): Promise<void> {
    await this.pool.query(
      `INSERT INTO linked_accounts (person_id, display_name, sealed_access_token, sealed_refresh_token, access_expires_at, refresh_expires_at, scope, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (person_id) DO UPDATE SET display_name = excluded.display_name, sealed_access_token = excluded.sealed_access_token,
         sealed_refresh_token = excluded.sealed_refresh_token, access_expires_at = excluded.access_expires_at,
         refresh_expires_at = excluded.refresh_expires_at, scope = excluded.scope, linked_at = excluded.linked_at`,
      [
        account.personId,
        account.displayName,
        account.sealedAccessToken,
        account.sealedRefreshToken,
        account.accessExpiresAt,
        account.refreshExpiresAt ?? null,
        account.scope,
        account.linkedAt,
      ],
    );
  }

  async linkedPersonIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ person_id: string }>('SELECT person_id FROM linked_accounts ORDER BY person_id');
    return rows.map((row) => row.person_id);
  }

  async deleteAccount(personId: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM linked_accounts WHERE person_id = $1', [personId])).rowCount ?? 0) > 0;
  }

  async resealAccount(personId: string, from: SealedTokens, to: SealedTokens): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE linked_accounts SET sealed_access_token = $1, sealed_refresh_token = $2 WHERE person_id = $3 AND sealed_access_token = $4 AND sealed_refresh_token = $5',
      [to.sealedAccessToken, to.sealedRefreshToken, personId, from.sealedAccessToken, from.sealedRefreshToken],
    );
    return result.rowCount === 1;
  }

  async personLines(personId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ lines: string }>(numbered(PERSON_LINES_SQL.read), [personId]);
    return rows[0]?.lines;
  }

  async savePersonLines(personId: string, json: string, readAtMs: number): Promise<void> {
    await this.pool.query(numbered(PERSON_LINES_SQL.save), [personId, json, readAtMs]);
  }

  async reportHours(roomId: string, fromMs: number, toMs: number): Promise<HourTally[]> {
    const { rows } = await this.pool.query<ReportHourRow>(numbered(REPORT_SQL.read), [roomId, fromMs, toMs]);
    return rows.map(toHourTally);
  }

  async keepReportHours(roomId: string, tallies: readonly HourTally[]): Promise<void> {
    for (const tally of tallies) await this.pool.query(numbered(REPORT_SQL.keep), [roomId, tally.hourStartMs, tallyJson(tally)]);
  }

  async pruneReportHours(beforeMs: number): Promise<number> {
    return (await this.pool.query(numbered(REPORT_SQL.prune), [beforeMs])).rowCount ?? 0;
  }

  async parkedCallsBetween(fromIso: string, toIso: string, roomId?: string): Promise<ParkedCall[]> {
    const { rows } = await this.pool.query<ParkedRow>(numbered(REPORT_SQL.parkedBetween).replace('COALESCE($3, room_id)', 'COALESCE($3::text, room_id)'), [fromIso, toIso, roomId ?? null]);
    return rows.map(toParkedCall);
  }

  async ringChoice(personId: string): Promise<RingChoice | undefined> {
    const { rows } = await this.pool.query<RingChoiceRow>(numbered(RING_CHOICE_SQL.read), [personId]);
    return rows[0] ? toRingChoice(rows[0]) : undefined;
  }

  async saveRingChoice(personId: string, choice: RingChoice, nowMs: number): Promise<void> {
    await this.pool.query(numbered(RING_CHOICE_SQL.save), [personId, choice.endpointId, choice.name, nowMs]);
  }

  async clearRingChoice(personId: string, endpointId?: string): Promise<boolean> {
    return (await this.pool.query(numbered(RING_CHOICE_SQL.clear), [personId, endpointId ?? null])).rowCount === 1;
  }

  async saveLinkState(state: LinkState): Promise<void> {
    await this.pool.query('DELETE FROM link_states WHERE expires_at <= $1', [Date.now()]);
    await this.pool.query('INSERT INTO link_states (id, person_id, code_verifier, expires_at) VALUES ($1, $2, $3, $4)', [
      state.id,
      state.personId,
      state.codeVerifier,
      state.expiresAt,
    ]);
  }

  async linkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const { rows } = await this.pool.query<LinkStateRow>('SELECT * FROM link_states WHERE id = $1 AND expires_at > $2', [id, nowMs]);
    return rows[0] ? toLinkState(rows[0]) : undefined;
  }

  async deleteLinkStates(personId: string): Promise<number> {
    return (await this.pool.query('DELETE FROM link_states WHERE person_id = $1', [personId])).rowCount ?? 0;
  }

  async takeLinkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const { rows } = await this.pool.query<LinkStateRow>('DELETE FROM link_states WHERE id = $1 RETURNING *', [id]);
    const row = rows[0];
    return row && Number(row.expires_at) > nowMs ? toLinkState(row) : undefined;
  }

  async takeDelivery(eventKey: string, body: string, nowMs: number, leaseMs: number, keepMs = SEEN_EVENT_TTL_MS): Promise<boolean> {
    if (nowMs - this.lastPrunedAt > Math.min(keepMs, PRUNE_INTERVAL_MS)) {
      this.lastPrunedAt = nowMs;
      await this.pool.query('DELETE FROM inbox WHERE seen_at < $1', [nowMs - keepMs]);
    }
    const result = await this.pool.query('INSERT INTO inbox (event_key, body, seen_at, lease_until) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      eventKey,
      body,
      nowMs,
      nowMs + leaseMs,
    ]);
    return result.rowCount === 1;
  }

  async renewDelivery(eventKey: string, leaseUntilMs: number, attempt?: number): Promise<void> {
    await this.pool.query('UPDATE inbox SET lease_until = $1 WHERE event_key = $2 AND done_at IS NULL AND ($3::int IS NULL OR attempts = $3)', [leaseUntilMs, eventKey, attempt ?? null]);
  }

  async finishDelivery(eventKey: string, nowMs: number, attempt?: number): Promise<void> {
    await this.pool.query('UPDATE inbox SET done_at = $1 WHERE event_key = $2 AND ($3::int IS NULL OR attempts = $3)', [nowMs, eventKey, attempt ?? null]);
  }

  async staleDeliveries(nowMs: number, leaseMs: number, maxAttempts: number): Promise<{ eventKey: string; body: string; attempt: number }[]> {
    const { rows } = await this.pool.query<{ event_key: string; body: string; attempts: number }>(
      `UPDATE inbox SET lease_until = $1, attempts = attempts + 1
       WHERE done_at IS NULL AND lease_until < $2 AND attempts < $3 RETURNING event_key, body, attempts`,
      [nowMs + leaseMs, nowMs, maxAttempts],
    );
    return rows.map((row) => ({ eventKey: row.event_key, body: row.body, attempt: Number(row.attempts) }));
  }

  async attemptHolds(eventKey: string, attempt: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM inbox WHERE event_key = $1 AND attempts = $2', [eventKey, attempt]);
    return rowCount === 1;
  }

  async attemptLease(eventKey: string, attempt: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ lease_until: string }>('SELECT lease_until FROM inbox WHERE event_key = $1 AND attempts = $2', [eventKey, attempt]);
    return rows[0] ? Number(rows[0].lease_until) : undefined;
  }

  async openSubscription(personId: string, key: string): Promise<CallEventSubscription> {
    await this.pool.query("INSERT INTO call_event_subscriptions (person_id, url_key, status) VALUES ($1, $2, 'pending') ON CONFLICT DO NOTHING", [personId, key]);
    return (await this.subscription(personId)) as CallEventSubscription;
  }

  async subscription(personId: string): Promise<CallEventSubscription | undefined> {
    const { rows } = await this.pool.query<SubscriptionRow>('SELECT * FROM call_event_subscriptions WHERE person_id = $1', [personId]);
    return rows[0] ? toSubscription(rows[0]) : undefined;
  }

  async subscriptionByKey(key: string): Promise<CallEventSubscription | undefined> {
    const { rows } = await this.pool.query<SubscriptionRow>('SELECT * FROM call_event_subscriptions WHERE url_key = $1', [key]);
    return rows[0] ? toSubscription(rows[0]) : undefined;
  }

  async leaseSubscription(personId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE call_event_subscriptions SET lease_until = $1 WHERE person_id = $2 AND lease_until < $3', [nowMs + leaseMs, personId, nowMs]);
    return result.rowCount === 1;
  }

  async recordSubscription(personId: string, result: SubscriptionResult): Promise<void> {
    await this.pool.query(
      'UPDATE call_event_subscriptions SET webhook_id = $1, status = $2, reason = $3, fingerprint = $4, checked_at = $5, url_key = COALESCE($7, url_key), lease_until = 0 WHERE person_id = $6',
      [result.webhookId ?? null, result.status, result.reason ?? null, result.fingerprint ?? null, result.checkedAt ?? null, personId, result.key ?? null],
    );
  }

  async deleteSubscription(personId: string): Promise<void> {
    // One statement, so both go or neither does.
    await this.pool.query(
      'WITH gone AS (DELETE FROM call_event_subscriptions WHERE person_id = $1), lines AS (DELETE FROM person_lines WHERE person_id = $1) DELETE FROM call_views WHERE person_id = $1',
      [personId],
    );
  }

  async callView(personId: string): Promise<Versioned | undefined> {
    const { rows } = await this.pool.query<{ view: string; version: number }>('SELECT view, version FROM call_views WHERE person_id = $1', [personId]);
    return rows[0] ? { json: rows[0].view, version: Number(rows[0].version) } : undefined;
  }

  async saveCallView(personId: string, json: string, version: number | undefined): Promise<boolean> {
    const result =
      version === undefined
        ? await this.pool.query('INSERT INTO call_views (person_id, view, version) VALUES ($1, $2, 1) ON CONFLICT DO NOTHING', [personId, json])
        : await this.pool.query('UPDATE call_views SET view = $1, version = version + 1 WHERE person_id = $2 AND version = $3', [json, personId, version]);
    return result.rowCount === 1;
  }

  async dueForUpkeep(due: UpkeepDue): Promise<string[]> {
    const { rows } = await this.pool.query<{ person_id: string }>(
      `SELECT a.person_id FROM linked_accounts a LEFT JOIN call_event_subscriptions s ON s.person_id = a.person_id
       WHERE s.checked_at IS NULL OR s.checked_at < $1 OR (a.refresh_expires_at IS NOT NULL AND a.refresh_expires_at < $2) OR s.fingerprint <> $3
       ORDER BY COALESCE(s.fingerprint <> $3, false) DESC, LEAST(COALESCE(s.checked_at, 0), COALESCE(a.refresh_expires_at, s.checked_at, 0)), a.person_id LIMIT $4`,
      [due.checkedBeforeMs, due.refreshBeforeMs, due.fingerprint, due.limit],
    );
    return rows.map((row) => row.person_id);
  }

  async touchSubscription(personId: string, nowMs: number): Promise<void> {
    await this.pool.query("UPDATE call_event_subscriptions SET checked_at = $1 WHERE person_id = $2 AND status = 'active'", [nowMs, personId]);
  }

  async takeLease(name: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const result = await this.pool.query(
      'INSERT INTO leases (name, lease_until) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET lease_until = EXCLUDED.lease_until WHERE leases.lease_until < $3',
      [name, nowMs + leaseMs, nowMs],
    );
    return result.rowCount === 1;
  }

  async deadline(name: string, proposedMs: number): Promise<number> {
    const { rows } = await this.pool.query<{ lease_until: string }>(
      'INSERT INTO leases (name, lease_until) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET lease_until = leases.lease_until RETURNING lease_until',
      [name, proposedMs],
    );
    return Number(rows[0]?.lease_until);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Ends the pool. node-postgres waits for every connection in use to be given back, and a query that
   * never comes back (a lock held elsewhere, a server that stopped answering) would hold a graceful
   * stop forever after its drain gave up: the wait is bounded, and what is still running is abandoned.
   */
  async close(): Promise<void> {
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.pool.end(), new Promise<void>((resolve) => (bound = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(bound);
  }
}
