/** What the bot keeps between messages and restarts. One interface; one file per database. */

/** `parking`: Webex has been (or is being) asked to park the call; the outcome is not recorded yet. */
export type ParkState = 'parking' | 'waiting' | 'retrieving' | 'retrieved';

export interface PersonRef {
  personId: string;
  name: string;
}

export interface ParkedCall {
  id: string;
  roomId: string;
  /** The Webex call that was parked, to tell after a crash whether the park happened. */
  callId?: string;
  parkedBy: PersonRef;
  /** Absent name and number: the caller withheld them. */
  caller: { name?: string; number?: string };
  parkedAgainst: { number: string; name?: string };
  forPerson?: PersonRef;
  note?: string;
  cardMessageId?: string;
  state: ParkState;
  /**
   * Who is retrieving it right now, since when (ms), and for which event (`key`); the claim lapses
   * after a lease, and the same event may take it up again after a crash.
   */
  claim?: { personId: string; at: number; key: string };
  retrievedBy?: PersonRef;
  retrievedAt?: string;
  parkedAt: string;
}

/** A linked Webex account. Tokens arrive here already sealed; the store never sees them in clear. */
export interface LinkedAccount {
  personId: string;
  displayName: string;
  sealedAccessToken: string;
  sealedRefreshToken: string;
  accessExpiresAt: number;
  refreshExpiresAt?: number;
  scope: string;
  linkedAt: string;
}

/** An OAuth login in progress: single-use, expiring, bound to the person who asked. */
export interface LinkState {
  id: string;
  personId: string;
  codeVerifier: string;
  expiresAt: number;
}

export interface Store {
  saveParkedCall(call: ParkedCall): Promise<void>;
  parkedCall(id: string): Promise<ParkedCall | undefined>;
  /** Calls parked from this space and still waiting, oldest first. */
  waitingInRoom(roomId: string): Promise<ParkedCall[]>;
  attachCard(id: string, cardMessageId: string): Promise<void>;
  /** Webex parked the call: it now waits, against this number. */
  completePark(id: string, parkedAgainst: ParkedCall['parkedAgainst']): Promise<void>;
  /**
   * Takes the call for one retriever: succeeds for exactly one caller while the call waits, once an
   * earlier claim is older than `leaseMs`, or again for the same event (`claimKey`) replayed after a crash.
   */
  claimForRetrieve(id: string, personId: string, claimKey: string, nowMs: number, leaseMs: number): Promise<boolean>;
  markRetrieved(id: string, by: PersonRef, at: string): Promise<void>;
  /** The retrieve failed: the call waits again for anyone. */
  releaseClaim(id: string, personId: string): Promise<void>;

  account(personId: string): Promise<LinkedAccount | undefined>;
  saveAccount(account: LinkedAccount): Promise<void>;
  deleteAccount(personId: string): Promise<boolean>;

  saveLinkState(state: LinkState): Promise<void>;
  linkState(id: string, nowMs: number): Promise<LinkState | undefined>;
  /** Returns the state once and deletes it: a second use finds nothing. */
  takeLinkState(id: string, nowMs: number): Promise<LinkState | undefined>;

  /**
   * The inbox. Records a webhook delivery under its event key, leased to this instance until
   * `nowMs + leaseMs`; true only the first time any instance sees the key, so duplicates have no
   * effect. Keys older than `keepMs` are forgotten.
   */
  takeDelivery(eventKey: string, body: string, nowMs: number, leaseMs: number, keepMs?: number): Promise<boolean>;
  /** The delivery's work is still going on: no one else may replay it before `leaseUntilMs`. */
  renewDelivery(eventKey: string, leaseUntilMs: number): Promise<void>;
  /** The delivery's work is complete: it will not be replayed. */
  finishDelivery(eventKey: string, nowMs: number): Promise<void>;
  /**
   * Deliveries whose work never completed (their instance died) and whose lease ran out, leased anew
   * to the caller; each is handed out at most `maxAttempts` times in all.
   */
  staleDeliveries(nowMs: number, leaseMs: number, maxAttempts: number): Promise<{ eventKey: string; body: string }[]>;

  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** How long a delivery's event key is remembered: far longer than Webex keeps retrying one. */
export const SEEN_EVENT_TTL_MS = 24 * 60 * 60 * 1000;

/** Forgotten event keys are swept at most this often, not on every delivery. */
export const PRUNE_INTERVAL_MS = 60_000;
