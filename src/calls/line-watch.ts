import type { CallingApi } from '../webex/calling-api.js';
import type { Call, CallEvent } from '../webex/schemas.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import { followCallEvent } from './follow-call-event.js';
import type { RecentCalls } from './recent-calls.js';

export interface LineWatchDeps {
  store: Store;
  calling: Pick<CallingApi, 'activeCalls'>;
  vault: Pick<TokenVault, 'withToken'>;
  recentCalls: RecentCalls;
  /** A parked call whose card must change (it rang back). */
  show: (call: ParkedCall) => Promise<void>;
  /** Each time a line is asked: `asked`, `recall` (a recall seen on it), or `failed`. */
  count: (outcome: 'asked' | 'recall' | 'failed') => void;
  logger: Logger;
  /** How often a line with a call parked from it is asked about (LINE_POLL_SECONDS). */
  pollMs: number;
  now?: () => number;
}

/** Taken by the instance that asks this round; every instance, every round, asks only if it takes it. */
const LEASE = 'line-watch';

/**
 * Secondary lines (the main number) send no call events the bot can rely on (README, "The main
 * line"): while a call parked from one waits, the line's calls are asked for, with the parker's own
 * token, every `pollMs`, and a recall on it (a call ringing back with `recall: { type: park }`) moves
 * the parked call as the recall event would (src/calls/follow-call-event.ts). Nothing parked from a
 * line waits: it is not asked about. One instance asks per round (a lease), each line once, and the
 * requests are charged to upkeep's budget by the caller (src/webhooks/upkeep.ts).
 */
export class LineWatch {
  private nextRoundAt = 0;

  constructor(private readonly deps: LineWatchDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** One round, if it is this instance's turn: returns the Webex requests it made. */
  async round(): Promise<number> {
    const now = this.now();
    if (now < this.nextRoundAt) return 0;
    this.nextRoundAt = now + this.deps.pollMs * 0.9;
    if (!(await this.deps.store.takeLease(LEASE, now, this.deps.pollMs * 0.9))) return 0;
    const waiting = (await this.deps.store.openParkedBefore(new Date(now + 1000).toISOString())).filter(
      (call): call is ParkedCall & { line: NonNullable<ParkedCall['line']> } => call.state === 'waiting' && call.line !== undefined,
    );
    const byLine = new Map<string, typeof waiting>();
    for (const call of waiting) {
      const key = `${call.orgId ?? ''} ${call.line.ownerId}`;
      byLine.set(key, [...(byLine.get(key) ?? []), call]);
    }
    await Promise.all([...byLine.values()].map((calls) => this.ask(calls)));
    return byLine.size;
  }

  /** Asks Webex for one line's calls, with the token of the first of its parkers, and follows any recall for each parker. */
  private async ask(parkedFromLine: (ParkedCall & { line: NonNullable<ParkedCall['line']> })[]): Promise<void> {
    const [first] = parkedFromLine;
    if (!first) return;
    let calls: Call[];
    try {
      calls = await this.deps.vault.withToken(first.parkedBy.personId, (token) => this.deps.calling.activeCalls(token, first.line.ownerId));
      this.deps.count('asked');
    } catch (error) {
      // A lapsed link, or Webex failing: the next round asks again; the card stays as it was until then.
      this.deps.count('failed');
      this.deps.logger.warn({ event: 'line-watch-failed', error: error instanceof Error ? error.message : 'unknown' }, "Could not ask Webex for a secondary line's calls");
      return;
    }
    const recalls = calls.filter((call) => call.recall?.type === 'park');
    if (recalls.length === 0) return;
    this.deps.count('recall');
    const parkers = new Set(parkedFromLine.map((call) => call.parkedBy.personId));
    for (const recall of recalls) {
      for (const personId of parkers) {
        const moved = await followCallEvent({ store: this.deps.store, recentCalls: this.deps.recentCalls, now: () => new Date(this.now()) }, { personId, orgId: first.orgId ?? '' }, recallEvent(recall, this.now()));
        for (const call of moved) {
          this.deps.logger.info({ event: `call-${call.state}`, parkId: call.id, seenBy: 'line-watch' }, 'A parked call changed outside the bot');
          await this.deps.show(call);
        }
      }
    }
  }
}

/** What the call's own `received` event would have said, had Webex sent one. */
function recallEvent(call: Call, nowMs: number): CallEvent {
  return {
    callId: call.id,
    eventType: 'received',
    eventTimestamp: call.created ?? new Date(nowMs).toISOString(),
    state: call.state,
    ...(call.personality ? { personality: call.personality } : {}),
    ...(call.remoteParty ? { remoteParty: call.remoteParty } : {}),
    ...(call.created ? { created: call.created } : {}),
    ...(call.recall ? { recall: call.recall } : {}),
  };
}
