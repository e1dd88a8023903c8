import type { RenderedCard } from '../cards/render.js';
import type { MessagingApi } from '../webex/messaging-api.js';

/** How handlers answer: in the space, in a thread, or privately. Everything is awaited. */
export interface Conversation {
  roomId: string;
  say(markdown: string): Promise<void>;
  /** Posts a card in the space and returns the new message's id. */
  sendCard(rendered: RenderedCard): Promise<string>;
  reply(parentMessageId: string, markdown: string): Promise<void>;
  /** A private 1:1 message to one person. */
  dm(personId: string, content: RenderedCard | string): Promise<void>;
  deleteMessage(messageId: string): Promise<void>;
}

/**
 * A conversation in one space, spoken through the project's own Webex client with the bot's token
 * (keep-alive `fetch`, cheaper per call than the framework's SDK: bench/README.md). It serves handlers
 * started by an event and work no event started (a park resumed after linking) alike.
 */
export function conversationIn(messaging: MessagingApi, roomId: string): Conversation {
  return {
    roomId,
    say: async (markdown) => {
      await messaging.post({ roomId, markdown });
    },
    sendCard: async ({ card, fallback }) => (await messaging.postCard({ roomId }, card, fallback)).id,
    reply: async (parentId, markdown) => {
      await messaging.post({ roomId, parentId, markdown });
    },
    dm: async (personId, content) => {
      if (typeof content === 'string') await messaging.post({ toPersonId: personId, markdown: content });
      else await messaging.postCard({ toPersonId: personId }, content.card, content.fallback);
    },
    deleteMessage: (messageId) => messaging.deleteMessage(messageId),
  };
}
