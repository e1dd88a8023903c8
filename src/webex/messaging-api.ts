import { z } from 'zod';
import type { WebexHttpClient } from './http-client.js';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const createdMessageSchema = z.object({ id: z.string().min(1) });
const membershipsSchema = z.object({ items: z.array(z.object({ personId: z.string(), personDisplayName: z.string().optional(), personEmail: z.string().optional() })) });

/**
 * What the bot does with its own token outside a conversation: post and remove cards when a call
 * event or the clock changes a parked call, and ask who is in a space.
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

  /** The person as a member of the space, named as Webex names them; undefined when not a member. */
  async member(roomId: string, personId: string): Promise<{ personId: string; name: string } | undefined> {
    const query = new URLSearchParams({ roomId, personId }).toString();
    const { items } = await this.http.request({ method: 'GET', path: `/memberships?${query}`, token: this.botToken, schema: membershipsSchema, safeToRepeat: true });
    const membership = items.find((item) => item.personId === personId);
    return membership ? { personId, name: membership.personDisplayName || membership.personEmail || 'Someone' } : undefined;
  }

  async deleteMessage(messageId: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/messages/${encodeURIComponent(messageId)}`, token: this.botToken, schema: z.unknown(), safeToRepeat: true });
  }
}
