import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fencing: one attempt at an event acts at a time (README, "Fencing").
 *
 * An event in the inbox is worked on by one attempt at a time. Taking it is attempt 1; each takeover
 * of a lease that ran out (its instance presumed dead) is the next number, kept in the inbox row
 * (`attempts`) and handed to the instance that replays it. An instance that was only paused (a long
 * GC pause, a VM migration, `kill -STOP`) wakes up still running the old attempt: that attempt is
 * superseded, and from then on must not act.
 *
 * Rather than pass the attempt through every function between the intake and the places where the
 * bot acts, it travels with the work in an AsyncLocalStorage (started by `runAttempt` in
 * src/bot/event-intake.ts), and is checked where the bot acts:
 *  - the store's writes of parked calls (a save, a move, a retrieve claim, a card attached) are made
 *    only while the inbox row still has this attempt, in the same statement or transaction;
 *  - every request that changes something at Webex (park, retrieve, a post, a mention, a delete) is
 *    checked just before it is sent (src/webex/http-client.ts); reads are not fenced.
 * Both throw `SupersededError`, which stops the attempt's work without a word to anyone. What Webex
 * already did for it (a retrieve that rings someone) is followed to its end by code that steps out of
 * the attempt on purpose (`outsideAttempt`): that code only records and shows what Webex did.
 */
export interface Attempt {
  eventKey: string;
  /** 1 for the first take, one more for each takeover. */
  attempt: number;
  /** Whether this is still the event's current attempt (the inbox says). */
  holds: () => Promise<boolean>;
}

/** The attempt was superseded by another instance's takeover of its event: it stops here. */
export class SupersededError extends Error {
  constructor(attempt: Pick<Attempt, 'attempt'>) {
    super(`attempt ${attempt.attempt} at this event was superseded by a takeover`);
    this.name = 'SupersededError';
  }
}

const current = new AsyncLocalStorage<Attempt>();

/**
 * Runs `work` (and everything it starts) as `attempt`; without one (work no inbox event started, such
 * as a welcome), `work` is not fenced, whatever attempt the caller was running as.
 */
export function runAttempt<T>(attempt: Attempt | undefined, work: () => T): T {
  return attempt ? current.run(attempt, work) : current.exit(work);
}

/** The attempt the running code works for, if it was started for an event in the inbox. */
export function currentAttempt(): Attempt | undefined {
  return current.getStore();
}

/**
 * Runs `work` outside any attempt: for what must happen whoever's attempt is current (following a ring
 * Webex started to its end, showing a record as it now is). Never for answers to a person.
 */
export function outsideAttempt<T>(work: () => T): T {
  return current.exit(work);
}

/** Throws `SupersededError` when the running code works for an attempt that is no longer current. */
export async function assertCurrent(): Promise<void> {
  const attempt = current.getStore();
  if (attempt && !(await attempt.holds())) throw new SupersededError(attempt);
}
