import type { ParkedCall, ParkState, PersonRef, Store } from '../storage/store.js';

/**
 * A parked call's life, in one place. Chat commands, card taps, call events and the clock all move a
 * record through `move()`, and each move is a compare-and-set in the store: whatever arrives first
 * wins, and a record never leaves a closed state.
 *
 *   parking ──parked──▶ waiting ──claimed──▶ retrieving ──retrieved──▶ retrieved
 *      └──not-parked──▶ gone                   (Webex refused or failed the park: no card was posted)
 *                        │  ▲                   │
 *                        │  └─────released──────┤
 *                        │                      └──gone──▶ gone
 *                        ├──rang-back──▶ rang-back     (the parker's recall event)
 *                        ├──picked-up──▶ picked-up     (a colleague's call with that caller)
 *                        ├──gone───────▶ gone          (Webex: nothing parked there)
 *                        ├──superseded─▶ superseded    (a newer park on the same number)
 *                        └──expired────▶ expired       (waited longer than the bot keeps cards)
 */
export type ParkMove =
  | { type: 'parked'; parkedAgainst: ParkedCall['parkedAgainst'] }
  | { type: 'not-parked'; reason: string }
  | { type: 'released'; by: string }
  | { type: 'retrieved'; by: PersonRef; handedCallId?: string; handedOver?: ParkedCall['caller'] }
  | { type: 'gone'; claimedBy?: string }
  | { type: 'rang-back' }
  | { type: 'picked-up'; by: PersonRef }
  | { type: 'superseded'; byParkId: string }
  | { type: 'expired'; waitedSeconds: number };

const TRANSITIONS: Record<ParkMove['type'], { from: ParkState[]; to: ParkState }> = {
  parked: { from: ['parking'], to: 'waiting' },
  'not-parked': { from: ['parking'], to: 'gone' },
  released: { from: ['retrieving'], to: 'waiting' },
  retrieved: { from: ['retrieving'], to: 'retrieved' },
  gone: { from: ['waiting', 'retrieving'], to: 'gone' },
  'rang-back': { from: ['waiting'], to: 'rang-back' },
  'picked-up': { from: ['waiting'], to: 'picked-up' },
  superseded: { from: ['waiting'], to: 'superseded' },
  expired: { from: ['waiting'], to: 'expired' },
};

export type ClosedState = Exclude<ParkState, 'parking' | 'waiting' | 'retrieving'>;

/** States a record never leaves; its card has no Retrieve button. */
export const CLOSED_STATES: readonly ClosedState[] = ['retrieved', 'rang-back', 'picked-up', 'gone', 'superseded', 'expired'];

export const isClosed = (call: ParkedCall): call is ParkedCall & { state: ClosedState } => (CLOSED_STATES as readonly ParkState[]).includes(call.state);

/** What a move records besides the state: who, when, and what Webex said. */
function changesFor(move: ParkMove, at: string): Partial<ParkedCall> {
  switch (move.type) {
    case 'parked':
      return { parkedAgainst: move.parkedAgainst };
    case 'not-parked':
      return { notParked: move.reason, closedAt: at };
    case 'released':
      return {};
    case 'retrieved':
      return {
        retrievedBy: move.by,
        retrievedAt: at,
        closedAt: at,
        ...(move.handedCallId ? { handedCallId: move.handedCallId } : {}),
        ...(move.handedOver ? { handedOver: move.handedOver } : {}),
      };
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

/**
 * Moves the record if it is still in a state the move starts from. Returns the record as it now is,
 * or undefined when something else moved it first. A move made by a retriever (`released`,
 * `retrieved`, `gone` after a failed retrieve) succeeds only while that retriever holds the claim.
 */
export async function move(store: Store, call: ParkedCall, change: ParkMove, now: Date = new Date()): Promise<ParkedCall | undefined> {
  const { from, to } = TRANSITIONS[change.type];
  const at = now.toISOString();
  const changes = changesFor(change, at);
  const claimedBy = change.type === 'released' ? change.by : change.type === 'retrieved' ? change.by.personId : change.type === 'gone' ? change.claimedBy : undefined;
  const moved = await store.moveParkedCall(call.id, {
    from,
    to,
    changes,
    ...(claimedBy ? { claimedBy } : {}),
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
