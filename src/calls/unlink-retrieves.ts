import { setTimeout as sleep } from 'node:timers/promises';
import type { ParkedCall } from '../storage/store.js';
import { isRinging, settleBeforeUnlink, type RingDeps } from './ring.js';

/** How long `unlink` waits, at most, for a retrieve of the person's that Webex is being asked about. */
export const UNLINK_WAIT_MS = 15_000;
const POLL_MS = 200;

export interface SettledRetrieve {
  call: ParkedCall;
  /** Still ringing when they unlinked: no longer followed, its card offers Retrieve again. */
  letGo: boolean;
}

/**
 * Before a person's tokens are forgotten (`unlink`), their retrieves in flight are seen to an end:
 * afterwards nothing more is heard of their calls, and a card must not say their phone rings for
 * good. A retrieve Webex is being asked about right now (on any instance) is waited for, a while;
 * a ring is then settled by what Webex says of it, or let go. A retrieve still unanswered by Webex
 * after the wait is left to its own instance: its ring, once recorded, finds them unlinked and is
 * let go there (`watchRing`). Returns the records it moved.
 */
export async function settleRetrievesOf(deps: RingDeps, personId: string, waitMs = UNLINK_WAIT_MS): Promise<SettledRetrieve[]> {
  const deadline = Date.now() + waitMs;
  let inFlight = await deps.store.retrievesBy(personId);
  while (inFlight.some((call) => call.state === 'retrieving') && Date.now() < deadline) {
    await sleep(POLL_MS);
    inFlight = await deps.store.retrievesBy(personId);
  }
  const settled: SettledRetrieve[] = [];
  for (const call of inFlight) {
    if (!isRinging(call) || call.ringingFor.personId !== personId) continue;
    const moved = await settleBeforeUnlink(deps, call);
    if (moved) settled.push(moved);
  }
  return settled;
}
