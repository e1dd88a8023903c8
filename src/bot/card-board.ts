import { parkedCallCard } from '../cards/render.js';
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

  async show(call: ParkedCall): Promise<void> {
    if (isClosed(call)) this.metrics.parkedCallsClosed.inc({ state: call.state });
    const { card, fallback } = parkedCallCard(call);
    const posted = await this.messaging.postCard({ roomId: call.roomId }, card, fallback);
    await this.store.attachCard(call.id, posted.id);
    await this.remove(call, call.cardMessageId);
    if (call.privateCard) {
      const moved = await this.messaging.postCard({ roomId: call.privateCard.roomId }, card, fallback);
      await this.store.attachPrivateCard(call.id, { roomId: moved.roomId, messageId: moved.id });
      await this.remove(call, call.privateCard.messageId);
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
