import type { CallEventSubscription, HourTally, LinkedAccount, LinkState, ParkedCall, ParkedCallMove, ParkState, RingChoice } from './store.js';

/**
 * Table rows as both drivers return them, and their mapping to records. Epoch-millisecond columns are
 * BIGINT, which both adapters return as numbers (src/storage/sql-driver.ts).
 */
type Millis = number;

export interface ParkedRow {
  record: string;
  state: ParkedCall['state'];
  claimed_by: string | null;
  claimed_at: Millis | null;
  claim_key: string | null;
}

export interface AccountRow {
  person_id: string;
  display_name: string;
  sealed_access_token: string;
  sealed_refresh_token: string;
  access_expires_at: Millis;
  refresh_expires_at: Millis | null;
  scope: string;
  linked_at: string;
}

export interface LinkStateRow {
  id: string;
  person_id: string;
  code_verifier: string;
  expires_at: Millis;
}

export interface SubscriptionRow {
  person_id: string;
  url_key: string;
  webhook_id: string | null;
  status: CallEventSubscription['status'];
  reason: string | null;
  fingerprint: string | null;
  checked_at: Millis | null;
}

export interface RingChoiceRow {
  endpoint_id: string;
  endpoint_name: string;
}

export const toRingChoice = (row: RingChoiceRow): RingChoice => ({ endpointId: row.endpoint_id, name: row.endpoint_name });

export const PARKED_COLUMNS = 'record, state, claimed_by, claimed_at, claim_key';

/** Parked calls the clock may still close: nobody has taken them, as far as the bot knows. */
export const OPEN_STATES: readonly ParkState[] = ['waiting', 'ringing'];

/** A retrieve in flight: Webex is being asked, or the retriever's phone rings with the call. */
export const IN_FLIGHT_STATES: readonly ParkState[] = ['retrieving', 'ringing'];

/** Every state past parking: each has its card in the space. */
export const SHOWN_STATES: readonly ParkState[] = ['waiting', 'retrieving', 'ringing', 'retrieved', 'rang-back', 'picked-up', 'gone', 'superseded', 'expired'];

/** Columns hold what is queried or changed atomically; the rest of a parked call is JSON. */
export function toParkedCall(row: ParkedRow): ParkedCall {
  const { claim: _claim, ...record } = JSON.parse(row.record) as ParkedCall;
  return {
    ...record,
    state: row.state,
    ...(row.claimed_by !== null && row.claimed_at !== null ? { claim: { personId: row.claimed_by, at: Number(row.claimed_at), key: row.claim_key ?? '' } } : {}),
  };
}

export function toAccount(row: AccountRow): LinkedAccount {
  return {
    personId: row.person_id,
    displayName: row.display_name,
    sealedAccessToken: row.sealed_access_token,
    sealedRefreshToken: row.sealed_refresh_token,
    accessExpiresAt: Number(row.access_expires_at),
    ...(row.refresh_expires_at === null ? {} : { refreshExpiresAt: Number(row.refresh_expires_at) }),
    scope: row.scope,
    linkedAt: row.linked_at,
  };
}

export function toLinkState(row: LinkStateRow): LinkState {
  return { id: row.id, personId: row.person_id, codeVerifier: row.code_verifier, expiresAt: Number(row.expires_at) };
}

export function toSubscription(row: SubscriptionRow): CallEventSubscription {
  return {
    personId: row.person_id,
    key: row.url_key,
    status: row.status,
    ...(row.webhook_id === null ? {} : { webhookId: row.webhook_id }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.fingerprint === null ? {} : { fingerprint: row.fingerprint }),
    ...(row.checked_at === null ? {} : { checkedAt: Number(row.checked_at) }),
  };
}

/** A new parked call's row, in the order of `INSERT_PARKED_COLUMNS`. */
export const INSERT_PARKED_COLUMNS = 'id, room_id, record, state, claimed_by, claimed_at, claim_key, parked_at, park_number, caller_number';
export function parkedCallValues(call: ParkedCall): (string | number | null)[] {
  return [
    call.id,
    call.roomId,
    JSON.stringify(call),
    call.state,
    call.claim?.personId ?? null,
    call.claim?.at ?? null,
    call.claim?.key ?? null,
    call.parkedAt,
    call.parkedAgainst.number || null,
    call.caller.number ?? null,
  ];
}

/** The indexed columns of a parked call that a move may set, from what the move changes. */
export function movedColumns(move: ParkedCallMove): { parkNumber: string | null; handedCallId: string | null; closedAt: number | null } {
  return { parkNumber: move.changes.parkedAgainst?.number ?? null, handedCallId: move.changes.handedCallId ?? null, closedAt: move.closedAtMs ?? null };
}

export interface ReportHourRow {
  hour_start: Millis;
  tally: string;
}

/** A kept tally: its counts and waits are JSON, its hour a column. */
export const toHourTally = (row: ReportHourRow): HourTally => ({ ...(JSON.parse(row.tally) as Omit<HourTally, 'hourStartMs'>), hourStartMs: Number(row.hour_start) });
export const tallyJson = ({ hourStartMs: _hour, ...tally }: HourTally): string => JSON.stringify(tally);
