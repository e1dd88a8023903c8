import { EventEmitter } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { webexId } from './ids.js';
import { badRequest, notFound, SimError } from './errors.js';
import type {
  SimAttachment,
  SimAttachmentAction,
  SimContent,
  SimMembership,
  SimMessage,
  SimPerson,
  SimRoom,
  SimToken,
  TokenKind,
  SimWebhook,
} from './model.js';

/** What happened, for the webhook dispatcher: `data` is the webhook's `data` object. */
export interface SimEvent {
  resource: 'messages' | 'memberships' | 'attachmentActions' | 'telephony_calls';
  event: 'created' | 'updated' | 'deleted';
  actorId: string;
  data: Record<string, unknown>;
  /** Who may see it; the dispatcher only delivers to webhooks owned by these people. */
  audience: string[];
}

export interface NewPerson {
  displayName: string;
  email: string;
  extension?: string;
  phoneNumber?: string;
  type?: 'person' | 'bot';
  /** Another organisation's person (`addOrganisation`); the home organisation's by default. */
  orgId?: string;
}

export interface NewMessage {
  roomId?: string;
  toPersonId?: string;
  toPersonEmail?: string;
  parentId?: string;
  text?: string;
  markdown?: string;
  /** Files by URL: Webex takes one per message. */
  files?: string[];
  attachments?: SimAttachment[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Webex's Buttons and Cards guide: "Cards may include up to five buttons (actions)". */
const MAX_CARD_ACTIONS = 5;
/** Webex refuses a message whose `text` or `markdown` is longer than this, counted in UTF-8 bytes. */
const MAX_TEXT_BYTES = 7439;

/** What Webex refuses of a message's text and markdown, when it is posted and when it is edited. */
function checkTextLength(input: { text?: string | undefined; markdown?: string | undefined }): void {
  for (const [field, value] of [['text', input.text], ['markdown', input.markdown]] as const) {
    const bytes = value === undefined ? 0 : Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_TEXT_BYTES) throw badRequest(`The message ${field} is ${bytes} bytes; Webex allows at most ${MAX_TEXT_BYTES} bytes`);
  }
}
const MENTION = /<@(personId|personEmail):([^|>]+)(?:\|([^>]*))?>/g;

const now = (): string => new Date().toISOString();

/**
 * One Webex organisation in memory, the home one (`orgId`): people and their tokens, spaces,
 * messages, card submissions and webhooks. People of other organisations (`addOrganisation`) share
 * its spaces, as people of two companies do in one Webex space; each person carries their own
 * `orgId`, and so do the webhooks they make. Every change that Webex would announce by webhook is
 * emitted as a `SimEvent`.
 */
export class SimOrg extends EventEmitter<{ event: [SimEvent] }> {
  private readonly orgUuid = randomUUID();
  readonly orgId = webexId('ORGANIZATION', this.orgUuid);
  /** Every organisation people may belong to, the home one first. */
  readonly orgIds: string[] = [this.orgId];

  /** Another organisation, for people of another company; returns its id. */
  addOrganisation(): string {
    const orgId = webexId('ORGANIZATION');
    this.orgIds.push(orgId);
    return orgId;
  }
  readonly people = new Map<string, SimPerson>();
  readonly tokens = new Map<string, SimToken>();
  readonly rooms = new Map<string, SimRoom>();
  readonly memberships = new Map<string, SimMembership>();
  /** Each room's memberships by person: membership checks stay cheap with thousands of spaces. */
  private readonly membersOfRoom = new Map<string, Map<string, SimMembership>>();
  readonly messages = new Map<string, SimMessage>();
  /** Files uploaded with messages (multipart `POST /messages`), by content id. */
  readonly contents = new Map<string, SimContent>();
  readonly attachmentActions = new Map<string, SimAttachmentAction>();
  /** Who may read each card action: the author of the card, even once the card is deleted. */
  private readonly actionCardAuthors = new Map<string, string>();
  readonly webhooks = new Map<string, SimWebhook>();

  addPerson(input: NewPerson): SimPerson {
    if (input.orgId && !this.orgIds.includes(input.orgId)) throw badRequest('No such organisation');
    const [firstName = input.displayName, ...rest] = input.displayName.split(' ');
    const person: SimPerson = {
      id: webexId('PEOPLE'),
      emails: [input.email.toLowerCase()],
      phoneNumbers: input.phoneNumber ? [{ type: 'work', value: input.phoneNumber }] : [],
      ...(input.extension ? { extension: input.extension } : {}),
      displayName: input.displayName,
      nickName: firstName,
      firstName,
      lastName: rest.join(' '),
      orgId: input.orgId ?? this.orgId,
      created: now(),
      type: input.type ?? 'person',
    };
    this.people.set(person.id, person);
    return person;
  }

  /** Mints a token for a person; user tokens carry scopes, the bot's carries what a bot may do. */
  issueToken(personId: string, kind: TokenKind, scopes: string[], ttlMs = 14 * DAY_MS, clientId?: string): string {
    // Shaped like a real Webex token (<secret>_<cluster>_<org uuid>): the Webex SDK checks the shape.
    const token = `${randomBytes(32).toString('hex')}_PF84_${this.orgUuid}`;
    this.tokens.set(token, { personId, kind, scopes, expiresAt: Date.now() + ttlMs, ...(clientId ? { clientId } : {}) });
    return token;
  }

  /** Expires the access tokens integrations hold for a person, as if two weeks had passed. */
  expireIntegrationAccess(personId: string): void {
    for (const token of this.tokens.values()) {
      if (token.personId === personId && token.clientId && token.kind === 'access') token.expiresAt = 0;
    }
  }

  /** The person revoked every integration's access: their access and refresh tokens stop working. */
  revokeIntegrationAccess(personId: string): void {
    for (const [value, token] of this.tokens) {
      if (token.personId === personId && token.clientId) this.tokens.delete(value);
    }
  }

  personByToken(value: string | undefined): { person: SimPerson; token: SimToken } | undefined {
    const token = value ? this.tokens.get(value) : undefined;
    if (!token || token.kind === 'refresh' || token.expiresAt <= Date.now()) return undefined;
    const person = this.people.get(token.personId);
    return person ? { person, token } : undefined;
  }

  person(id: string): SimPerson {
    const person = this.people.get(id);
    if (!person) throw notFound('Person');
    return person;
  }

  personByEmail(email: string): SimPerson | undefined {
    const wanted = email.toLowerCase();
    return [...this.people.values()].find((p) => p.emails.includes(wanted));
  }

  createRoom(creatorId: string, title: string, memberIds: string[] = []): SimRoom {
    const room = this.newRoom(creatorId, title, 'group');
    for (const id of [creatorId, ...memberIds]) this.addMember(room.id, id, creatorId);
    return room;
  }

  /** The 1:1 space between two people, made on first use as Webex does. */
  directRoom(aId: string, bId: string): SimRoom {
    const existing = [...this.rooms.values()].find(
      (room) => room.type === 'direct' && this.isMember(room.id, aId) && this.isMember(room.id, bId),
    );
    if (existing) return existing;
    const room = this.newRoom(aId, this.person(bId).displayName, 'direct');
    this.addMember(room.id, aId, aId);
    this.addMember(room.id, bId, aId);
    return room;
  }

  private newRoom(creatorId: string, title: string, type: 'direct' | 'group'): SimRoom {
    const room: SimRoom = {
      id: webexId('ROOM'),
      title,
      type,
      isLocked: false,
      lastActivity: now(),
      creatorId,
      created: now(),
      ownerId: this.orgId,
    };
    this.rooms.set(room.id, room);
    return room;
  }

  room(id: string): SimRoom {
    const room = this.rooms.get(id);
    if (!room) throw notFound('Room');
    return room;
  }

  addMember(roomId: string, personId: string, actorId: string): SimMembership {
    const room = this.room(roomId);
    const person = this.person(personId);
    if (this.isMember(roomId, personId)) throw new SimError(409, 'Person is already a member of the room');
    const membership: SimMembership = {
      id: webexId('MEMBERSHIP'),
      roomId,
      personId,
      personEmail: person.emails[0] ?? '',
      personDisplayName: person.displayName,
      personOrgId: person.orgId,
      isModerator: false,
      isMonitor: false,
      isRoomHidden: false,
      roomType: room.type,
      created: now(),
    };
    this.memberships.set(membership.id, membership);
    this.membersOfRoom.set(roomId, (this.membersOfRoom.get(roomId) ?? new Map<string, SimMembership>()).set(personId, membership));
    this.publish({
      resource: 'memberships',
      event: 'created',
      actorId,
      data: { ...membership },
      audience: this.memberIds(roomId),
    });
    return membership;
  }

  isMember(roomId: string, personId: string): boolean {
    return this.membersOfRoom.get(roomId)?.has(personId) ?? false;
  }

  membershipsOf(roomId: string): SimMembership[] {
    return [...(this.membersOfRoom.get(roomId)?.values() ?? [])];
  }

  memberIds(roomId: string): string[] {
    return [...(this.membersOfRoom.get(roomId)?.keys() ?? [])];
  }

  postMessage(senderId: string, input: NewMessage): SimMessage {
    const sender = this.person(senderId);
    const room = this.targetRoom(senderId, input);
    if (!input.text && !input.markdown && !input.attachments?.length && !input.files?.length) {
      throw badRequest('Message must have text, markdown, files or attachments');
    }
    checkTextLength(input);
    if (input.files && input.files.length > 1) throw badRequest('Only one file per message');
    if (input.attachments && input.attachments.length > 1) throw badRequest('Only one attachment per message');
    const actions = countActions(input.attachments?.[0]?.content);
    if (actions > MAX_CARD_ACTIONS) throw badRequest(`Cards may include up to ${MAX_CARD_ACTIONS} buttons (actions); this one has ${actions}`);
    if (input.parentId) {
      const parent = this.messages.get(input.parentId);
      if (!parent || parent.roomId !== room.id) throw badRequest('Invalid parentId');
    }
    const mentionedPeople = this.mentionsIn(input.markdown);
    const message: SimMessage = {
      id: webexId('MESSAGE'),
      roomId: room.id,
      roomType: room.type,
      ...(input.parentId ? { parentId: input.parentId } : {}),
      text: input.text ?? plainText(input.markdown ?? ''),
      ...(input.markdown ? { markdown: input.markdown, html: toHtml(input.markdown) } : {}),
      ...(input.files?.length ? { files: input.files } : {}),
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
      personId: sender.id,
      personEmail: sender.emails[0] ?? '',
      ...(mentionedPeople.length ? { mentionedPeople } : {}),
      created: now(),
    };
    this.messages.set(message.id, message);
    room.lastActivity = message.created;
    this.publish({
      resource: 'messages',
      event: 'created',
      actorId: sender.id,
      data: {
        id: message.id,
        roomId: room.id,
        roomType: room.type,
        personId: sender.id,
        personEmail: message.personEmail,
        ...(mentionedPeople.length ? { mentionedPeople } : {}),
        created: message.created,
      },
      audience: this.memberIds(room.id).filter((id) => this.canRead(id, message)),
    });
    return message;
  }

  private targetRoom(senderId: string, input: NewMessage): SimRoom {
    if (input.roomId) {
      const room = this.rooms.get(input.roomId);
      if (!room || !this.isMember(room.id, senderId)) throw notFound('Room');
      return room;
    }
    const recipient = input.toPersonId
      ? this.people.get(input.toPersonId)
      : input.toPersonEmail
        ? this.personByEmail(input.toPersonEmail)
        : undefined;
    if (!recipient) throw badRequest('roomId, toPersonId or toPersonEmail is required');
    return this.directRoom(senderId, recipient.id);
  }

  private mentionsIn(markdown: string | undefined): string[] {
    const ids = new Set<string>();
    for (const [, kind, value] of (markdown ?? '').matchAll(MENTION)) {
      const person = kind === 'personId' ? this.people.get(value ?? '') : this.personByEmail(value ?? '');
      if (person) ids.add(person.id);
    }
    return [...ids];
  }

  /** In group spaces a bot may read only the messages that mention it, and its own. */
  canRead(personId: string, message: SimMessage): boolean {
    if (!this.isMember(message.roomId, personId)) return false;
    const reader = this.people.get(personId);
    if (reader?.type !== 'bot' || message.roomType === 'direct' || message.personId === personId) return true;
    return message.mentionedPeople?.includes(personId) ?? false;
  }

  message(readerId: string, id: string): SimMessage {
    const message = this.messages.get(id);
    if (!message || !this.canRead(readerId, message)) throw notFound('Message');
    return message;
  }

  editMessage(editorId: string, id: string, input: { roomId: string; text?: string; markdown?: string }): SimMessage {
    const message = this.message(editorId, id);
    if (message.personId !== editorId) throw new SimError(403, 'Only the author may edit a message');
    if (input.roomId !== message.roomId) throw badRequest('roomId does not match the message');
    if (!input.text && !input.markdown) throw badRequest('text or markdown is required');
    // NOTES.md: Webex cannot edit a message that carries files or attachments.
    if (message.files?.length || message.attachments?.length) throw badRequest('Editing a message with files or attachments is currently unsupported');
    checkTextLength(input);
    message.text = input.text ?? plainText(input.markdown ?? '');
    if (input.markdown) {
      message.markdown = input.markdown;
      message.html = toHtml(input.markdown);
    }
    message.updated = now();
    return message;
  }

  deleteMessage(personId: string, id: string): void {
    const message = this.message(personId, id);
    if (message.personId !== personId) throw new SimError(403, 'Only the author may delete a message');
    this.messages.delete(id);
  }

  submitCard(personId: string, input: { messageId: string; inputs: Record<string, unknown> }): SimAttachmentAction {
    const message = this.messages.get(input.messageId);
    if (!message || !this.isMember(message.roomId, personId)) throw notFound('Message');
    if (!message.attachments?.length) throw badRequest('The message has no card');
    const action: SimAttachmentAction = {
      id: webexId('ATTACHMENT_ACTION'),
      type: 'submit',
      messageId: message.id,
      inputs: input.inputs,
      personId,
      roomId: message.roomId,
      created: now(),
    };
    this.attachmentActions.set(action.id, action);
    this.actionCardAuthors.set(action.id, message.personId);
    const { inputs: _inputs, ...data } = action;
    this.publish({ resource: 'attachmentActions', event: 'created', actorId: personId, data, audience: [message.personId] });
    return action;
  }

  attachmentAction(readerId: string, id: string): SimAttachmentAction {
    const action = this.attachmentActions.get(id);
    if (!action || (action.personId !== readerId && this.actionCardAuthors.get(id) !== readerId)) throw notFound('Attachment action');
    return action;
  }

  publish(event: SimEvent): void {
    this.emit('event', event);
  }
}

/** Every action in a card, wherever it sits: the card's own, an ActionSet's, a ShowCard's card's. */
export function countActions(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + countActions(item), 0);
  if (!node || typeof node !== 'object') return 0;
  const own = typeof (node as { type?: unknown }).type === 'string' && (node as { type: string }).type.startsWith('Action.') ? 1 : 0;
  return own + Object.values(node).reduce((sum: number, value) => sum + countActions(value), 0);
}

/**
 * What Webex puts in `text` for a markdown message: the markup gone, mentions replaced by names,
 * escaped characters and entities shown as themselves.
 */
function plainText(markdown: string): string {
  return markdown
    .replace(MENTION, (_m, _kind, value: string, name?: string) => name ?? value)
    .replace(/\*\*|__|`/g, '')
    .replace(/^[#>]+\s*/gm, '')
    .replace(/\\([\\`*_[\]#|~>(){}+.!-])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

function toHtml(markdown: string): string {
  const body = markdown.replace(
    MENTION,
    (_m, kind: string, value: string, name?: string) =>
      `<spark-mention data-object-type="person" data-object-id="${kind === 'personId' ? value : ''}">${name ?? value}</spark-mention>`,
  );
  return `<p>${body}</p>`;
}
