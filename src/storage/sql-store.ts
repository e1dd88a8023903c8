import { MIGRATIONS } from './migrations.js';
import { currentAttempt, SupersededError, type Attempt } from '../fence.js';
import { andThen, fieldChange, script, step, type Dialect, type Now, type Row, type SqlDriver, type SqlValue, type Steps } from './sql-driver.js';
import {
  PRUNE_INTERVAL_MS,
  SEEN_EVENT_TTL_MS,
  type CallEventSubscription,
  type HourTally,
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

/** Brings the schema up to date: run by each adapter at open, as a transaction of its own (`alone`). */
export function* migrate(): Steps<void> {
  yield* script('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const { rows } = yield* step<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  const applied = Number(rows[0]?.version ?? 0);
  for (const [index, sql] of MIGRATIONS.slice(applied).entries()) {
    yield* script(sql);
    yield* step('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', applied + index + 1, new Date().toISOString());
  }
}

/**
 * The fence of a write made for an event (src/fence.ts), as a condition of the write itself: the
 * event's key and attempt are parameters `$n` and `$n+1` (both null outside an attempt). On
 * PostgreSQL FOR SHARE holds the inbox row until the write commits, so a takeover (which updates that
 * row) comes wholly before or wholly after it; on SQLite the one statement is its own write transaction.
 */
const fence = (dialect: Dialect, n: number): string =>
  `(CAST($${n} AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM inbox WHERE event_key = $${n} AND attempts = CAST($${n + 1} AS INTEGER)${dialect.forShare}))`;

/** Whether attempt `$2` is still the current attempt at event `$1`: the fence, read on its own. */
const HOLDS = 'SELECT 1 AS held FROM inbox WHERE event_key = $1 AND attempts = $2';

const fenceValues = (attempt: Attempt | undefined): [string | null, number | null] => (attempt ? [attempt.eventKey, attempt.attempt] : [null, null]);

/**
 * The store, on either database: every query written once over a `SqlDriver`. A new table or query:
 * a migration appended to src/storage/migrations.ts (SQL both accept), the method on `Store`
 * (store.ts), its SQL here with `$1`-numbered parameters, and its case in
 * test/storage/store-contract.ts, which runs on both. Nothing per database, unless the two write it
 * differently: then a named piece of `Dialect` (src/storage/sql-driver.ts), written in each adapter
 * and held to the same result by test/storage/sql-driver.test.ts.
 */
export class SqlStore implements Store {
  private lastPrunedAt = 0;
  private readonly dialect: Dialect;

  constructor(protected readonly driver: SqlDriver) {
    this.dialect = driver.dialect;
  }

  private rows<R = Row>(sql: string, ...values: SqlValue[]): Now<R[]> {
    return andThen(this.driver.run<R>(sql, values), (result) => result.rows);
  }

  private row<R = Row>(sql: string, ...values: SqlValue[]): Now<R | undefined> {
    return andThen(this.driver.run<R>(sql, values), (result) => result.rows[0]);
  }

  private changes(sql: string, ...values: SqlValue[]): Now<number> {
    return andThen(this.driver.run(sql, values), (result) => result.changes);
  }

  /** After a fenced write that changed nothing: throws when the fence is why (a takeover came first). */
  private async unlessSuperseded(attempt: Attempt | undefined): Promise<void> {
    if (attempt && !(await this.attemptHolds(attempt.eventKey, attempt.attempt))) throw new SupersededError(attempt);
  }

  /** A fenced write of one statement (its fence at `$n`, `$n+1`): true when it changed a row. */
  private async fencedChange(sql: string, ...values: SqlValue[]): Promise<boolean> {
    const attempt = currentAttempt();
    const changed = (await this.changes(sql, ...values, ...fenceValues(attempt))) === 1;
    if (!changed) await this.unlessSuperseded(attempt);
    return changed;
  }

  /**
   * Sets `field` of the call's record and returns what it held, as a compare-and-set: the write goes
   * through only while the field still holds what was read (and the fence holds); if another write
   * came between, it reads again. Two statements on either database, no transaction to hold open.
   */
  private async attach(id: string, field: 'cardMessageId' | 'privateCard' | 'mentionMessageId', fields: object): Promise<string | undefined> {
    const { json, withFields } = this.dialect;
    const change = fieldChange(fields);
    const read = `SELECT ${json('record')} ->> '${field}' AS previous FROM parked_calls WHERE id = $1`;
    const write = `UPDATE parked_calls SET record = ${withFields('record', '$1', change)}
      WHERE id = $2 AND (${json('record')} ->> '${field}') IS NOT DISTINCT FROM $3 AND ${fence(this.dialect, 4)}`;
    for (;;) {
      const row = await this.row<{ previous: string | null }>(read, id);
      if (await this.fencedChange(write, change.json, id, row?.previous ?? null)) return row?.previous ?? undefined;
      if (!row) return undefined;
    }
  }

  async saveParkedCall(call: ParkedCall): Promise<void> {
    await this.fencedChange(`INSERT INTO parked_calls (${INSERT_PARKED_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE ${fence(this.dialect, 11)}`, ...parkedCallValues(call));
  }

  async parkedCall(id: string): Promise<ParkedCall | undefined> {
    const row = await this.row<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE id = $1`, id);
    return row ? toParkedCall(row) : undefined;
  }

  /** Parked calls where `where` holds for `$1` and the state is one of `states`, oldest first. */
  private async inStates(where: string, value: string, states: readonly ParkState[]): Promise<ParkedCall[]> {
    const rows = await this.rows<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE ${where} AND ${this.dialect.oneOf('state', '$2')} ORDER BY parked_at`, value, states);
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
    return this.inStates(`$1 = CASE state WHEN 'retrieving' THEN claimed_by ELSE ${this.dialect.json('record')} -> 'ringingFor' ->> 'personId' END`, personId, IN_FLIGHT_STATES);
  }

  async parkedCallByHandedCall(callId: string): Promise<ParkedCall | undefined> {
    const row = await this.row<ParkedRow>(`SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE handed_call_id = $1`, callId);
    return row ? toParkedCall(row) : undefined;
  }

  async attachCard(id: string, cardMessageId: string): Promise<string | undefined> {
    return this.attach(id, 'cardMessageId', { cardMessageId, cardOwedAt: null });
  }

  async oweCard(id: string, atIso: string): Promise<void> {
    const { json, withFields } = this.dialect;
    const change = fieldChange({ cardOwedAt: atIso });
    await this.changes(`UPDATE parked_calls SET record = ${withFields('record', '$1', change)} WHERE id = $2 AND (${json('record')} ->> 'cardOwedAt') IS NULL`, change.json, id);
  }

  async owedCards(sinceIso: string): Promise<ParkedCall[]> {
    return this.inStates(`(${this.dialect.json('record')} ->> 'cardOwedAt') >= $1`, sinceIso, SHOWN_STATES);
  }

  async attachPrivateCard(id: string, card: { roomId: string; messageId: string }): Promise<{ roomId: string; messageId: string } | undefined> {
    const previous = await this.attach(id, 'privateCard', { privateCard: card });
    return previous ? (JSON.parse(previous) as { roomId: string; messageId: string }) : undefined;
  }

  async attachMention(id: string, messageId: string): Promise<string | undefined> {
    return this.attach(id, 'mentionMessageId', { mentionMessageId: messageId });
  }

  async savePendingPark(personId: string, request: string, nowMs: number): Promise<void> {
    await this.changes(
      'INSERT INTO pending_parks (person_id, request, saved_at) VALUES ($1, $2, $3) ON CONFLICT (person_id) DO UPDATE SET request = excluded.request, saved_at = excluded.saved_at',
      personId,
      request,
      nowMs,
    );
  }

  async takePendingPark(personId: string, sinceMs: number): Promise<string | undefined> {
    const row = await this.row<{ request: string; saved_at: number }>('DELETE FROM pending_parks WHERE person_id = $1 RETURNING request, saved_at', personId);
    return row && row.saved_at > sinceMs ? row.request : undefined;
  }

  async moveParkedCall(id: string, move: ParkedCallMove): Promise<boolean> {
    const columns = movedColumns(move);
    // Each changed field is replaced whole: a nested object (a caller) never keeps keys the new one lacks.
    const change = fieldChange(move.changes);
    return this.fencedChange(
      `UPDATE parked_calls SET state = $1, record = ${this.dialect.withFields('record', '$2', change)}, claimed_by = NULL, claimed_at = NULL, claim_key = NULL,
         park_number = COALESCE($3, park_number), handed_call_id = COALESCE($4, handed_call_id), closed_at = COALESCE(CAST($5 AS BIGINT), closed_at)
       WHERE id = $6 AND ${this.dialect.oneOf('state', '$7')} AND (CAST($8 AS TEXT) IS NULL OR claimed_by = $8) AND (CAST($9 AS TEXT) IS NULL OR handed_call_id = $9)
         AND ${fence(this.dialect, 10)}`,
      move.to,
      change.json,
      columns.parkNumber,
      columns.handedCallId,
      columns.closedAt,
      id,
      move.from,
      move.claimedBy ?? null,
      move.handedCallId ?? null,
    );
  }

  async pruneParkedCalls(closedBeforeMs: number, parkingBeforeIso: string): Promise<number> {
    return this.changes("DELETE FROM parked_calls WHERE (closed_at IS NOT NULL AND closed_at < $1) OR (state = 'parking' AND parked_at < $2)", closedBeforeMs, parkingBeforeIso);
  }

  async claimForRetrieve(id: string, personId: string, claimKey: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return this.fencedChange(
      `UPDATE parked_calls SET state = 'retrieving', claimed_by = $1, claimed_at = $2, claim_key = $3
       WHERE id = $4 AND (state = 'waiting' OR (state = 'retrieving' AND (claimed_at < $5 OR claim_key = $3))) AND ${fence(this.dialect, 6)}`,
      personId,
      nowMs,
      claimKey,
      id,
      nowMs - leaseMs,
    );
  }

  async account(personId: string): Promise<LinkedAccount | undefined> {
    const row = await this.row<AccountRow>('SELECT * FROM linked_accounts WHERE person_id = $1', personId);
    return row ? toAccount(row) : undefined;
  }

  async saveAccount(account: LinkedAccount): Promise<void> {
    await this.changes(
      `INSERT INTO linked_accounts (person_id, display_name, sealed_access_token, sealed_refresh_token, access_expires_at, refresh_expires_at, scope, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
    return (await this.rows<{ person_id: string }>('SELECT person_id FROM linked_accounts ORDER BY person_id')).map((row) => row.person_id);
  }

  async deleteAccount(personId: string): Promise<boolean> {
    return (await this.changes('DELETE FROM linked_accounts WHERE person_id = $1', personId)) > 0;
  }

  async resealAccount(personId: string, from: SealedTokens, to: SealedTokens): Promise<boolean> {
    const changed = await this.changes(
      'UPDATE linked_accounts SET sealed_access_token = $1, sealed_refresh_token = $2 WHERE person_id = $3 AND sealed_access_token = $4 AND sealed_refresh_token = $5',
      to.sealedAccessToken,
      to.sealedRefreshToken,
      personId,
      from.sealedAccessToken,
      from.sealedRefreshToken,
    );
    return changed === 1;
  }

  /** Each person's secondary lines as last read (issue 26, src/calls/lines.ts): one JSON document a person. */
  async personLines(personId: string): Promise<string | undefined> {
    return (await this.row<{ lines: string }>('SELECT lines FROM person_lines WHERE person_id = $1', personId))?.lines;
  }

  async savePersonLines(personId: string, json: string, readAtMs: number): Promise<void> {
    await this.changes(
      `INSERT INTO person_lines (person_id, lines, read_at) VALUES ($1, $2, $3)
       ON CONFLICT (person_id) DO UPDATE SET lines = excluded.lines, read_at = excluded.read_at`,
      personId,
      json,
      readAtMs,
    );
  }

  /** The report's hourly tallies (src/report/). */
  async reportHours(roomId: string, fromMs: number, toMs: number): Promise<HourTally[]> {
    const rows = await this.rows<ReportHourRow>('SELECT hour_start, tally FROM report_hours WHERE room_id = $1 AND hour_start >= $2 AND hour_start < $3 ORDER BY hour_start', roomId, fromMs, toMs);
    return rows.map(toHourTally);
  }

  /** The first tally of a space's hour stands. */
  async keepReportHours(roomId: string, tallies: readonly HourTally[]): Promise<void> {
    if (!tallies.length) return;
    await this.driver.transaction(function* () {
      for (const tally of tallies) {
        yield* step('INSERT INTO report_hours (room_id, hour_start, tally) VALUES ($1, $2, $3) ON CONFLICT (room_id, hour_start) DO NOTHING', roomId, tally.hourStartMs, tallyJson(tally));
      }
    });
  }

  async pruneReportHours(beforeMs: number): Promise<number> {
    return this.changes('DELETE FROM report_hours WHERE hour_start < $1', beforeMs);
  }

  async parkedCallsBetween(fromIso: string, toIso: string, roomId?: string): Promise<ParkedCall[]> {
    // A NULL room: every space's.
    const rows = await this.rows<ParkedRow>(
      `SELECT ${PARKED_COLUMNS} FROM parked_calls WHERE parked_at >= $1 AND parked_at < $2 AND room_id = COALESCE(CAST($3 AS TEXT), room_id) ORDER BY parked_at`,
      fromIso,
      toIso,
      roomId ?? null,
    );
    return rows.map(toParkedCall);
  }

  async ringChoice(personId: string): Promise<RingChoice | undefined> {
    const row = await this.row<RingChoiceRow>('SELECT endpoint_id, endpoint_name FROM ring_choices WHERE person_id = $1', personId);
    return row ? toRingChoice(row) : undefined;
  }

  async saveRingChoice(personId: string, choice: RingChoice, nowMs: number): Promise<void> {
    await this.changes(
      `INSERT INTO ring_choices (person_id, endpoint_id, endpoint_name, chosen_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (person_id) DO UPDATE SET endpoint_id = excluded.endpoint_id, endpoint_name = excluded.endpoint_name, chosen_at = excluded.chosen_at`,
      personId,
      choice.endpointId,
      choice.name,
      nowMs,
    );
  }

  async clearRingChoice(personId: string, endpointId?: string): Promise<boolean> {
    // Without an endpoint id (NULL): whatever the choice is.
    return (await this.changes('DELETE FROM ring_choices WHERE person_id = $1 AND endpoint_id = COALESCE($2, endpoint_id)', personId, endpointId ?? null)) === 1;
  }

  async saveLinkState(state: LinkState): Promise<void> {
    await this.changes('DELETE FROM link_states WHERE expires_at <= $1', Date.now());
    await this.changes('INSERT INTO link_states (id, person_id, code_verifier, expires_at) VALUES ($1, $2, $3, $4)', state.id, state.personId, state.codeVerifier, state.expiresAt);
  }

  async linkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const row = await this.row<LinkStateRow>('SELECT * FROM link_states WHERE id = $1 AND expires_at > $2', id, nowMs);
    return row ? toLinkState(row) : undefined;
  }

  async deleteLinkStates(personId: string): Promise<number> {
    return this.changes('DELETE FROM link_states WHERE person_id = $1', personId);
  }

  async takeLinkState(id: string, nowMs: number): Promise<LinkState | undefined> {
    const row = await this.row<LinkStateRow>('DELETE FROM link_states WHERE id = $1 RETURNING *', id);
    return row && row.expires_at > nowMs ? toLinkState(row) : undefined;
  }

  async takeDelivery(eventKey: string, body: string, nowMs: number, leaseMs: number, keepMs = SEEN_EVENT_TTL_MS): Promise<boolean> {
    if (nowMs - this.lastPrunedAt > Math.min(keepMs, PRUNE_INTERVAL_MS)) {
      await this.changes('DELETE FROM inbox WHERE seen_at < $1', nowMs - keepMs);
      this.lastPrunedAt = nowMs;
    }
    const taken = await this.changes('INSERT INTO inbox (event_key, body, seen_at, lease_until) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', eventKey, body, nowMs, nowMs + leaseMs);
    return taken === 1;
  }

  async renewDelivery(eventKey: string, leaseUntilMs: number, attempt?: number): Promise<void> {
    await this.changes('UPDATE inbox SET lease_until = $1 WHERE event_key = $2 AND done_at IS NULL AND (CAST($3 AS INTEGER) IS NULL OR attempts = $3)', leaseUntilMs, eventKey, attempt ?? null);
  }

  async finishDelivery(eventKey: string, nowMs: number, attempt?: number): Promise<void> {
    await this.changes('UPDATE inbox SET done_at = $1 WHERE event_key = $2 AND (CAST($3 AS INTEGER) IS NULL OR attempts = $3)', nowMs, eventKey, attempt ?? null);
  }

  async staleDeliveries(nowMs: number, leaseMs: number, maxAttempts: number): Promise<{ eventKey: string; body: string; attempt: number }[]> {
    const rows = await this.rows<{ event_key: string; body: string; attempts: number }>(
      `UPDATE inbox SET lease_until = $1, attempts = attempts + 1
       WHERE done_at IS NULL AND lease_until < $2 AND attempts < $3 RETURNING event_key, body, attempts`,
      nowMs + leaseMs,
      nowMs,
      maxAttempts,
    );
    return rows.map((row) => ({ eventKey: row.event_key, body: row.body, attempt: row.attempts }));
  }

  async attemptHolds(eventKey: string, attempt: number): Promise<boolean> {
    return (await this.row(HOLDS, eventKey, attempt)) !== undefined;
  }

  async attemptLease(eventKey: string, attempt: number): Promise<number | undefined> {
    return (await this.row<{ lease_until: number }>('SELECT lease_until FROM inbox WHERE event_key = $1 AND attempts = $2', eventKey, attempt))?.lease_until;
  }

  async openSubscription(personId: string, key: string): Promise<CallEventSubscription> {
    await this.changes("INSERT INTO call_event_subscriptions (person_id, url_key, status) VALUES ($1, $2, 'pending') ON CONFLICT DO NOTHING", personId, key);
    return (await this.subscription(personId)) as CallEventSubscription;
  }

  async subscription(personId: string): Promise<CallEventSubscription | undefined> {
    const row = await this.row<SubscriptionRow>('SELECT * FROM call_event_subscriptions WHERE person_id = $1', personId);
    return row ? toSubscription(row) : undefined;
  }

  async subscriptionByKey(key: string): Promise<CallEventSubscription | undefined> {
    const row = await this.row<SubscriptionRow>('SELECT * FROM call_event_subscriptions WHERE url_key = $1', key);
    return row ? toSubscription(row) : undefined;
  }

  async leaseSubscription(personId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return (await this.changes('UPDATE call_event_subscriptions SET lease_until = $1 WHERE person_id = $2 AND lease_until < $3', nowMs + leaseMs, personId, nowMs)) === 1;
  }

  async recordSubscription(personId: string, result: SubscriptionResult): Promise<void> {
    await this.changes(
      'UPDATE call_event_subscriptions SET webhook_id = $1, status = $2, reason = $3, fingerprint = $4, checked_at = $5, url_key = COALESCE($6, url_key), lease_until = 0 WHERE person_id = $7',
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
    await this.driver.transaction(function* () {
      yield* step('DELETE FROM call_event_subscriptions WHERE person_id = $1', personId);
      yield* step('DELETE FROM call_views WHERE person_id = $1', personId);
      yield* step('DELETE FROM person_lines WHERE person_id = $1', personId);
    });
  }

  async callView(personId: string): Promise<Versioned | undefined> {
    const row = await this.row<{ view: string; version: number }>('SELECT view, version FROM call_views WHERE person_id = $1', personId);
    return row ? { json: row.view, version: row.version } : undefined;
  }

  async saveCallView(personId: string, json: string, version: number | undefined): Promise<boolean> {
    const changed =
      version === undefined
        ? await this.changes('INSERT INTO call_views (person_id, view, version) VALUES ($1, $2, 1) ON CONFLICT DO NOTHING', personId, json)
        : await this.changes('UPDATE call_views SET view = $1, version = version + 1 WHERE person_id = $2 AND version = $3', json, personId, version);
    return changed === 1;
  }

  async dueForUpkeep(due: UpkeepDue): Promise<string[]> {
    // Webhooks made for other settings first; then whichever is due longest: the earlier of the last check and the refresh token's end.
    const rows = await this.rows<{ person_id: string }>(
      `SELECT a.person_id FROM linked_accounts a LEFT JOIN call_event_subscriptions s ON s.person_id = a.person_id
       WHERE s.checked_at IS NULL OR s.checked_at < $1 OR (a.refresh_expires_at IS NOT NULL AND a.refresh_expires_at < $2) OR s.fingerprint <> $3
       ORDER BY CASE WHEN s.fingerprint <> $3 THEN 1 ELSE 0 END DESC,
         CASE WHEN COALESCE(s.checked_at, 0) < COALESCE(a.refresh_expires_at, s.checked_at, 0) THEN COALESCE(s.checked_at, 0) ELSE COALESCE(a.refresh_expires_at, s.checked_at, 0) END,
         a.person_id
       LIMIT $4`,
      due.checkedBeforeMs,
      due.refreshBeforeMs,
      due.fingerprint,
      due.limit,
    );
    return rows.map((row) => row.person_id);
  }

  async touchSubscription(personId: string, nowMs: number): Promise<void> {
    await this.changes("UPDATE call_event_subscriptions SET checked_at = $1 WHERE person_id = $2 AND status = 'active'", nowMs, personId);
  }

  async takeLease(name: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const taken = await this.changes(
      'INSERT INTO leases (name, lease_until) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until WHERE leases.lease_until < $3',
      name,
      nowMs + leaseMs,
      nowMs,
    );
    return taken === 1;
  }

  async deadline(name: string, proposedMs: number): Promise<number> {
    const row = await this.row<{ lease_until: number }>(
      'INSERT INTO leases (name, lease_until) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET lease_until = leases.lease_until RETURNING lease_until',
      name,
      proposedMs,
    );
    return row?.lease_until ?? proposedMs;
  }

  async ping(): Promise<void> {
    await this.driver.ping();
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
