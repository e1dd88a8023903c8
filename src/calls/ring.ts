import { WebexApiError } from '../webex/errors.js';
import { NotLinkedError } from '../auth/errors.js';
import type { CallingApi } from '../webex/calling-api.js';
import type { Call, CallEvent, Party } from '../webex/schemas.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, PersonRef, Store } from '../storage/store.js';
import type { RecentCalls } from './recent-calls.js';
import { isClosed, move } from './lifecycle.js';

/** How often a retriever's ringing call is read back from Webex when the bot gets no call events for them. */
export const RING_POLL_MS = 1000;
/** How long it is read back at most; a ring still unsettled by then is left to the clock (expiry). */
export const RING_WATCH_MS = 3 * 60_000;

export interface RingDeps {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
  recentCalls: RecentCalls;
  now?: () => Date;
  pollMs?: number;
  watchMs?: number;
}

export type Ringing = ParkedCall & { state: 'ringing'; handedCallId: string; ringingFor: NonNullable<ParkedCall['ringingFor']> };

export const isRinging = (call: ParkedCall | undefined): call is Ringing => call?.state === 'ringing' && Boolean(call.handedCallId && call.ringingFor);

/** Who Webex put on the retriever's phone: the caller actually handed over, as the call names them. */
function handedOver(party: Party | undefined): ParkedCall['caller'] {
  if (!party || party.privacyEnabled) return {};
  return { ...(party.name ? { name: party.name } : {}), ...(party.number ? { number: party.number } : {}) };
}

/**
 * What the retrieve's call on the retriever's phone says, as an event or as read back from Webex:
 * connected (or ended after it had been answered) → retrieved; ended before it connected (declined,
 * not answered, the caller gone) → the caller is parked again; still ringing → nothing yet.
 */
export async function settle(store: Store, call: Ringing, seen: Pick<Call, 'state' | 'remoteParty' | 'answered'>, now: Date): Promise<ParkedCall | undefined> {
  const handedCallId = call.handedCallId;
  if (seen.state === 'connected' || seen.state === 'held' || seen.state === 'remoteHeld' || (seen.state === 'disconnected' && seen.answered)) {
    return move(store, call, { type: 'answered', handedCallId, handedOver: handedOver(seen.remoteParty) }, now);
  }
  if (seen.state === 'disconnected') return move(store, call, { type: 'unanswered', handedCallId }, now);
  return undefined;
}

/** One of the retriever's own call events, about the call a retrieve rings them with. */
export async function followRingEvent(store: Store, call: ParkedCall, personId: string, event: CallEvent, now: Date): Promise<ParkedCall | undefined> {
  if (!isRinging(call) || call.ringingFor.personId !== personId || call.handedCallId !== event.callId) return undefined;
  return settle(store, call, event, now);
}

/**
 * Sees a ringing retrieve through to its end. The retriever's call events settle it wherever they
 * arrive; any that came here before the retrieve recorded its call are applied now. For a retriever
 * whose events the bot does not get, Webex is asked about the call every `pollMs` until it connects or
 * ends, for `watchMs` at most. Returns the record once this watch moved it, or undefined.
 */
export async function watchRing(deps: RingDeps, call: ParkedCall): Promise<ParkedCall | undefined> {
  if (!isRinging(call)) return undefined;
  const now = (): Date => deps.now?.() ?? new Date();
  const personId = call.ringingFor.personId;
  const early = deps.recentCalls.latest(personId, call.handedCallId);
  if (early) {
    const settled = await settle(deps.store, call, early, now());
    if (settled) return settled;
  }
  if ((await deps.store.subscription(personId))?.status === 'active') return undefined;
  const deadline = Date.now() + (deps.watchMs ?? RING_WATCH_MS);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, deps.pollMs ?? RING_POLL_MS));
    const current = await deps.store.parkedCall(call.id);
    if (!isRinging(current) || current.handedCallId !== call.handedCallId) return undefined;
    const seen = await readBack(deps, personId, call.handedCallId);
    // They unlinked (or their link lapsed) while it rang: nothing more can be learnt of the ring.
    if (seen === UNFOLLOWABLE) return letGo(deps.store, current, now());
    if (!seen) continue;
    const settled = await settle(deps.store, current, seen, now());
    if (settled || seen.state === 'disconnected') return settled;
  }
  return undefined;
}

/**
 * The retriever is unlinking: nothing more will be heard of their calls once their token is gone.
 * Their ring is settled now, with their token, by what Webex says of it; one still ringing (or that
 * Webex cannot say anything of) is let go. Returns the record as moved, and whether it was let go.
 */
export async function settleBeforeUnlink(deps: RingDeps, call: Ringing): Promise<{ call: ParkedCall; letGo: boolean } | undefined> {
  const now = deps.now?.() ?? new Date();
  const seen = await readBack(deps, call.ringingFor.personId, call.handedCallId);
  const settled = seen && seen !== UNFOLLOWABLE ? await settle(deps.store, call, seen, now) : undefined;
  if (settled) return { call: settled, letGo: false };
  const waiting = await letGo(deps.store, call, now);
  return waiting && { call: waiting, letGo: true };
}

/**
 * A ring the bot can no longer follow goes back to waiting. It is returned without `ringingFor`, so
 * nobody is told their phone "did not connect" (`CardBoard.showRingEnd`): nobody knows how it ends.
 */
async function letGo(store: Store, call: Ringing, now: Date): Promise<ParkedCall | undefined> {
  const waiting = await move(store, call, { type: 'let-go', handedCallId: call.handedCallId }, now);
  if (!waiting) return undefined;
  const { ringingFor: _unknownEnd, ...shown } = waiting;
  return shown;
}

/** Webex cannot be asked for this retriever any more: they are not linked (unlinked, or the link lapsed). */
const UNFOLLOWABLE = Symbol('unfollowable');

/**
 * Webex accepted a retrieve whose claim had moved on meanwhile (its attempt was superseded by a
 * takeover, or another move came first): the retriever's phone rings with the caller all the same.
 * The record is made to follow that call, so the retriever's call events or `watchRing` settle it,
 * rather than leave a ring no record knows of (the card would offer Retrieve for a call that is gone).
 * A record still ringing with another call is waited for: Webex moved the caller off that call, and
 * its end is on its way; as long as this call rings, for `watchMs` at most. Returns the record when
 * this run made it follow the call; undefined when it already did (another run found the call), or
 * the call ended first, or the record closed.
 */
export async function followAnyway(
  deps: Pick<RingDeps, 'calling' | 'vault' | 'store' | 'now' | 'pollMs' | 'watchMs'>,
  parkId: string,
  by: PersonRef,
  handedCallId: string,
  on?: string,
): Promise<Ringing | undefined> {
  const deadline = Date.now() + (deps.watchMs ?? RING_WATCH_MS);
  for (;;) {
    const record = await deps.store.parkedCall(parkId);
    if (!record || isClosed(record) || record.handedCallId === handedCallId) return undefined;
    const moved = await move(deps.store, record, { type: 'rings-anyway', by, handedCallId, ...(on === undefined ? {} : { on }) }, deps.now?.() ?? new Date());
    if (isRinging(moved)) return moved;
    if (Date.now() >= deadline) return undefined;
    const seen = await readBack(deps, by.personId, handedCallId);
    if (seen === UNFOLLOWABLE || seen?.state === 'disconnected') return undefined;
    await new Promise((resolve) => setTimeout(resolve, deps.pollMs ?? RING_POLL_MS));
  }
}

/** The call as Webex has it now; gone from the retriever's calls means it ended. Undefined: Webex could not say. */
async function readBack(deps: Pick<RingDeps, 'calling' | 'vault'>, personId: string, callId: string): Promise<Pick<Call, 'state' | 'remoteParty' | 'answered'> | typeof UNFOLLOWABLE | undefined> {
  try {
    return await deps.vault.withToken(personId, (token) => deps.calling.call(token, callId));
  } catch (error) {
    if (error instanceof WebexApiError && error.kind === 'not-found') return { state: 'disconnected' };
    if (error instanceof NotLinkedError) return UNFOLLOWABLE;
    return undefined;
  }
}
