import type { Bot, WebexSdk } from 'webex-node-bot-framework';
import type { RenderedCard } from '../cards/render.js';
import type { MessagingApi } from '../webex/messaging-api.js';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

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

const cardMessage = ({ card, fallback }: RenderedCard): Record<string, unknown> => ({
  markdown: fallback,
  attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }],
});

export function conversationFor(bot: Bot, webex: WebexSdk): Conversation {
  return {
    roomId: bot.room.id,
    say: async (markdown) => {
      await bot.say('markdown', markdown);
    },
    sendCard: async (rendered) => (await bot.sendCard(rendered.card, rendered.fallback)).id,
    reply: async (parentMessageId, markdown) => {
      await bot.reply(parentMessageId, markdown, 'markdown');
    },
    dm: async (personId, content) => {
      await bot.dm(personId, 'markdown', typeof content === 'string' ? content : cardMessage(content));
    },
    // bot.censor() first fetches the message to check it is the bot's own; these always are.
    deleteMessage: async (messageId) => {
      await webex.messages.remove(messageId);
    },
  };
}

/** The same conversation without the framework: for work that no event started (a park resumed after linking). */
export function messagingConversation(messaging: MessagingApi, roomId: string): Conversation {
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
