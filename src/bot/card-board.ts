import { parkedCallCard, stillParkedNotice } from '../cards/render.js';
import type { MessagingApi } from '../webex/messaging-api.js';
import type { ParkedCall, Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { isClosed } from '../calls/lifecycle.js';
import { isPassing, WebexApiError } from '../webex/errors.js';
import { outsideAttempt, SupersededError } from '../fence.js';

/** A card change Webex would not take is tried again after 1 s, 2 s, 4 s… (at most a minute apart), for about ten minutes. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;
const RETRY_ATTEMPTS = 14;
/** A card owed this long is no longer shown by housekeeping: Webex has refused it all along (the bot left the space, say). */
const OWED_FOR_MS = 60 * 60_000;

/**
 * Each parked call has one live card in the space it was parked from, and one in the private space
 * of the person it was parked for. When the call's life moves on (retrieved, rang back, gone, …) a
 * card saying so replaces each: Webex cannot edit a card in place. Every call that closes is shown
 * here once, whatever closed it, so this is also where closes are counted.
 */
export class CardBoard {
  /** Calls whose card is behind because Webex failed, by id: the next try's timer. */
  private readonly behind = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly messaging: MessagingApi,
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly retryBaseMs = RETRY_BASE_MS,
  ) {}

  /**
   * Replaces the call's cards with ones for `call` as it now is. Two changes of one call can be shown
   * at once (a tap and an event, on two instances): each card replaces whichever card was attached
   * when it was (an atomic swap). A card that replaced another change's card, of a call that has
   * moved on since, is shown again as the call now is, so the card left standing is the latest one.
   * A change Webex would not take is not lost: the old card may be gone already (it is deleted side by
   * side with the new one's post), so the change is made again later from the record as it is then,
   * with backoff, whatever the failure; one that is not Webex failing for now is also thrown.
   */
  async show(call: ParkedCall): Promise<void> {
    try {
      await this.showNow(call);
    } catch (error) {
      this.later(call.id, error);
      if (!isPassing(error)) throw error;
    }
  }

  /** The card could not be posted now (Webex failing): post it once Webex takes it. */
  later(parkId: string, error: unknown, attempt = 1): void {
    if (this.behind.has(parkId)) return;
    if (attempt > RETRY_ATTEMPTS) {
      this.logger.error({ event: 'card-update-abandoned', parkId }, 'Gave up updating a card after Webex kept failing');
      return;
    }
    // Tries kept in memory end with this instance: the record says a card is owed, for housekeeping.
    if (attempt === 1) void this.store.oweCard(parkId, new Date().toISOString()).catch(() => undefined);
    const delay = Math.min(this.retryBaseMs * 2 ** (attempt - 1), RETRY_MAX_MS);
    this.logger.warn({ event: 'card-update-deferred', parkId, attempt, retryInMs: delay, reason: error instanceof Error ? error.message : 'unknown' }, 'Webex is failing; the card is updated later');
    // The record as it is then is shown, whichever attempt at an event fell behind (src/fence.ts).
    const timer = setTimeout(() => {
      this.behind.delete(parkId);
      void outsideAttempt(() =>
        this.store
          .parkedCall(parkId)
          .then((latest) => (latest && latest.state !== 'parking' ? this.showNow(latest) : undefined))
          .catch((retryError: unknown) => {
            if (isPassing(retryError)) this.later(parkId, retryError, attempt + 1);
            else this.logger.error({ event: 'card-update-failed', parkId, error: retryError instanceof Error ? retryError.message : 'unknown' }, 'Could not update a card');
          }),
      );
    }, delay);
    timer.unref();
    this.behind.set(parkId, timer);
  }

  /** Cards still waiting for Webex. */
  get pending(): number {
    return this.behind.size;
  }

  /**
   * Shows again each call owed a card that this instance is not already trying: one whose change an
   * instance that stopped meanwhile, or gave up on, could not make. How many were shown.
   */
  async catchUp(now = Date.now()): Promise<number> {
    const owed = (await this.store.owedCards(new Date(now - OWED_FOR_MS).toISOString())).filter((call) => !this.behind.has(call.id));
    // One Webex refuses (and `later` logs) does not hold up the others.
    for (const call of owed) await this.show(call).catch(() => undefined);
    return owed.length;
  }

  private async showNow(call: ParkedCall): Promise<void> {
    let shown = call;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      // A close is counted once its card is attached (a change deferred while Webex fails counts when it is made).
      if (!(await this.replaceCards(shown, attempt === 0))) return;
      const now = await this.store.parkedCall(call.id);
      // What the card says, not only the state: a ring for Sam and then one for Tom are both `ringing`.
      if (!now || sameCard(now, shown)) return;
      shown = now;
    }
  }

  /**
   * Posts the call's cards and removes the ones they replace; true when one of those was another
   * change's. The space's card and the private one are swapped side by side. `countClose`: a closed
   * call's close is counted here.
   */
  private async replaceCards(call: ParkedCall, countClose: boolean): Promise<boolean> {
    const { card, fallback } = parkedCallCard(call);
    const { privateCard } = call;
    const interleaved = await Promise.all([
      this.swap(call, call.cardMessageId, () => this.messaging.postCard({ roomId: call.roomId }, card, fallback), (posted) => this.store.attachCard(call.id, posted.id)),
      privateCard
        ? this.swap(call, privateCard.messageId, () => this.messaging.postCard({ roomId: privateCard.roomId }, card, fallback), async (posted) => (await this.store.attachPrivateCard(call.id, { roomId: posted.roomId, messageId: posted.id }))?.messageId)
        : false,
    ]);
    if (countClose && isClosed(call)) {
      this.metrics.parkedCallsClosed.inc({ state: call.state });
      const waited = (Date.parse(call.closedAt ?? '') - Date.parse(call.parkedAt)) / 1000;
      if (!call.notParked && Number.isFinite(waited)) this.metrics.parkedWaitSeconds.observe({ outcome: call.state }, Math.max(0, waited));
    }
    return interleaved.some(Boolean);
  }

  /**
   * One card for another: the new card's post and the old card's deletion go side by side (one round
   * trip to wait for, not two), then the new card is attached atomically. Should another change have
   * attached a card meanwhile, that one goes too, and true says so.
   */
  private async swap(
    call: ParkedCall,
    old: string | undefined,
    post: () => Promise<{ id: string; roomId: string }>,
    attach: (posted: { id: string; roomId: string }) => Promise<string | undefined>,
  ): Promise<boolean> {
    const [posted] = await Promise.all([post(), this.remove(call, old)]);
    let replaced: string | undefined;
    try {
      replaced = await attach(posted);
    } catch (error) {
      // Not attached, it would outlive the change made again later: a second card for the call. Also
      // when the attempt was superseded (src/fence.ts): the card it posted is taken back all the same.
      await outsideAttempt(() => this.remove(call, posted.id));
      throw error;
    }
    if (replaced === old) return false;
    await this.remove(call, replaced);
    return true;
  }

  /**
   * A ringing retrieve came to an end: the card says how. When the retriever's phone did not connect
   * (the call is waiting again), they are told privately that it is still parked.
   */
  async showRingEnd(call: ParkedCall): Promise<void> {
    await this.show(call);
    if (call.state === 'waiting' && call.ringingFor) {
      await this.messaging.post({ toPersonId: call.ringingFor.personId, markdown: stillParkedNotice(call) });
    }
  }

  /**
   * The park's own card, posted before it could be attached: a change of the call shown meanwhile (a
   * colleague picked it up at once) posted a card of its own, which this one would replace unseen. That
   * card goes, and the call is shown again as it now is, so one card stands and says what is true.
   */
  async attachFirst(call: ParkedCall, messageId: string): Promise<void> {
    const replaced = await this.attachedOrTakenBack(call, messageId, () => this.store.attachCard(call.id, messageId));
    if (replaced && replaced !== messageId) await this.remove(call, replaced);
    const now = await this.store.parkedCall(call.id);
    if (now && !sameCard(now, call)) await this.show(now);
  }

  /**
   * The person a call was parked for gets its card privately, with a Retrieve button of their own. A
   * private card attached before this one (another run's) goes: one private card stands. A change
   * shown while it was on its way did not know of it: it is then shown again, this card too.
   */
  async sendPrivately(call: ParkedCall & { forPerson: NonNullable<ParkedCall['forPerson']> }): Promise<void> {
    const { card, fallback } = parkedCallCard(call);
    const posted = await this.messaging.postCard({ toPersonId: call.forPerson.personId }, card, fallback);
    const replaced = await this.attachedOrTakenBack(call, posted.id, () => this.store.attachPrivateCard(call.id, { roomId: posted.roomId, messageId: posted.id }));
    if (replaced && replaced.messageId !== posted.id) await this.remove(call, replaced.messageId);
    const now = await this.store.parkedCall(call.id);
    if (now && !sameCard(now, call)) await this.show(now);
  }

  /**
   * The @mention of the person a call was parked for, in the thread of its card (`markdown` says it),
   * recorded once posted: a replay of the park mentions them only when no mention is recorded. One
   * posted by an attempt superseded meanwhile is taken back; one recorded before this one goes.
   */
  async mention(call: ParkedCall, cardMessageId: string, markdown: string): Promise<void> {
    const posted = await this.messaging.post({ roomId: call.roomId, parentId: cardMessageId, markdown });
    const replaced = await this.attachedOrTakenBack(call, posted.id, () => this.store.attachMention(call.id, posted.id));
    if (replaced && replaced !== posted.id) await this.remove(call, replaced);
  }

  /**
   * Attaches a card just posted. When the attempt that posted it was superseded meanwhile (src/fence.ts)
   * it is not attached, and is taken back: left, it would stand beside the card the current attempt
   * attaches, with a Retrieve button of its own.
   */
  private async attachedOrTakenBack<T>(call: ParkedCall, messageId: string, attach: () => Promise<T>): Promise<T> {
    try {
      return await attach();
    } catch (error) {
      if (error instanceof SupersededError) await outsideAttempt(() => this.remove(call, messageId));
      throw error;
    }
  }

  private async remove(call: ParkedCall, messageId: string | undefined, attempt = 1): Promise<void> {
    if (!messageId) return;
    try {
      await this.messaging.deleteMessage(messageId);
    } catch (error) {
      // Another change's swap removed it first.
      if (error instanceof WebexApiError && error.kind === 'not-found') return;
      // The old card must go too, or it goes on offering a Retrieve button: tried again later.
      if (isPassing(error) && attempt < RETRY_ATTEMPTS) {
        setTimeout(() => void outsideAttempt(() => this.remove(call, messageId, attempt + 1)), Math.min(this.retryBaseMs * 2 ** (attempt - 1), RETRY_MAX_MS)).unref();
        return;
      }
      this.logger.warn({ event: 'card-delete-failed', parkId: call.id, error: error instanceof Error ? error.message : 'unknown' }, 'Could not remove an old card');
    }
  }
}

/** Whether two versions of a call's record show the same card. */
function sameCard(a: ParkedCall, b: ParkedCall): boolean {
  return JSON.stringify(parkedCallCard(a)) === JSON.stringify(parkedCallCard(b));
}
