import { EXPLAINABLE_STATES, move, normalNumber, sameSlot } from './lifecycle.js';
import { followRingEvent } from './ring.js';
import type { RecentCalls } from './recent-calls.js';
import type { CallEvent } from '../webex/schemas.js';
import type { ParkedCall, Store } from '../storage/store.js';

export interface FollowDeps {
  store: Store;
  recentCalls: RecentCalls;
  now?: () => Date;
}

/** Whose event it is: the person whose webhook delivered it, and their organisation. */
export interface EventSource {
  personId: string;
  orgId: string;
}

/** Webex said nothing was parked there this long before an event explains why: the explanation still counts. */
const EXPLAINS_GONE_MS = 60_000;

/**
 * The feature access code for Call Park Retrieve, dialled before the slot (Webex Calling's default;
 * modelled: the form a call to it takes in an event is not documented).
 */
const PARK_RETRIEVE_CODE = '*88';

/**
 * What one of a linked person's call events says about the calls the bot shows, and the records it
 * moved. Webex tells a person only about their own calls, and an inference changes a card only when
 * its evidence picks that one call out, in the event's own organisation:
 * - the retriever's phone connecting, or the call ending before it did, on the call one of the bot's
 *   retrieves rang them with: retrieved, or parked again;
 * - the parker's phone ringing with `recall: { type: park, party }`: the call parked on that slot by
 *   that parker rang back;
 * - a call the person placed to a park slot (the number their phone dialled, while it connected) that
 *   connected to the caller waiting there: someone picked it up from a phone.
 * Anything else (a call to the caller's own number, a call the bot never parked, evidence that fits
 * several calls) changes nothing.
 */
export async function followCallEvent(deps: FollowDeps, source: EventSource, event: CallEvent): Promise<ParkedCall[]> {
  const now = deps.now?.() ?? new Date();
  if (event.recall?.type === 'park') return rangBack(deps, source, event, now);
  const handed = await deps.store.parkedCallByHandedCall(event.callId);
  if (handed) {
    // One of the bot's own retrieves: never a pick-up.
    const settled = handed.orgId === source.orgId ? await followRingEvent(deps.store, handed, source.personId, event, now) : undefined;
    return settled ? [settled] : [];
  }
  return pickedUp(deps, source, event, now);
}

async function rangBack(deps: FollowDeps, source: EventSource, event: CallEvent, now: Date): Promise<ParkedCall[]> {
  const party = event.recall?.party;
  if (!party?.number) return [];
  // A call can only ring back after it was parked: a recall dated earlier is of a call parked there before
  // (its event delayed, or kept in a spool during an outage), whoever called, from whatever number.
  const onSlot = (await deps.store.parkedOnNumber(party.number, EXPLAINABLE_STATES)).filter(
    (call) =>
      call.orgId === source.orgId &&
      call.parkedBy.personId === source.personId &&
      sameSlot(call.parkedAgainst, party) &&
      sameCaller(call, event) &&
      Date.parse(call.parkedAt) <= Date.parse(event.eventTimestamp),
  );
  return closeOnly(deps, explainable(onSlot, event), { type: 'rang-back' }, now);
}

/** The caller on the event's call, where both it and the record know the number, is the one parked. */
function sameCaller(call: ParkedCall, event: CallEvent): boolean {
  const caller = event.remoteParty?.privacyEnabled ? undefined : event.remoteParty?.number;
  return !caller || !call.caller.number || normalNumber(call.caller.number) === normalNumber(caller);
}

async function pickedUp(deps: FollowDeps, source: EventSource, event: CallEvent, now: Date): Promise<ParkedCall[]> {
  if (event.state !== 'connected' || event.personality !== 'originator') return [];
  const slot = slotDialled(deps.recentCalls.dialled(source.personId, event.callId));
  if (!slot) return [];
  const onSlot = (await deps.store.parkedOnNumber(slot, EXPLAINABLE_STATES)).filter(
    (call) => call.orgId === source.orgId && Date.parse(call.parkedAt) <= Date.parse(event.eventTimestamp) && sameCaller(call, event),
  );
  const account = await deps.store.account(source.personId);
  if (!account) return [];
  return closeOnly(deps, explainable(onSlot, event), { type: 'picked-up', by: { personId: source.personId, name: account.displayName } }, now);
}

/** The park slot a dialled number reaches: the number itself, or what follows the retrieve code. */
function slotDialled(dialled: string | undefined): string | undefined {
  const number = dialled?.replace(/^tel:/i, '');
  if (!number) return undefined;
  return number.startsWith(PARK_RETRIEVE_CODE) ? number.slice(PARK_RETRIEVE_CODE.length) || undefined : number;
}

/**
 * The records an event about a slot can be about: those still open there; failing any, one Webex
 * said was gone just before (the event says why).
 */
function explainable(calls: ParkedCall[], event: CallEvent): ParkedCall[] {
  const open = calls.filter((call) => call.state !== 'gone');
  if (open.length) return open;
  const at = Date.parse(event.eventTimestamp);
  return calls.filter((call) => call.closedAt && Math.abs(at - Date.parse(call.closedAt)) <= EXPLAINS_GONE_MS);
}

/** Evidence that fits several calls picks none of them out. */
async function closeOnly(deps: FollowDeps, candidates: ParkedCall[], change: Parameters<typeof move>[2], now: Date): Promise<ParkedCall[]> {
  const [only] = candidates;
  if (candidates.length !== 1 || !only) return [];
  const moved = await move(deps.store, only, change, now);
  return moved ? [moved] : [];
}
