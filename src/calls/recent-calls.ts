import { LRUCache } from 'lru-cache';
import type { CallEvent } from '../webex/schemas.js';

/** States of a call a person's phone is still placing: what its remote party names is what they dialled. */
const PLACING = new Set(['connecting', 'alerting']);

interface Seen {
  /** The number the person's phone dialled, from the call's first events while it was being placed. */
  dialled?: string;
  latest: CallEvent;
}

/**
 * What a linked person's recent call events said, per call, on this instance. Two inferences need
 * more than the event at hand:
 * - a pick-up from a phone is a call the person placed **to the park slot** (the slot is what the
 *   call's remote party names while it connects) that then connected to the parked caller;
 * - a retrieve's call can ring, connect or end before the retrieve has recorded which call it is.
 * Events are kept for a few minutes; with several instances, events that went to another instance
 * are not here, and the inference is then not made (a card is left as it is rather than guessed).
 */
export class RecentCalls {
  private readonly calls = new LRUCache<string, Seen>({ max: 10_000, ttl: 5 * 60_000 });

  /** Every call event of a linked person passes here, whichever call it is about. */
  saw(personId: string, event: CallEvent): void {
    const key = `${personId}:${event.callId}`;
    const earlier = this.calls.get(key);
    const number = event.remoteParty?.privacyEnabled ? undefined : event.remoteParty?.number;
    const placing = event.personality === 'originator' && PLACING.has(event.state) && number;
    const dialled = earlier?.dialled ?? (placing ? number : undefined);
    this.calls.set(key, { ...(dialled ? { dialled } : {}), latest: event });
  }

  /** What the person dialled for the call, if this instance saw it being placed. */
  dialled(personId: string, callId: string): string | undefined {
    return this.calls.get(`${personId}:${callId}`)?.dialled;
  }

  /** The last event seen for the call on the person's phone. */
  latest(personId: string, callId: string): CallEvent | undefined {
    return this.calls.get(`${personId}:${callId}`)?.latest;
  }
}
