/** What the bot keeps between messages and restarts. One interface, one implementation (src/storage/sql-store.ts) over a driver a database. */

/**
 * Where a parked call is in its life (src/calls/lifecycle.ts moves it). `parking`: Webex has been (or
 * is being) asked to park the call; the outcome is not recorded yet. `retrieving`: someone tapped
 * Retrieve and Webex is being asked; `ringing`: Webex rang their phone, not yet answered. The last six
 * are closed.
 */
export type ParkState = 'parking' | 'waiting' | 'retrieving' | 'ringing' | 'retrieved' | 'rang-back' | 'picked-up' | 'gone' | 'superseded' | 'expired';

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
  /** The parker's organisation: call events of another organisation's people never touch it. */
  orgId?: string;
  /** Absent name and number: the caller withheld them. */
  caller: { name?: string; number?: string };
  /** Where Webex parked it; ids, when Webex gives them, tell two organisations' numbers apart. */
  parkedAgainst: { number: string; name?: string; personId?: string; placeId?: string };
  forPerson?: PersonRef;
  note?: string;
  /**
   * The parker's secondary line the call was on (the main number): parked with its `lineOwnerId`,
   * shown on the card, and asked about while the call waits (no events come for it).
   */
  line?: { ownerId: string; memberType: string; name?: string | undefined; directNumber?: string | undefined; extension?: string | undefined };
  cardMessageId?: string;
  /**
   * Since when a change of the space's card is owed: Webex would not take it (the old card may be gone
   * already). Cleared when a card is attached; until then any instance's housekeeping shows it again.
   */
  cardOwedAt?: string;
  /** The private card sent to the person it is for, with their own Retrieve button. */
  privateCard?: { roomId: string; messageId: string };
  /** The @mention of the person it is for, in the card's thread: a replay of the park mentions them only when it is missing. */
  mentionMessageId?: string;
  state: ParkState;
  /**
   * Who is retrieving it right now, since when (ms), and for which event (`key`); the claim lapses
   * after a lease, and the same event may take it up again after a crash.
   */
  claim?: { personId: string; at: number; key: string };
  /** Whose phone Webex is ringing with the call (while `ringing`), and since when. */
  ringingFor?: PersonRef;
  ringingSince?: string;
  /** The device the retriever chose for it to ring on, by Webex's name; '' when Webex rang where it would anyway. */
  ringingOn?: string;
  /**
   * The event (its key) whose retrieve Webex last rang someone for: a replay of that event (a takeover
   * of a paused instance's work) finds its request already carried out, and neither rings nor answers again.
   */
  ringKey?: string;
  retrievedBy?: PersonRef;
  retrievedAt?: string;
  /** The call Webex started on the retriever's phone, and the caller on it (what Webex handed over). */
  handedCallId?: string;
  handedOver?: { name?: string; number?: string };
  /** Someone took the call from a phone; the bot saw it in their call events. */
  pickedUpBy?: PersonRef;
  /** The park that took its number. */
  supersededBy?: string;
  /** Webex refused or failed the park (the error's kind): the call stayed with the person, and no card was posted. */
  notParked?: string;
  /** How long it had waited, in seconds, when the bot stopped tracking it. */
  waitedSeconds?: number;
  parkedAt: string;
  /** When it reached a closed state. */
  closedAt?: string;
}

/** A state change made only if the record is still in one of `from`: a compare-and-set. */
export interface ParkedCallMove {
  from: ParkState[];
  to: ParkState;
  /** Merged into the record. */
  changes: Partial<ParkedCall>;
  /** Only while this person holds the retrieve claim. */
  claimedBy?: string;
  /** Only while the record's handed-over call (the retrieve ringing someone's phone) is this one. */
  handedCallId?: string;
  /** Set when `to` is a closed state: closed records are pruned after a retention. */
  closedAtMs?: number;
}

/** A person's `telephony_calls` webhook, registered with their own token. */
/** What makes a linked person's upkeep due (see `Store.dueForUpkeep`). */
export interface UpkeepDue {
  checkedBeforeMs: number;
  refreshBeforeMs: number;
  /** The current settings' fingerprint: a person's webhooks made for others are due at once. */
  fingerprint: string;
  limit: number;
}

export interface CallEventSubscription {
  personId: string;
  /** Names the webhook's target URL (`/webhook/calls/<key>`); its secret is derived from it. */
  key: string;
  /** The webhooks' ids, comma-separated (one per event watched). */
  webhookId?: string;
  status: 'pending' | 'active' | 'failed';
  /** Why the last registration failed. */
  reason?: string;
  /** Which target URL and secret the webhook was last given, to notice when they change. */
  fingerprint?: string;
  checkedAt?: number;
}

/** What a check of a person's webhooks recorded. */
export type SubscriptionResult = Omit<CallEventSubscription, 'personId' | 'key'> & { key?: string };

/** A document kept with a version number, so that writers can compare and set. */
export interface Versioned {
  json: string;
  version: number;
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

/** A linked account's two sealed tokens, as stored. */
export type SealedTokens = Pick<LinkedAccount, 'sealedAccessToken' | 'sealedRefreshToken'>;

/** The device or application a person chose for the calls they retrieve to ring on. */
export interface RingChoice {
  endpointId: string;
  /** As Webex named it when it was chosen. */
  name: string;
}

/** An OAuth login in progress: single-use, expiring, bound to the person who asked. */
export interface LinkState {
  id: string;
  personId: string;
  codeVerifier: string;
  expiresAt: number;
}

/**
 * What became of the calls parked from one space in one hour: counts only, and the waits of those
 * taken in seconds. No person and no caller: this is what is kept for `REPORT_RETENTION_DAYS`.
 */
export interface HourTally {
  /** The hour's start, epoch ms (UTC, whole hour). */
  hourStartMs: number;
  parked: number;
  /** Retrieved through the bot or picked up from a phone. */
  taken: number;
  rangBack: number;
  /** Webex found nothing parked any more and no event said why: the caller hung up. */
  hungUp: number;
  /** Superseded by a newer park on the number, or waited past PARKED_CALL_MAX_WAIT_MINUTES. */
  untracked: number;
  /** Still parked, or ringing a retriever, when counted: only ever in figures read from live records. */
  waiting: number;
  /** Seconds from parked until taken, one per call taken. */
  waits: number[];
}

/**
 * Where a report's figures come from: the per-space hourly tallies kept past the call records'
 * retention (counts and waits only), and the call records themselves while they are kept.
 * Kept in the store (src/report/ reads it).
 */
export interface ReportStore {
  /** The space's kept tallies of hours in [fromMs, toMs), oldest first. */
  reportHours(roomId: string, fromMs: number, toMs: number): Promise<HourTally[]>;
  /** Keeps each tally unless one is kept for that space and hour already: the first one stands. */
  keepReportHours(roomId: string, tallies: readonly HourTally[]): Promise<void>;
  /** Forgets tallies of hours before `beforeMs`; returns how many. */
  pruneReportHours(beforeMs: number): Promise<number>;
  /** Call records parked in [fromIso, toIso), of one space when `roomId` is given, oldest first. */
  parkedCallsBetween(fromIso: string, toIso: string, roomId?: string): Promise<ParkedCall[]>;
}

/**
 * Writes of parked calls made for an event (inside `runAttempt`, src/fence.ts) are fenced: made only
 * while the inbox row of the event still has that attempt, checked in the same statement or
 * transaction; otherwise they change nothing and throw `SupersededError`. Those are `saveParkedCall`,
 * `moveParkedCall`, `claimForRetrieve`, `attachCard`, `attachPrivateCard` and `attachMention`. Outside an attempt they
 * are not fenced.
 */
export interface Store extends ReportStore {
  saveParkedCall(call: ParkedCall): Promise<void>;
  parkedCall(id: string): Promise<ParkedCall | undefined>;
  /** Calls parked from this space and still waiting, oldest first. */
  waitingInRoom(roomId: string): Promise<ParkedCall[]>;
  /** Calls parked against this number in one of `states`, in any space, oldest first. */
  parkedOnNumber(number: string, states: readonly ParkState[]): Promise<ParkedCall[]>;
  /** Calls still waiting, or ringing a retriever, that were parked before `parkedAtIso`. */
  openParkedBefore(parkedAtIso: string): Promise<ParkedCall[]>;
  /** Calls the person is retrieving right now: claimed by them (`retrieving`) or ringing their phone (`ringing`), oldest first. */
  retrievesBy(personId: string): Promise<ParkedCall[]>;
  /** The record whose retrieve started `callId` on a retriever's phone, if it is one of the bot's. */
  parkedCallByHandedCall(callId: string): Promise<ParkedCall | undefined>;
  /** Makes `cardMessageId` the call's card, atomically, and nothing owed; returns the card it replaced, if any. */
  attachCard(id: string, cardMessageId: string): Promise<string | undefined>;
  /** Records that a change of the call's card is owed since `atIso`, unless one already is (the first stands). */
  oweCard(id: string, atIso: string): Promise<void>;
  /** Calls owed a card since `sinceIso` or later, past parking. */
  owedCards(sinceIso: string): Promise<ParkedCall[]>;
  /** The same for the private card of the person it is for. */
  attachPrivateCard(id: string, card: { roomId: string; messageId: string }): Promise<{ roomId: string; messageId: string } | undefined>;
  /** The same for the @mention of the person it is for: returns the mention recorded before, if any. */
  attachMention(id: string, messageId: string): Promise<string | undefined>;
  /** Applies `move` if the record is still in one of `move.from`; true when it did. Clears any claim. */
  moveParkedCall(id: string, move: ParkedCallMove): Promise<boolean>;
  /** Forgets closed records closed before `closedBeforeMs`, and `parking` ones older than `parkingBeforeIso`. */
  pruneParkedCalls(closedBeforeMs: number, parkingBeforeIso: string): Promise<number>;
  /**
   * Takes the call for one retriever: succeeds for exactly one caller while the call waits, once an
   * earlier claim is older than `leaseMs`, or again for the same event (`claimKey`) replayed after a crash.
   */
  claimForRetrieve(id: string, personId: string, claimKey: string, nowMs: number, leaseMs: number): Promise<boolean>;

  account(personId: string): Promise<LinkedAccount | undefined>;
  linkedPersonIds(): Promise<string[]>;
  saveAccount(account: LinkedAccount): Promise<void>;
  deleteAccount(personId: string): Promise<boolean>;
  /**
   * Replaces the person's sealed tokens with `to` (the same tokens sealed under another key) only if
   * they are still `from`: a compare-and-set, so tokens a refresh saved meanwhile are never lost.
   * True when it replaced them.
   */
  resealAccount(personId: string, from: SealedTokens, to: SealedTokens): Promise<boolean>;

  /** The person's secondary lines as last read (src/calls/lines.ts), a JSON document; undefined if never read. */
  personLines(personId: string): Promise<string | undefined>;
  savePersonLines(personId: string, json: string, readAtMs: number): Promise<void>;

  /** Where the person's retrieves ring; none: wherever Webex rings them anyway. */
  ringChoice(personId: string): Promise<RingChoice | undefined>;
  saveRingChoice(personId: string, choice: RingChoice, nowMs: number): Promise<void>;
  /** Forgets the person's choice (only while it is still `endpointId`, when given); true when it did. */
  clearRingChoice(personId: string, endpointId?: string): Promise<boolean>;

  saveLinkState(state: LinkState): Promise<void>;
  linkState(id: string, nowMs: number): Promise<LinkState | undefined>;
  /** Returns the state once and deletes it: a second use finds nothing. */
  takeLinkState(id: string, nowMs: number): Promise<LinkState | undefined>;
  /** Forgets every link made for the person (unlink): none of them can link them any more. Returns how many. */
  deleteLinkStates(personId: string): Promise<number>;

  /**
   * The inbox. Records a webhook delivery under its event key, leased to this instance until
   * `nowMs + leaseMs`; true only the first time any instance sees the key, so duplicates have no
   * effect. Keys older than `keepMs` are forgotten.
   */
  takeDelivery(eventKey: string, body: string, nowMs: number, leaseMs: number, keepMs?: number): Promise<boolean>;
  /**
   * The delivery's work is still going on: no one else may replay it before `leaseUntilMs`. With
   * `attempt`, only while that is still the current attempt (a takeover moved it on otherwise).
   */
  renewDelivery(eventKey: string, leaseUntilMs: number, attempt?: number): Promise<void>;
  /** The delivery's work is complete: it will not be replayed. With `attempt`, only by that attempt while current. */
  finishDelivery(eventKey: string, nowMs: number, attempt?: number): Promise<void>;
  /**
   * Deliveries whose work never completed (their instance died, or was paused past the lease) and
   * whose lease ran out, leased anew to the caller as their next attempt (the first take is attempt
   * 1); each is handed out at most `maxAttempts` times in all.
   */
  staleDeliveries(nowMs: number, leaseMs: number, maxAttempts: number): Promise<{ eventKey: string; body: string; attempt: number }[]>;
  /** Whether `attempt` is still the current attempt at the event (no takeover since): the fence (src/fence.ts). */
  attemptHolds(eventKey: string, attempt: number): Promise<boolean>;
  /**
   * Until when (epoch ms) `attempt`'s lease on the event runs, while it is still the current attempt:
   * no takeover can come before then, so an answer read after that moment (the instance was paused
   * while it was on its way) no longer shows the attempt holds.
   */
  attemptLease(eventKey: string, attempt: number): Promise<number | undefined>;

  /** The person's subscription, made with `key` unless they have one already (every instance gets the same). */
  openSubscription(personId: string, key: string): Promise<CallEventSubscription>;
  subscription(personId: string): Promise<CallEventSubscription | undefined>;
  subscriptionByKey(key: string): Promise<CallEventSubscription | undefined>;
  /** One instance at a time checks a person's webhook: true for the one that may, until `nowMs + leaseMs`. */
  leaseSubscription(personId: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Records what the check found, and ends the lease. */
  /** With `key`, the person's address changes too (a key of an earlier form, or tagged under a retired secret). */
  recordSubscription(personId: string, result: SubscriptionResult): Promise<void>;
  /** The person's subscription, the call view their events fed, and their secondary lines as read. */
  deleteSubscription(personId: string): Promise<void>;
  /** The person's call view (src/calls/call-view.ts), if any. */
  callView(personId: string): Promise<Versioned | undefined>;
  /** Writes the person's call view if it is still at `version` (undefined: if there is none yet); true when it did. */
  saveCallView(personId: string, json: string, version: number | undefined): Promise<boolean>;
  /**
   * Linked people whose upkeep is due, at most `limit`: first those whose webhooks were made for other
   * settings than `fingerprint` (a new WEBHOOK_SECRET or PUBLIC_URL, to be moved within a rotation's
   * grace period), then longest due first: their call-events webhooks were last checked before
   * `checkedBeforeMs` (or never), or their refresh token ends before `refreshBeforeMs`.
   */
  dueForUpkeep(due: UpkeepDue): Promise<string[]>;
  /** The person's webhooks just delivered their events: as good as a check at `nowMs` (active ones only). */
  touchSubscription(personId: string, nowMs: number): Promise<void>;

  /** A park asked for by someone not linked yet, to go ahead once they link (one per person). */
  savePendingPark(personId: string, request: string, nowMs: number): Promise<void>;
  /** Takes (and forgets) the person's pending park if it was asked for after `sinceMs`. */
  takePendingPark(personId: string, sinceMs: number): Promise<string | undefined>;

  /** A job only one instance should run at a time: true for the one that may, until `nowMs + leaseMs`. */
  takeLease(name: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /**
   * The deadline recorded under `name`, recording `proposedMs` first when there is none: every
   * instance, and every restart, gets the first one recorded. Kept beside the leases (another name).
   */
  deadline(name: string, proposedMs: number): Promise<number>;

  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** How long a delivery's event key is remembered: far longer than Webex keeps retrying one. */
export const SEEN_EVENT_TTL_MS = 24 * 60 * 60 * 1000;

/** Forgotten event keys are swept at most this often, not on every delivery. */
export const PRUNE_INTERVAL_MS = 60_000;
