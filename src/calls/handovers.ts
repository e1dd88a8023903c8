import { LRUCache } from 'lru-cache';
import type { CallEvent } from '../webex/schemas.js';

/** How long a retrieve waits for the retriever's call event before asking Webex instead. */
export const HANDOVER_EVENT_WAIT_MS = 2000;

/**
 * What the retriever's own call events say about the calls Webex starts on their phone. A retrieve
 * answers only with the new call's id; the event for that call names who is on it, so the bot need
 * not ask Webex (one round trip fewer per retrieve). An event can come before the retrieve's answer,
 * so recent ones are kept for a while.
 */
export class Handovers {
  private readonly recent = new LRUCache<string, CallEvent>({ max: 1000, ttl: 30_000 });
  private readonly waiting = new Map<string, (event: CallEvent) => void>();

  /** Every call event of a linked person passes here, whichever call it is about. */
  saw(personId: string, event: CallEvent): void {
    if (!event.remoteParty) return;
    const key = `${personId}:${event.callId}`;
    const waiter = this.waiting.get(key);
    if (waiter) waiter(event);
    else this.recent.set(key, event);
  }

  /** The event of the call `callId` on the person's phone, if one comes within `timeoutMs`. */
  async eventFor(personId: string, callId: string, timeoutMs = HANDOVER_EVENT_WAIT_MS): Promise<CallEvent | undefined> {
    const key = `${personId}:${callId}`;
    const seen = this.recent.get(key);
    if (seen) return seen;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<CallEvent | undefined>((resolve) => {
        this.waiting.set(key, resolve);
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      this.waiting.delete(key);
    }
  }
}
