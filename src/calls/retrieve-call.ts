import type { CallingApi } from '../webex/calling-api.js';
import { WebexApiError } from '../webex/errors.js';
import { NotLinkedError } from '../auth/errors.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, PersonRef, Store } from '../storage/store.js';
import { isClosed, move, type ParkMove } from './lifecycle.js';
import type { Handovers } from './handovers.js';

/** A claim older than this is taken to be from a retrieve that died half-way. */
export const RETRIEVE_LEASE_MS = 60_000;

export type RetrieveOutcome =
  | { type: 'retrieved'; call: ParkedCall }
  /** The call's life had already ended (taken, rang back, gone, …): nothing was asked of Webex. */
  | { type: 'closed'; call: ParkedCall }
  /** Webex said nothing is parked there any more: the record is closed now. */
  | { type: 'gone'; call: ParkedCall }
  | { type: 'in-progress'; call: ParkedCall }
  /** The request came from another space than the one the call was parked from. */
  | { type: 'elsewhere' }
  | { type: 'not-found' };

export interface RetrieveDeps {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
  now?: () => Date;
  /** The retrievers' own call events, when the bot gets them: who Webex handed over, without asking. */
  handovers?: Handovers;
}

/**
 * Retrieves a parked call for whoever asked, with their own token. Concurrent attempts race on an
 * atomic claim in the store: exactly one reaches Webex, the others learn who has it. `claimKey` is the
 * asking event's key: replayed after a crash, the same event takes its claim up again. Only a request
 * from the space the call was parked from (`fromRoomId`) may take it.
 */
export async function retrieveParkedCall(deps: RetrieveDeps, parkId: string, by: PersonRef, claimKey: string, fromRoomId: string): Promise<RetrieveOutcome> {
  const call = await deps.store.parkedCall(parkId);
  if (!call || call.state === 'parking') return { type: 'not-found' };
  // A parkId can be read off any card by anyone who saw it; it acts only in the space it belongs to,
  // or on the private card of the person it was parked for.
  const ownPrivateCard = call.privateCard?.roomId === fromRoomId && call.forPerson?.personId === by.personId;
  if (call.roomId !== fromRoomId && !ownPrivateCard) return { type: 'elsewhere' };
  if (isClosed(call)) return { type: 'closed', call };
  if (!(await deps.vault.isLinked(by.personId))) throw new NotLinkedError(by.personId, 'never-linked');

  const resuming = call.state === 'retrieving' && call.claim?.key === claimKey;
  const now = (): Date => deps.now?.() ?? new Date();
  if (!(await deps.store.claimForRetrieve(parkId, by.personId, claimKey, now().getTime(), RETRIEVE_LEASE_MS))) {
    const current = (await deps.store.parkedCall(parkId)) ?? call;
    return isClosed(current) ? { type: 'closed', call: current } : { type: 'in-progress', call: current };
  }
  const claimed: ParkedCall = { ...call, state: 'retrieving' };
  let handed: { callId: string; caller?: ParkedCall['caller'] } | undefined;
  try {
    handed = await deps.vault.withToken(by.personId, async (token) => {
      const { callId } = await deps.calling.retrieve(token, call.parkedAgainst.number);
      return { callId, ...(await handedOverCaller(deps, by.personId, token, callId)) };
    });
  } catch (error) {
    const nothingParked = error instanceof WebexApiError && error.kind === 'not-found';
    // Replayed after a crash: nothing parked there any more means our first attempt went through.
    if (!(nothingParked && resuming)) {
      if (nothingParked) return { type: 'gone', call: (await move(deps.store, claimed, { type: 'gone', claimedBy: by.personId }, now())) ?? claimed };
      await move(deps.store, claimed, { type: 'released', by: by.personId }, now());
      throw error;
    }
  }
  const retrieved: ParkMove = {
    type: 'retrieved',
    by,
    ...(handed ? { handedCallId: handed.callId } : {}),
    ...(handed?.caller ? { handedOver: handed.caller } : {}),
  };
  const at = now();
  return {
    type: 'retrieved',
    call: (await move(deps.store, claimed, retrieved, at)) ?? { ...claimed, state: 'retrieved', retrievedBy: by, retrievedAt: at.toISOString() },
  };
}

/**
 * Who is on the call Webex started on the retriever's phone: the caller actually handed over, which
 * can differ from the one the record remembers when the park slot changed hands outside the bot.
 * The retriever's call event for that call says so; without one (no call-events webhook for them, or
 * the event went to another instance), Webex is asked.
 */
async function handedOverCaller(deps: RetrieveDeps, personId: string, token: string, callId: string): Promise<{ caller?: ParkedCall['caller'] }> {
  try {
    const { handovers } = deps;
    const watched = handovers && (await deps.store.subscription(personId))?.status === 'active';
    const event = watched ? await handovers.eventFor(personId, callId) : undefined;
    const party = event ? event.remoteParty : (await deps.calling.call(token, callId)).remoteParty;
    if (!party || party.privacyEnabled) return { caller: {} };
    return { caller: { ...(party.name ? { name: party.name } : {}), ...(party.number ? { number: party.number } : {}) } };
  } catch {
    // The retrieve itself went through; the card then names the caller as parked.
    return {};
  }
}

export type RetrieveByNumberOutcome =
  | RetrieveOutcome
  /** Nothing the bot parked matched, so Webex was asked directly (a call parked from a phone). */
  | { type: 'retrieved-unrecorded'; destination?: string }
  | { type: 'choose'; calls: ParkedCall[] };

/**
 * `retrieve` typed in a space: a number picks the matching waiting card; no number picks the only
 * waiting call, or asks which one. Without any card, Webex itself is asked.
 */
export async function retrieveByNumber(deps: RetrieveDeps, roomId: string, by: PersonRef, claimKey: string, destination?: string): Promise<RetrieveByNumberOutcome> {
  const waiting = await deps.store.waitingInRoom(roomId);
  const matching = destination ? waiting.filter((call) => sameNumber(call.parkedAgainst.number, destination)) : waiting;
  if (matching.length > 1) return { type: 'choose', calls: matching };
  const only = matching[0];
  if (only) return retrieveParkedCall(deps, only.id, by, claimKey, roomId);
  await deps.vault.withToken(by.personId, (token) => deps.calling.retrieve(token, destination));
  return { type: 'retrieved-unrecorded', ...(destination ? { destination } : {}) };
}

const sameNumber = (a: string, b: string): boolean => a.replace(/^tel:/, '') === b.replace(/^tel:/, '');
