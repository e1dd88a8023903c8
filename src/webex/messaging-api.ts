import { z } from 'zod';
import { FormData } from 'undici';
import type { WebexHttpClient } from './http-client.js';
import { personSchema } from './schemas.js';
import { checkMessageSize } from '../chat/limits.js';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const createdMessageSchema = z.object({ id: z.string().min(1), roomId: z.string().min(1) });

export interface OutgoingMessage {
  roomId?: string;
  toPersonId?: string;
  parentId?: string;
  markdown: string;
  attachments?: { contentType: string; content: Record<string, unknown> }[];
}
/** What the framework reads as Webex sends it: checked to be the object asked for, passed on whole. */
const readSchema = z.looseObject({ id: z.string().min(1) });
export type WebexObject = z.infer<typeof readSchema>;

const membershipSchema = z.object({ personId: z.string(), personDisplayName: z.string().optional(), personEmail: z.string().optional() });

/** A bot's address is at webex.bot; a membership says no more about who it is. */
const isBotAddress = (email: string | undefined): boolean => (email ?? '').toLowerCase().endsWith('@webex.bot');

/**
 * What the bot does with its own token outside a conversation: post and remove cards when a call
 * event or the clock changes a parked call, and ask who is in a space.
 */
export class MessagingApi {
  constructor(
    private readonly http: WebexHttpClient,
    private readonly botToken: string,
  ) {}

  /**
   * Posts a message in a space (`roomId`) or privately to a person (`toPersonId`). A message Webex
   * would refuse for its length, or a card past our budget, is refused here (`MessageTooLargeError`)
   * before any request: the renderers keep within the limits, and a test finds one that does not.
   */
  async post(message: OutgoingMessage): Promise<{ id: string; roomId: string }> {
    checkMessageSize({ markdown: message.markdown, card: message.attachments?.[0]?.content });
    return this.http.request({
      method: 'POST',
      path: '/messages',
      token: this.botToken,
      json: message,
      schema: createdMessageSchema,
      // A repeat after an ambiguous failure would post the message twice.
      safeToRepeat: false,
    });
  }

  /** An Adaptive Card, with markdown for clients without cards. */
  async postCard(to: { roomId: string } | { toPersonId: string }, card: Record<string, unknown>, fallback: string): Promise<{ id: string; roomId: string }> {
    return this.post({ ...to, markdown: fallback, attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] });
  }

  /**
   * Posts one file (multipart `POST /messages`, as Webex takes an upload), with a line of markdown,
   * as a reply in the thread of `parentId` when given. Webex takes one file per message.
   */
  async postFile(to: { roomId: string; parentId?: string }, file: { name: string; contentType: string; bytes: Uint8Array }, markdown: string): Promise<{ id: string; roomId: string }> {
    checkMessageSize({ markdown });
    const form = new FormData();
    form.set('roomId', to.roomId);
    if (to.parentId) form.set('parentId', to.parentId);
    form.set('markdown', markdown);
    form.set('files', new Blob([file.bytes], { type: file.contentType }), file.name);
    return this.http.request({ method: 'POST', path: '/messages', token: this.botToken, multipart: form, schema: createdMessageSchema, safeToRepeat: false });
  }

  /** The people of a space, bots left out (a bot's address is at webex.bot), as Webex names them. */
  async people(roomId: string): Promise<{ personId: string; name: string }[]> {
    const items = await this.listMemberships({ roomId, max: '100' }, membershipSchema);
    return items
      .filter((item) => !isBotAddress(item.personEmail))
      .map((item) => ({ personId: item.personId, name: item.personDisplayName || item.personEmail || 'Someone' }));
  }

  /**
   * The person as a member of the space, named as Webex names them; undefined when they are not a
   * member, or are a bot (no bot can take a call: Webex says so of the person, `type: bot`).
   */
  async member(roomId: string, personId: string): Promise<{ personId: string; name: string; orgId?: string } | undefined> {
    const items = await this.listMemberships({ roomId, personId }, membershipSchema);
    const membership = items.find((item) => item.personId === personId);
    if (!membership || isBotAddress(membership.personEmail)) return undefined;
    const person = await this.person(personId);
    if (person.type === 'bot') return undefined;
    return { personId, name: membership.personDisplayName || membership.personEmail || 'Someone', ...(person.orgId ? { orgId: person.orgId } : {}) };
  }

  /** The person's organisation, as Webex names it (`GET /people/{id}`, `orgId`); undefined when Webex does not say. */
  async orgOf(personId: string): Promise<string | undefined> {
    return (await this.person(personId)).orgId || undefined;
  }

  /** `GET /people/{id}` with the bot's token. */
  private person(personId: string): Promise<z.infer<typeof personSchema>> {
    return this.http.request({ method: 'GET', path: `/people/${encodeURIComponent(personId)}`, token: this.botToken, schema: personSchema, safeToRepeat: true });
  }

  async deleteMessage(messageId: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/messages/${encodeURIComponent(messageId)}`, token: this.botToken, schema: z.unknown(), safeToRepeat: true });
  }

  /** A message, a card action, a space or a person, read by id: what the framework asks for each event. */
  async read(kind: 'messages' | 'attachment/actions' | 'rooms' | 'people', id: string): Promise<WebexObject> {
    return this.http.request({ method: 'GET', path: `/${kind}/${encodeURIComponent(id)}`, token: this.botToken, schema: readSchema, safeToRepeat: true });
  }

  /** The memberships of a space (of one person, with `personId`), whole, as the framework reads them. */
  async memberships(filter: { roomId: string; personId?: string }): Promise<WebexObject[]> {
    return this.listMemberships(filter, readSchema);
  }

  private async listMemberships<T>(query: Record<string, string>, item: z.ZodType<T>): Promise<T[]> {
    const path = `/memberships?${new URLSearchParams(query).toString()}`;
    const { items } = await this.http.request({ method: 'GET', path, token: this.botToken, schema: z.object({ items: z.array(item) }), safeToRepeat: true });
    return items;
  }
}
