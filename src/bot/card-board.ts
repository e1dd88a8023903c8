import { parkedCallCard, stillParkedNotice } from '../cards/render.js';
import type { MessagingApi } from '../webex/messaging-api.js';
import type { ParkedCall, Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { isClosed } from '../calls/lifecycle.js';

/**
 * Each parked call has one live card in the space it was parked from, and one in the private space
 * of the person it was parked for. When the call's life moves on (retrieved, rang back, gone, …) a
 * card saying so replaces each: Webex cannot edit a card in place. Every call that closes is shown
 * here once, whatever closed it, so this is also where closes are counted.
 */
export class CardBoard {
  constructor(
    private readonly messaging: MessagingApi,
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Replaces the call's cards with ones for `call` as it now is. Two changes of one call can be shown
   * at once (a tap and an event, on two instances): each card replaces whichever card was attached
   * when it was (an atomic swap). A card that replaced another change's card, of a call that has
   * moved on since, is shown again as the call now is, so the card left standing is the latest one.
   */
  async show(call: ParkedCall): Promise<void> {
    if (isClosed(call)) this.metrics.parkedCallsClosed.inc({ state: call.state });
    let shown = call;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (!(await this.replaceCards(shown))) return;
      const now = await this.store.parkedCall(call.id);
      if (!now || now.state === shown.state) return;
      shown = now;
    }
  }

  /** Posts the call's cards and removes the ones they replace; true when one of those was another change's. */
  private async replaceCards(call: ParkedCall): Promise<boolean> {
    const { card, fallback } = parkedCallCard(call);
    const posted = await this.messaging.postCard({ roomId: call.roomId }, card, fallback);
    const replaced = await this.store.attachCard(call.id, posted.id);
    await this.remove(call, replaced);
    let interleaved = replaced !== call.cardMessageId;
    if (call.privateCard) {
      const moved = await this.messaging.postCard({ roomId: call.privateCard.roomId }, card, fallback);
      const replacedPrivately = (await this.store.attachPrivateCard(call.id, { roomId: moved.roomId, messageId: moved.id }))?.messageId;
      await this.remove(call, replacedPrivately);
      interleaved ||= replacedPrivately !== call.privateCard.messageId;
    }
    return interleaved;
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

  /** The person a call was parked for gets its card privately, with a Retrieve button of their own. */
  async sendPrivately(call: ParkedCall & { forPerson: NonNullable<ParkedCall['forPerson']> }): Promise<void> {
    const { card, fallback } = parkedCallCard(call);
    const posted = await this.messaging.postCard({ toPersonId: call.forPerson.personId }, card, fallback);
    await this.store.attachPrivateCard(call.id, { roomId: posted.roomId, messageId: posted.id });
  }

  private async remove(call: ParkedCall, messageId: string | undefined): Promise<void> {
    if (!messageId) return;
    try {
      await this.messaging.deleteMessage(messageId);
    } catch (error) {
      this.logger.warn({ event: 'card-delete-failed', parkId: call.id, error: error instanceof Error ? error.message : 'unknown' }, 'Could not remove an old card');
    }
  }
}
