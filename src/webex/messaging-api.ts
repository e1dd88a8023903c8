import { z } from 'zod';
import type { WebexHttpClient } from './http-client.js';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const createdMessageSchema = z.object({ id: z.string().min(1) });

/**
 * Messages the bot posts with its own token outside a conversation: a call event or the clock
 * changes a parked call, and its card in the space must change with it.
 */
export class MessagingApi {
  constructor(
    private readonly http: WebexHttpClient,
    private readonly botToken: string,
  ) {}

  /** Posts an Adaptive Card (with markdown for clients without cards); returns the message id. */
  async postCard(roomId: string, card: Record<string, unknown>, fallback: string): Promise<string> {
    const { id } = await this.http.request({
      method: 'POST',
      path: '/messages',
      token: this.botToken,
      json: { roomId, markdown: fallback, attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] },
      schema: createdMessageSchema,
      // A repeat after an ambiguous failure would post the card twice.
      safeToRepeat: false,
    });
    return id;
  }

  async deleteMessage(messageId: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/messages/${encodeURIComponent(messageId)}`, token: this.botToken, schema: z.unknown(), safeToRepeat: true });
  }
}
