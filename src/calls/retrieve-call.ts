import type { CallingApi } from '../webex/calling-api.js';
import { WebexApiError } from '../webex/errors.js';
import { NotLinkedError } from '../auth/errors.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, PersonRef, Store } from '../storage/store.js';

/** A claim older than this is taken to be from a retrieve that died half-way. */
export const RETRIEVE_LEASE_MS = 60_000;

export type RetrieveOutcome =
  | { type: 'retrieved'; call: ParkedCall }
  | { type: 'already-retrieved'; call: ParkedCall }
  | { type: 'in-progress'; call: ParkedCall }
  | { type: 'not-found' };

export interface RetrieveDeps {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
  now?: () => Date;
}

/**
 * Retrieves a parked call for whoever asked, with their own token. Concurrent attempts race on an
 * atomic claim in the store: exactly one reaches Webex, the others learn who has it. `claimKey` is the
 * asking event's key: replayed after a crash, the same event takes its claim up again.
 */
export async function retrieveParkedCall(deps: RetrieveDeps, parkId: string, by: PersonRef, claimKey: string): Promise<RetrieveOutcome> {
  const call = await deps.store.parkedCall(parkId);
  if (!call || call.state === 'parking') return { type: 'not-found' };
  if (call.state === 'retrieved') return { type: 'already-retrieved', call };
  if (!(await deps.vault.isLinked(by.personId))) throw new NotLinkedError(by.personId, 'never-linked');

  const resuming = call.state === 'retrieving' && call.claim?.key === claimKey;
  const now = deps.now?.() ?? new Date();
  if (!(await deps.store.claimForRetrieve(parkId, by.personId, claimKey, now.getTime(), RETRIEVE_LEASE_MS))) {
    const current = (await deps.store.parkedCall(parkId)) ?? call;
    return current.state === 'retrieved' ? { type: 'already-retrieved', call: current } : { type: 'in-progress', call: current };
  }
  try {
    await deps.vault.withToken(by.personId, (token) => deps.calling.retrieve(token, call.parkedAgainst.number));
  } catch (error) {
    // Replayed after a crash: nothing parked there any more means our first attempt went through.
    const firstAttemptWorked = resuming && error instanceof WebexApiError && error.kind === 'not-found';
    if (!firstAttemptWorked) {
      await deps.store.releaseClaim(parkId, by.personId);
      throw error;
    }
  }
  const retrievedAt = (deps.now?.() ?? new Date()).toISOString();
  await deps.store.markRetrieved(parkId, by, retrievedAt);
  return { type: 'retrieved', call: { ...call, state: 'retrieved', retrievedBy: by, retrievedAt } };
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
  if (only) return retrieveParkedCall(deps, only.id, by, claimKey);
  await deps.vault.withToken(by.personId, (token) => deps.calling.retrieve(token, destination));
  return { type: 'retrieved-unrecorded', ...(destination ? { destination } : {}) };
}

const sameNumber = (a: string, b: string): boolean => a.replace(/^tel:/, '') === b.replace(/^tel:/, '');
