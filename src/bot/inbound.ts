import { z } from 'zod';
import type { Bot, Trigger } from 'webex-node-bot-framework';
import type { Mention } from '../chat/command.js';
import type { PersonRef } from '../storage/store.js';

/** A chat message as the bot's handlers see it: checked once, here. */
export interface ChatMessage {
  messageId: string;
  roomId: string;
  isDirect: boolean;
  sender: PersonRef;
  /** The sender's organisation, when Webex named it with the person. */
  senderOrgId?: string;
  /** What the person typed, without the bot's own @mention. */
  text: string;
  /** Other people @mentioned, in order. */
  mentions: Mention[];
  /** When it was sent (ISO 8601), as Webex dated it. */
  sentAt: string;
}

const MENTION_TAG = /<spark-mention[^>]*data-object-id="([^"]+)"[^>]*>([^<]*)<\/spark-mention>/g;

const personName = (trigger: Trigger): string => trigger.person?.displayName || trigger.person?.emails?.[0] || 'Someone';
const orgOf = (trigger: Trigger): { orgId?: string } => (trigger.person?.orgId ? { orgId: trigger.person.orgId } : {});

/**
 * When Webex dated a message or a tap (its `created`). The intake refuses a delivery without a date,
 * so a missing one is not expected; if ever, the moment the bot reads it is the nearest known.
 */
const webexDate = (created: unknown): string =>
  typeof created === 'string' && Number.isFinite(Date.parse(created)) ? new Date(Date.parse(created)).toISOString() : new Date().toISOString();

export function readChatMessage(bot: Bot, trigger: Trigger, botPersonId: string): ChatMessage | undefined {
  const message = trigger.message;
  if (!message?.id || !message.roomId || !message.personId) return undefined;
  const tagged = [...(message.html ?? '').matchAll(MENTION_TAG)].map(([, personId = '', name = '']) => ({ personId, name: name.trim() }));
  const botNames = [...tagged.filter((m) => m.personId === botPersonId).map((m) => m.name), bot.person.displayName ?? ''].filter(Boolean);
  const text = trigger.text ?? message.text ?? '';
  return {
    messageId: message.id,
    roomId: message.roomId,
    isDirect: bot.isDirect,
    sender: { personId: message.personId, name: personName(trigger) },
    ...(trigger.person?.orgId ? { senderOrgId: trigger.person.orgId } : {}),
    text: bot.isDirect ? text.trim() : withoutLeadingName(text, botNames),
    mentions: tagged.filter((m) => m.personId !== botPersonId && m.name),
    sentAt: webexDate(message.created),
  };
}

/**
 * In group spaces the text starts with the @mention of the bot, as the sender shortened it (the
 * mention tag in `html` says how); without a tag, the bot's full display name.
 */
function withoutLeadingName(text: string, names: string[]): string {
  const trimmed = text.trim();
  const found = names.find((name) => trimmed.toLowerCase().startsWith(name.toLowerCase()));
  return found ? trimmed.slice(found.length).trim() : trimmed;
}

const shortText = z.string().trim().max(500);

/** Every card submit carries `action`; one schema unpacks them all. */
export const cardSubmitSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('retrieve'), parkId: z.string().uuid() }),
  /** The desk card's buttons: park the tapper's own call (for someone, or on the group), or list. */
  z.object({
    action: z.literal('desk-park'),
    // The desk card's toggle submits "true" or "false" (Webex's cards send every input as text).
    groupPark: z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]).optional(),
    // An untouched choice set submits "".
    forPersonId: shortText.optional().transform((value) => value || undefined),
    note: shortText.optional(),
  }),
  z.object({ action: z.literal('parked') }),
  /** A report's period buttons, and the Report button. */
  z.object({ action: z.literal('report'), period: z.enum(['today', 'week', 'month']).optional() }),
  /** The ring-on card: the device chosen (an endpoint id, or "default"), checked against the tapper's own before it is saved. */
  z.object({ action: z.literal('ring-on'), endpointId: z.string().trim().min(1).max(500) }),
  z.object({
    action: z.literal('park'),
    callId: z.string().min(1).max(500),
    destination: shortText.optional(),
    groupPark: z.boolean().optional(),
    forPersonId: shortText.optional(),
    note: shortText.optional(),
  }),
]);
export type CardSubmit = z.infer<typeof cardSubmitSchema>;

export interface CardTap {
  actionId: string;
  messageId: string;
  roomId: string;
  isDirect: boolean;
  by: PersonRef;
  /** The tapper's organisation, when Webex named it with the person. */
  orgId?: string;
  submit: CardSubmit | undefined;
  /** When it was tapped (ISO 8601), as Webex dated it. */
  tappedAt: string;
}

const attachmentActionSchema = z.object({
  id: z.string().min(1),
  messageId: z.string().min(1),
  personId: z.string().min(1),
  roomId: z.string().min(1),
  inputs: z.unknown(),
  created: z.unknown(),
});

export function readCardTap(bot: Bot, trigger: Trigger): CardTap | undefined {
  const action = attachmentActionSchema.safeParse(trigger.attachmentAction);
  if (!action.success) return undefined;
  const submit = cardSubmitSchema.safeParse(action.data.inputs);
  return {
    actionId: action.data.id,
    messageId: action.data.messageId,
    roomId: action.data.roomId,
    isDirect: bot.isDirect,
    by: { personId: action.data.personId, name: personName(trigger) },
    ...orgOf(trigger),
    submit: submit.success ? submit.data : undefined,
    tappedAt: webexDate(action.data.created),
  };
}
