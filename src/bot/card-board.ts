import { parkedCallCard } from '../cards/render.js';
import type { MessagingApi } from '../webex/messaging-api.js';
import type { ParkedCall, Store } from '../storage/store.js';
import type { Logger } from '../logger.js';

/**
 * Each parked call has one live card in the space it was parked from. When the call's life moves on
 * (retrieved, rang back, gone, …) a card saying so replaces it: Webex cannot edit a card in place.
 */
export class CardBoard {
  constructor(
    private readonly messaging: MessagingApi,
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async show(call: ParkedCall): Promise<void> {
    const { card, fallback } = parkedCallCard(call);
    const cardId = await this.messaging.postCard(call.roomId, card, fallback);
    await this.store.attachCard(call.id, cardId);
    if (!call.cardMessageId) return;
    try {
      await this.messaging.deleteMessage(call.cardMessageId);
    } catch (error) {
      this.logger.warn({ event: 'card-delete-failed', parkId: call.id, error: error instanceof Error ? error.message : 'unknown' }, 'Could not remove the old card');
    }
  }
}
