import { moveAll, sameSlot } from './lifecycle.js';
import type { CallEvent } from '../webex/schemas.js';
import type { ParkedCall, Store } from '../storage/store.js';

export interface FollowDeps {
  store: Store;
  now?: () => Date;
}

/**
 * What one of a linked person's call events says about the calls the bot shows as waiting, and the
 * records it closed. Webex tells a person only about their own calls, so:
 * - the parker's phone ringing with `recall: { type: park, party }`: the parked call rang back;
 * - anyone's phone connected to a waiting call's caller on a call that phone placed (dialling the
 *   park slot; an incoming call from the same number, such as a company's main line, is not one),
 *   and that Webex did not start for one of the bot's retrieves: someone picked it up from a phone.
 * Anything else (a call the bot never parked, a person it does not know) changes nothing.
 */
export async function followCallEvent(deps: FollowDeps, personId: string, event: CallEvent): Promise<ParkedCall[]> {
  const now = deps.now?.() ?? new Date();
  if (event.recall?.type === 'park') return rangBack(deps, personId, event, now);
  const callerNumber = event.remoteParty?.privacyEnabled ? undefined : event.remoteParty?.number;
  if (event.state !== 'connected' || event.personality === 'terminator' || !callerNumber) return [];
  const candidates = (await deps.store.waitingWithCaller(callerNumber)).filter(
    (call) => call.callId !== event.callId && Date.parse(call.parkedAt) <= Date.parse(event.eventTimestamp),
  );
  if (candidates.length === 0 || (await deps.store.isHandedCall(event.callId))) return [];
  const account = await deps.store.account(personId);
  if (!account) return [];
  const by = { personId, name: account.displayName };
  return moveAll(deps.store, candidates, { type: 'picked-up', by }, now);
}

async function rangBack(deps: FollowDeps, parkerId: string, event: CallEvent, now: Date): Promise<ParkedCall[]> {
  const party = event.recall?.party;
  const callerNumber = event.remoteParty?.number;
  const candidates = party?.number
    ? (await deps.store.waitingOnNumber(party.number)).filter((call) => sameSlot(call.parkedAgainst, party))
    : callerNumber
      ? await deps.store.waitingWithCaller(callerNumber)
      : [];
  const own = candidates.filter((call) => call.parkedBy.personId === parkerId);
  return moveAll(deps.store, own, { type: 'rang-back' }, now);
}
