import type { CallingApi } from '../webex/calling-api.js';
import { WebexApiError } from '../webex/errors.js';
import { NotLinkedError } from '../auth/errors.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, PersonRef, RingChoice, Store } from '../storage/store.js';
import { isClosed, move, normalNumber } from './lifecycle.js';
import { followAnyway, isRinging, settle } from './ring.js';
import { retrieveToChosen, type RetrieveRing } from './ring-choice.js';
import type { Call } from '../webex/schemas.js';
import { OrganisationCheck, type Organisations } from './organisation.js';
import { outsideAttempt, SupersededError } from '../fence.js';

/** How far Webex's calling clock may be from the bot's when a call's `created` is compared with a claim. */
const CLOCK_SKEW_MS = 2_000;

/** A claim older than this is taken to be from a retrieve that died half-way. */
export const RETRIEVE_LEASE_MS = 60_000;

/** The retriever's chosen device was gone from Webex: the call rang where Webex rings them anyway. */
interface Dropped {
  dropped?: RingChoice;
}

export type RetrieveOutcome =
  /** Webex rings the retriever's phone with the call: it is retrieved once they answer (`watchRing`). */
  | ({ type: 'ringing'; call: ParkedCall } & Dropped)
  /**
   * Webex accepted the retrieve after this attempt was superseded (another instance took the event
   * over): the record now follows the ring all the same; the attempt says nothing.
   */
  | { type: 'followed'; call: ParkedCall }
  /**
   * A replay of the very tap or command whose retrieve Webex already rang the retriever for (the first
   * attempt was paused, or died, after that): carried out, so nothing is asked of Webex or said again.
   */
  | { type: 'carried-out'; call: ParkedCall }
  /** Replayed after a crash: the retriever's phone had already connected (or the ring had ended). */
  | ({ type: 'settled'; call: ParkedCall } & Dropped)
  /** The call's life had already ended (taken, rang back, gone, …): nothing was asked of Webex. */
  | { type: 'closed'; call: ParkedCall }
  /** Webex said nothing is parked there any more: the record is closed now. */
  | { type: 'gone'; call: ParkedCall }
  /** Someone is taking it right now: Webex is being asked, or their phone rings with it. */
  | { type: 'in-progress'; call: ParkedCall }
  /** The request came from another space than the one the call was parked from. */
  | { type: 'elsewhere' }
  /** The asker is not of the organisation the call was parked in: nothing was asked of Webex. */
  | { type: 'other-organisation' }
  | { type: 'not-found' };

export interface RetrieveDeps {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
  /** Whose organisation each person is in, as Webex says. */
  messaging: Organisations;
  now?: () => Date;
}

/**
 * Retrieves a parked call for whoever asked, with their own token. Concurrent attempts race on an
 * atomic claim in the store: exactly one reaches Webex, the others learn who has it. `claimKey` is the
 * asking event's key: replayed after a crash, the same event takes its claim up again. Only a request
 * from the space the call was parked from (`fromRoomId`) may take it. Webex's answer means only that
 * the retriever's phone rings: the record is `ringing` until that call connects or ends. `byOrgId`
 * is the asker's organisation as Webex named it with them (asked of Webex when absent): only people
 * of the call's own organisation may take it.
 */
export async function retrieveParkedCall(deps: RetrieveDeps, parkId: string, by: PersonRef, claimKey: string, fromRoomId: string, byOrgId?: string): Promise<RetrieveOutcome> {
  const call = await deps.store.parkedCall(parkId);
  if (!call || call.state === 'parking') return { type: 'not-found' };
  // A parkId can be read off any card by anyone who saw it; it acts only in the space it belongs to,
  // or on the private card of the person it was parked for.
  const ownPrivateCard = call.privateCard?.roomId === fromRoomId && call.forPerson?.personId === by.personId;
  if (call.roomId !== fromRoomId && !ownPrivateCard) return { type: 'elsewhere' };
  if (!(await new OrganisationCheck(deps.messaging).mayAct({ personId: by.personId, orgId: byOrgId }, call))) return { type: 'other-organisation' };
  if (call.ringKey === claimKey) return { type: 'carried-out', call };
  if (isClosed(call)) return { type: 'closed', call };
  if (!(await deps.vault.isLinked(by.personId))) throw new NotLinkedError(by.personId, 'never-linked');

  const resuming = call.state === 'retrieving' && call.claim?.key === claimKey;
  const now = (): Date => deps.now?.() ?? new Date();
  if (!(await deps.store.claimForRetrieve(parkId, by.personId, claimKey, now().getTime(), RETRIEVE_LEASE_MS))) return current(deps, call);
  const claimed: ParkedCall = { ...call, state: 'retrieving' };
  let handedCallId: string | undefined;
  let handed: Call | undefined;
  let ring: RetrieveRing | undefined;
  try {
    ring = await retrieveToChosen(deps, by.personId, call.parkedAgainst.number);
    handedCallId = ring.callId;
  } catch (error) {
    const nothingParked = error instanceof WebexApiError && error.kind === 'not-found';
    if (!nothingParked) {
      await move(deps.store, claimed, { type: 'released', by: by.personId }, now());
      throw error;
    }
    // Replayed after a crash: nothing parked there any more may mean our first attempt went through.
    if (resuming) handed = await callAlreadyHanded(deps, by.personId, call);
    handedCallId = handed?.id;
    if (!handedCallId) {
      const gone = await move(deps.store, claimed, { type: 'gone', claimedBy: by.personId }, now());
      // An event explained it first (it rang back, someone picked it up): that is the story.
      return gone ? { type: 'gone', call: gone } : current(deps, call);
    }
  }
  const on = ring?.ringsOn ? { on: ring.ringsOn.name } : {};
  let ringing: ParkedCall | undefined;
  try {
    ringing = await move(deps.store, claimed, { type: 'ringing', by, handedCallId, key: claimKey, ...on }, now());
  } catch (error) {
    if (!(error instanceof SupersededError)) throw error;
    // What Webex did for a superseded attempt is followed to its end, not left untracked; it is not this attempt's to say.
    const followed = await outsideAttempt(() => followAnyway(deps, parkId, by, handedCallId, ring?.ringsOn?.name));
    if (followed) return { type: 'followed', call: followed };
    throw error;
  }
  if (!ringing) {
    // The claim moved on while Webex was asked, yet Webex rings the retriever: the record follows that ring.
    const followed = await outsideAttempt(() => followAnyway(deps, parkId, by, handedCallId, ring?.ringsOn?.name));
    return followed ? { type: 'ringing', call: followed } : current(deps, call);
  }
  // Found after a crash, the call may have connected already: the events of it went to no one.
  const settled = handed && isRinging(ringing) ? await settle(deps.store, ringing, handed, now()) : undefined;
  const dropped = ring?.dropped ? { dropped: ring.dropped } : {};
  return settled ? { type: 'settled', call: settled, ...dropped } : { type: 'ringing', call: ringing, ...dropped };
}

/** What became of a call someone else moved first. */
async function current(deps: RetrieveDeps, call: ParkedCall): Promise<RetrieveOutcome> {
  const now = (await deps.store.parkedCall(call.id)) ?? call;
  return isClosed(now) ? { type: 'closed', call: now } : { type: 'in-progress', call: now };
}

/**
 * After a crash between Webex's answer and recording it: the call Webex started on the retriever's
 * phone for this caller, if it is still there. Only a call begun since this event claimed the park can
 * be it, and not one another record's retrieve handed over: the retriever may well be on an older call
 * from the same number (a customer's main line calls twice), which no retrieve of this park started.
 */
async function callAlreadyHanded(deps: RetrieveDeps, personId: string, call: ParkedCall): Promise<Call | undefined> {
  const caller = call.caller.number;
  if (!caller) return undefined;
  const claimedAt = call.claim?.at;
  const begunSinceClaim = (active: Call): boolean => claimedAt === undefined || active.created === undefined || Date.parse(active.created) >= claimedAt - CLOCK_SKEW_MS;
  try {
    const calls = await deps.vault.withToken(personId, (token) => deps.calling.activeCalls(token));
    const candidates = calls.filter((active) => active.personality !== 'originator' && normalNumber(active.remoteParty?.number) === normalNumber(caller) && begunSinceClaim(active));
    for (const candidate of candidates) {
      const handedFor = await deps.store.parkedCallByHandedCall(candidate.id);
      if (!handedFor || handedFor.id === call.id) return candidate;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

export type RetrieveByNumberOutcome =
  | RetrieveOutcome
  /** Nothing the bot parked matched, so Webex was asked directly (a call parked from a phone). */
  | ({ type: 'retrieved-unrecorded'; destination?: string; ringsOn?: RingChoice } & Dropped)
  | { type: 'choose'; calls: ParkedCall[] };

/**
 * `retrieve` typed in a space: a number picks the matching waiting card; no number picks the only
 * waiting call, or asks which one. Without any card, Webex itself is asked (the asker's own
 * organisation's slot). Another organisation's cards are neither taken nor offered: with only
 * those matching, the asker is refused.
 */
export async function retrieveByNumber(deps: RetrieveDeps, roomId: string, by: PersonRef, claimKey: string, destination?: string, byOrgId?: string): Promise<RetrieveByNumberOutcome> {
  const waiting = await deps.store.waitingInRoom(roomId);
  const matching = destination ? waiting.filter((call) => sameNumber(call.parkedAgainst.number, destination)) : waiting;
  const theirs = await new OrganisationCheck(deps.messaging).filter({ personId: by.personId, orgId: byOrgId }, matching);
  if (matching.length > 0 && theirs.length === 0) return { type: 'other-organisation' };
  if (theirs.length > 1) return { type: 'choose', calls: theirs };
  const only = theirs[0];
  if (only) return retrieveParkedCall(deps, only.id, by, claimKey, roomId, byOrgId);
  const { ringsOn, dropped } = await retrieveToChosen(deps, by.personId, destination);
  return { type: 'retrieved-unrecorded', ...(destination ? { destination } : {}), ...(ringsOn ? { ringsOn } : {}), ...(dropped ? { dropped } : {}) };
}

const sameNumber = (a: string, b: string): boolean => normalNumber(a) === normalNumber(b);
