import type { ParkedCall, ParkState, PersonRef, Store } from '../storage/store.js';

/**
 * A parked call's life, in one place. Chat commands, card taps, call events and the clock all move a
 * record through `move()`, and each move is a compare-and-set in the store: whatever arrives first
 * wins, and a record never leaves a closed state (except `gone`, which an event may still explain).
 *
 *   parking ──parked──▶ waiting ──claimed──▶ retrieving ──ringing──▶ ringing ──answered──▶ retrieved
 *      ├──not-parked──▶ gone                   (Webex refused or failed the park: no card was posted)
 *      └──another-call─▶ parking               (the call view named a call Webex no longer had: Webex's list named this one)
 *                        │ ▲ ▲                  │                      │
 *                        │ │ └────released──────┤                      │   (the retriever's phone connected)
 *                        │ └─────────────────── │ ───unanswered────────┤   (declined, not answered, ended first)
 *                        │ └─────────────────── │ ───let-go────────────┤   (the retriever unlinked: no longer followed)
 *                        │                      └──gone──▶ gone         │
 *                        └─────────────rings-anyway───────────▶ ringing    (Webex accepted a retrieve whose claim had moved on)
 *                        ├──rang-back──▶ rang-back  ◀──── also from retrieving, ringing and gone
 *                        ├──picked-up──▶ picked-up  ◀──── (the parker's recall event; a colleague's
 *                        │                                 call to the slot that connected to the caller)
 *                        ├──gone───────▶ gone          (Webex: nothing parked there; no reason known)
 *                        ├──superseded─▶ superseded    (a newer park on the same number)
 *                        └──expired────▶ expired       (waited, or rang, longer than the bot keeps cards)
 */
export type ParkMove =
  /** `line`: the secondary line it was parked from, now that Webex named it. */
  | { type: 'parked'; parkedAgainst: ParkedCall['parkedAgainst']; line?: ParkedCall['line'] }
  | { type: 'not-parked'; reason: string }
  /** The park is for another of the person's calls than first thought, as Webex's own list says. */
  | { type: 'another-call'; callId: string; caller: ParkedCall['caller'] }
  | { type: 'released'; by: string }
  /**
   * Webex accepted the retrieve and rings `by`'s phone with the call `handedCallId` (on the device `on`,
   * if they chose one), for the event `key` (the tap or command that asked).
   */
  | { type: 'ringing'; by: PersonRef; handedCallId: string; on?: string; key?: string }
  /**
   * The same, for a retrieve whose claim had moved on by the time Webex accepted it (its attempt was
   * superseded, or another move came first): Webex rings `by` all the same, so the record follows
   * that call, whoever holds the claim now (src/calls/ring.ts, `followAnyway`).
   */
  | { type: 'rings-anyway'; by: PersonRef; handedCallId: string; on?: string }
  /** The retriever's phone connected on the retrieve's call. */
  | { type: 'answered'; handedCallId: string; handedOver?: ParkedCall['caller'] }
  /** The retrieve's call ended before it connected: the caller is parked again. */
  | { type: 'unanswered'; handedCallId: string }
  /**
   * The bot can no longer follow the retrieve's ring (the retriever unlinked): the card offers
   * Retrieve again rather than claim their phone rings for good; the next tap learns from Webex.
   */
  | { type: 'let-go'; handedCallId: string }
  | { type: 'gone'; claimedBy?: string }
  | { type: 'rang-back' }
  | { type: 'picked-up'; by: PersonRef }
  | { type: 'superseded'; byParkId: string }
  | { type: 'expired'; waitedSeconds: number };

/** While someone is taking the call (or Webex said it is gone), an event that explains it still wins. */
const EXPLAINABLE: ParkState[] = ['waiting', 'retrieving', 'ringing', 'gone'];

const TRANSITIONS: Record<ParkMove['type'], { from: ParkState[]; to: ParkState }> = {
  parked: { from: ['parking'], to: 'waiting' },
  'not-parked': { from: ['parking'], to: 'gone' },
  'another-call': { from: ['parking'], to: 'parking' },
  released: { from: ['retrieving'], to: 'waiting' },
  ringing: { from: ['retrieving'], to: 'ringing' },
  'rings-anyway': { from: ['waiting', 'retrieving'], to: 'ringing' },
  answered: { from: ['ringing'], to: 'retrieved' },
  unanswered: { from: ['ringing'], to: 'waiting' },
  'let-go': { from: ['ringing'], to: 'waiting' },
  gone: { from: ['waiting', 'retrieving'], to: 'gone' },
  'rang-back': { from: EXPLAINABLE, to: 'rang-back' },
  'picked-up': { from: EXPLAINABLE, to: 'picked-up' },
  superseded: { from: ['waiting'], to: 'superseded' },
  expired: { from: ['waiting', 'ringing'], to: 'expired' },
};

/** The states an event about the call's slot may still explain (rang back, picked up). */
export const EXPLAINABLE_STATES: readonly ParkState[] = EXPLAINABLE;

export type ClosedState = Exclude<ParkState, 'parking' | 'waiting' | 'retrieving' | 'ringing'>;

/** States a record never leaves (but `gone`, to be explained); its card has no Retrieve button. */
export const CLOSED_STATES: readonly ClosedState[] = ['retrieved', 'rang-back', 'picked-up', 'gone', 'superseded', 'expired'];

export const isClosed = (call: ParkedCall): call is ParkedCall & { state: ClosedState } => (CLOSED_STATES as readonly ParkState[]).includes(call.state);

/** What a move records besides the state: who, when, and what Webex said. */
function changesFor(move: ParkMove, at: string): Partial<ParkedCall> {
  switch (move.type) {
    case 'parked':
      return { parkedAgainst: move.parkedAgainst, ...(move.line ? { line: move.line } : {}) };
    case 'not-parked':
      return { notParked: move.reason, closedAt: at };
    case 'another-call':
      return { callId: move.callId, caller: move.caller };
    case 'released':
    case 'unanswered':
    case 'let-go':
      return {};
    case 'ringing':
      return { ringingFor: move.by, ringingSince: at, handedCallId: move.handedCallId, ringingOn: move.on ?? '', ...(move.key ? { ringKey: move.key } : {}) };
    case 'rings-anyway':
      return { ringingFor: move.by, ringingSince: at, handedCallId: move.handedCallId, ringingOn: move.on ?? '' };
    case 'answered':
      return { retrievedAt: at, closedAt: at, ...(move.handedOver ? { handedOver: move.handedOver } : {}) };
    case 'picked-up':
      return { pickedUpBy: move.by, closedAt: at };
    case 'superseded':
      return { supersededBy: move.byParkId, closedAt: at };
    case 'expired':
      return { waitedSeconds: move.waitedSeconds, closedAt: at };
    case 'gone':
    case 'rang-back':
      return { closedAt: at };
  }
}

/** The retriever (while claimed) or the retrieve's ringing call a move is made for, if any. */
function condition(change: ParkMove): { claimedBy?: string; handedCallId?: string } {
  switch (change.type) {
    case 'released':
      return { claimedBy: change.by };
    case 'ringing':
      return { claimedBy: change.by.personId };
    case 'gone':
      return change.claimedBy ? { claimedBy: change.claimedBy } : {};
    case 'answered':
    case 'unanswered':
    case 'let-go':
      return { handedCallId: change.handedCallId };
    case 'parked':
    case 'not-parked':
    case 'another-call':
    case 'rings-anyway':
    case 'rang-back':
    case 'picked-up':
    case 'superseded':
    case 'expired':
      return {};
  }
}

/**
 * Moves the record if it is still in a state the move starts from. Returns the record as it now is,
 * or undefined when something else moved it first. A move made by a retriever (`released`,
 * `ringing`, `gone` after a failed retrieve) succeeds only while that retriever holds the claim; the
 * end of a ring (`answered`, `unanswered`) only while the record is ringing with that very call.
 */
export async function move(store: Store, call: ParkedCall, change: ParkMove, now: Date = new Date()): Promise<ParkedCall | undefined> {
  const { from, to } = TRANSITIONS[change.type];
  const at = now.toISOString();
  const changes: Partial<ParkedCall> = changesFor(change, at);
  if (change.type === 'answered' && call.ringingFor) changes.retrievedBy = call.ringingFor;
  const moved = await store.moveParkedCall(call.id, {
    from,
    to,
    changes,
    ...condition(change),
    ...((CLOSED_STATES as readonly ParkState[]).includes(to) ? { closedAtMs: now.getTime() } : {}),
  });
  if (!moved) return undefined;
  const { claim: _claim, ...unclaimed } = call;
  return { ...unclaimed, ...changes, state: to };
}

/** The same move for several records; returns those it moved (the others had moved on already). */
export async function moveAll(store: Store, calls: ParkedCall[], change: ParkMove, now: Date = new Date()): Promise<ParkedCall[]> {
  const moved = await Promise.all(calls.map((call) => move(store, call, change, now)));
  return moved.filter((call): call is ParkedCall => call !== undefined);
}

/** Park numbers are per organisation: ids, where Webex gives them, tell two orgs' "2001" apart. */
interface Slot {
  number?: string | undefined;
  personId?: string | undefined;
  placeId?: string | undefined;
}

export function sameSlot(a: Slot, b: Slot): boolean {
  if (normalNumber(a.number) !== normalNumber(b.number)) return false;
  if (a.personId && b.personId) return a.personId === b.personId;
  if (a.placeId && b.placeId) return a.placeId === b.placeId;
  return true;
}

/** `tel:+1 (222) 333-4444` and `+12223334444` are the same number. */
export const normalNumber = (number: string | undefined): string => (number ?? '').replace(/^tel:/i, '').replace(/[\s().-]/g, '');
