import type { CallingApi } from '../webex/calling-api.js';
import type { Call, CallEvent } from '../webex/schemas.js';
import type { CallEventSubscription, Store } from '../storage/store.js';

/** A call in one of these states can be parked. */
const PARKABLE_STATES = new Set(['connected', 'held', 'remoteHeld']);
/** A call's events within one instant come in this order (a created and its answer can share a timestamp). */
const EVENT_ORDER: Record<string, number> = { created: 0, updated: 1, deleted: 2 };
/**
 * A view that heard nothing (no event, no listing) for this long may have missed events without
 * anyone noticing, as when Webex turns a webhook off between two checks (WEBHOOK_CHECK_MINUTES' default).
 */
const QUIET_MS = 10 * 60_000;
/**
 * An ended call is remembered this long (the latest ones, at most), so that a late delivery of one of
 * its earlier events cannot bring it back; Webex retries a failed delivery within seconds.
 */
const ENDED_KEPT_MS = 2 * 60_000;
const ENDED_KEPT = 8;
/**
 * More calls than a phone holds at once: their ends went unheard. The view then keeps the latest of
 * them and is not trusted until Webex's list is asked again, so it never grows without bound.
 */
const MOST_CALLS = 8;
/** Writes that lose this many compare-and-sets in a row to other instances give up. */
const WRITE_ATTEMPTS = 5;

/** A call as last heard of. */
interface Seen {
  call: Call;
  /** Webex's timestamp of the event and its order within an instant; absent when a listing said it. */
  at?: number;
  order?: number;
  /** When the bot heard it (the bot's clock). */
  heardAt: number;
}

/** One person's view, as stored. */
interface View {
  /** When Webex's list of the person's calls was last asked for (the bot's clock), and with which webhooks delivering. */
  syncedAt: number;
  webhookId?: string;
  /** When anything about the person's calls was last heard. */
  heardAt: number;
  calls: Record<string, Seen>;
}

export interface CallViewDeps {
  store: Store;
  calling: CallingApi;
  /**
   * Views synced before this (ms) may have missed events: this instance was not running, or the
   * database was away and deliveries waited on disk.
   */
  trustedSince: () => number;
  now?: () => number;
}

export interface Candidates {
  calls: Call[];
  /** Only the view named them: Webex's answer to the park confirms the call. */
  fromView: boolean;
}

const isEnded = (seen: Seen): boolean => seen.call.state === 'disconnected';

/** The calls a park may take: the person's parkable calls, or only the one they picked. */
export function parkable<T extends Call>(calls: T[], chosenId: string | undefined): T[] {
  return calls.filter((call) => PARKABLE_STATES.has(call.state) && (!chosenId || call.id === chosenId));
}

/**
 * The view after one of the person's call events: newer news replaces older, and an ended call stays
 * ended. Undefined when the event changes nothing a park needs (older news), which saves a write. A
 * ringing call is kept: its answer may be on its way when she asks. The end of a call not known is
 * remembered too (a call's ring is its first event, so that is a ring still on its way, as when Webex
 * retries a delivery that failed): its late ring would otherwise leave a call that rings forever,
 * and every park would list until one synced the view.
 */
function follow(view: View, event: string, data: CallEvent, heardAt: number): View | undefined {
  const at = Date.parse(data.eventTimestamp);
  // Anything else Webex may send (no official list) counts as an update.
  const order = EVENT_ORDER[event] ?? 1;
  const ended = event === 'deleted' || data.state === 'disconnected';
  const earlier = view.calls[data.callId];
  // A call's `created` is its first event, and a call that was up never rings again (a recall is a new
  // call): of a call already known (a listing named it), such news is old.
  const rings = event === 'created' || (!ended && !PARKABLE_STATES.has(data.state) && PARKABLE_STATES.has(earlier?.call.state ?? ''));
  if (earlier && (rings || isEnded(earlier) || (earlier.at !== undefined && (earlier.at > at || (earlier.at === at && (earlier.order ?? 0) >= order))))) return undefined;
  // An ended call is remembered only as ended; a live one with what a park's card shows of it, and
  // when it began (a park asked before that never takes it): Webex's date, else its first event's.
  const created = data.created ?? earlier?.call.created ?? (event === 'created' ? data.eventTimestamp : undefined);
  const call: Call = ended
    ? { id: data.callId, state: 'disconnected' }
    : { id: data.callId, state: data.state, ...(data.remoteParty ? { remoteParty: data.remoteParty } : {}), ...(created ? { created } : {}) };
  return { ...view, heardAt, calls: { ...view.calls, [data.callId]: { call, at, order, heardAt } } };
}

/**
 * The view after Webex listed the person's calls: the list replaces what was heard before it was
 * asked for; what was heard since is newer and stays, and so do ended calls it does not name. A listed
 * call keeps the time of the latest event heard of it, so that a late delivery of an older one (its
 * ring, after its answer) cannot undo the list.
 */
function synced(view: View, calls: Call[], listedAt: number, webhookId: string | undefined): View {
  const listed = new Set(calls.map((call) => call.id));
  const kept = Object.entries(view.calls).filter(([id, seen]) => seen.heardAt >= listedAt || (isEnded(seen) && !listed.has(id)));
  const merged: Record<string, Seen> = Object.fromEntries(kept);
  for (const call of calls) {
    const heard = view.calls[call.id];
    merged[call.id] ??= { call, heardAt: listedAt, ...(heard?.at !== undefined && !isEnded(heard) ? { at: heard.at, order: heard.order ?? 0 } : {}) };
  }
  return { syncedAt: listedAt, ...(webhookId ? { webhookId } : {}), heardAt: Math.max(view.heardAt, listedAt), calls: merged };
}

const EMPTY: View = { syncedAt: 0, heardAt: 0, calls: {} };

/** The view without the ended calls it no longer needs, and with no more calls than a phone holds (then untrusted). */
function bounded(view: View, now: number): View {
  const latestFirst = Object.entries(view.calls).sort(([, a], [, b]) => b.heardAt - a.heardAt);
  const ended = latestFirst.filter(([, seen]) => isEnded(seen) && seen.heardAt >= now - ENDED_KEPT_MS).slice(0, ENDED_KEPT);
  const live = latestFirst.filter(([, seen]) => !isEnded(seen));
  const calls = Object.fromEntries([...live.slice(0, MOST_CALLS), ...ended]);
  return live.length > MOST_CALLS ? { ...view, syncedAt: 0, calls } : { ...view, calls };
}

/**
 * Each linked person's active calls as their own call events tell them, so that a park need not ask
 * Webex first: one round trip fewer. The view lives in the store, fed by whichever instance an event
 * reaches, and is synced with Webex's list whenever that is asked for. It never makes the bot claim
 * more than Webex says: it is used only when it may be trusted and names exactly the call to park,
 * and that park is Webex's confirmation (src/calls/park-call.ts lists and tries again when it fails).
 * "No call" and a choice between calls are always Webex's own list's to say.
 */
export class CallView {
  constructor(private readonly deps: CallViewDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /**
   * One of the person's call events, for a view that exists: someone who never parked has none (their
   * first park lists their calls), and their events cost nothing. Throws when the view kept changing
   * under it: the event is then tried again.
   */
  async saw(personId: string, event: string, data: CallEvent): Promise<void> {
    const heardAt = this.now();
    if (!(await this.update(personId, (view) => follow(view, event, data, heardAt)))) throw new Error('The call view kept changing under a call event');
  }

  /**
   * The person's events may have gone unheard (their webhooks were made again or turned back on): the
   * view is not trusted until Webex's list is asked again.
   */
  async distrust(personId: string): Promise<void> {
    await this.update(personId, (view) => (view.syncedAt === 0 ? undefined : { ...view, syncedAt: 0 }));
  }

  /** The calls a park may take (`chosenId`: only that one): from the view when it can be trusted to name one, else Webex's list. */
  async candidates(personId: string, token: string, chosenId?: string): Promise<Candidates> {
    const [stored, subscription] = await Promise.all([this.deps.store.callView(personId), this.deps.store.subscription(personId)]);
    const view = stored ? (JSON.parse(stored.json) as View) : undefined;
    if (view && this.trusted(view, subscription)) {
      const live = Object.values(view.calls)
        .filter((seen) => !isEnded(seen))
        .map((seen) => seen.call);
      const named = parkable(live, chosenId);
      // Another live call (one ringing, or being dialled) may have been answered with its news still on
      // its way, and a park must then offer the choice: only Webex's list can say. A call she picked is hers to name.
      if (named.length === 1 && (chosenId !== undefined || live.length === 1)) return { calls: named, fromView: true };
    }
    return { calls: await this.list(personId, token, subscription, chosenId), fromView: false };
  }

  /** The calls a park may take, from Webex's own list (which the view is synced with). */
  async listed(personId: string, token: string, chosenId?: string): Promise<Call[]> {
    return this.list(personId, token, await this.deps.store.subscription(personId), chosenId);
  }

  private async list(personId: string, token: string, subscription: CallEventSubscription | undefined, chosenId: string | undefined): Promise<Call[]> {
    // Without a webhook delivering, nothing would keep the view up to date: it is not kept at all.
    const keep = subscription?.status === 'active';
    // The view exists before Webex is asked, so that events arriving meanwhile are kept.
    if (keep) await this.deps.store.saveCallView(personId, JSON.stringify(EMPTY), undefined);
    const listedAt = this.now();
    const calls = await this.deps.calling.activeCalls(token);
    // A sync that keeps losing to other writers is left out: the view then stays untrusted or theirs.
    // One gone meanwhile (she unlinked) stays gone.
    if (keep) await this.update(personId, (view) => synced(view, calls, listedAt, subscription.webhookId));
    return parkable(calls, chosenId);
  }

  /** Synced since nothing could have been missed, with the webhooks that deliver now, and heard from lately. */
  private trusted(view: View, subscription: CallEventSubscription | undefined): boolean {
    return (
      subscription?.status === 'active' && view.webhookId === subscription.webhookId && view.syncedAt >= this.deps.trustedSince() && this.now() - view.heardAt <= QUIET_MS
    );
  }

  /**
   * Applies `change` with a compare-and-set, again if another instance wrote first; false when it kept
   * losing. A person with no view is left without one (only a listing makes it); a change that changes
   * nothing (undefined) writes nothing.
   */
  private async update(personId: string, change: (view: View) => View | undefined): Promise<boolean> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const stored = await this.deps.store.callView(personId);
      if (!stored) return true;
      const changed = change(JSON.parse(stored.json) as View);
      if (!changed) return true;
      if (await this.deps.store.saveCallView(personId, JSON.stringify(bounded(changed, this.now())), stored.version)) return true;
    }
    return false;
  }
}
