/** The parts of webex-node-bot-framework 2.3 this bot uses; the package ships no declarations. */
declare module 'webex-node-bot-framework' {
  import { EventEmitter } from 'node:events';

  export interface FrameworkOptions {
    token: string;
    webhookUrl?: string;
    webhookSecret?: string;
    removeWebhooksOnStart?: boolean;
    maxStartupSpaces?: number;
    messageFormat?: 'text' | 'markdown' | 'html';
  }

  export interface WebexMessage {
    id: string;
    roomId: string;
    roomType?: string;
    text?: string;
    markdown?: string;
    html?: string;
    personId: string;
    personEmail?: string;
    mentionedPeople?: string[];
    parentId?: string;
    created?: string;
  }

  export interface WebexPerson {
    id: string;
    displayName?: string;
    emails?: string[];
    type?: string;
    orgId?: string;
  }

  export interface Trigger {
    type: 'message' | 'attachmentAction';
    id: string;
    text?: string;
    message?: WebexMessage;
    attachmentAction?: unknown;
    person?: WebexPerson;
    personId?: string;
  }

  export interface Bot {
    id: string;
    room: { id: string; type?: string; title?: string };
    isDirect: boolean;
    person: WebexPerson;
    /** When the space last sent a message or card action (ISO 8601, to the second). */
    lastActivity: string;
    say(format: 'text' | 'markdown', message: string): Promise<WebexMessage>;
    sendCard(card: object, fallbackText: string): Promise<WebexMessage>;
    reply(replyTo: string | WebexMessage, message: string | object, format?: 'text' | 'markdown'): Promise<WebexMessage>;
    dm(person: string, format: 'text' | 'markdown', message: string | object): Promise<WebexMessage>;
  }

  export interface WebexSdk {
    config: { people: { batcherWait: number } };
    messages: { create(message: object): Promise<WebexMessage>; remove(id: string): Promise<unknown> };
    /** The framework lists, removes and creates its webhooks through these at start. */
    webhooks: Record<'list' | 'remove' | 'create', (...args: never[]) => Promise<unknown>>;
  }

  export default class Framework extends EventEmitter {
    constructor(options: FrameworkOptions);
    start(): Promise<void>;
    stop(): Promise<void>;
    initialized: boolean;
    person: WebexPerson;
    /** `{}` until registered, the webhook once created, false when creating it failed. */
    webhook: { id?: string } | false;
    cardsWebhook: { id?: string } | false;
    webex: WebexSdk;
    /** One per space the framework has discovered (at start, or when the space's first event came). */
    bots: Bot[];
    /** Drops what the framework's storage holds for a space. */
    forgetByRoomId(roomId: string): Promise<unknown>;
    on(event: 'message', listener: (bot: Bot, trigger: Trigger, id: string) => void): this;
    on(event: 'attachmentAction', listener: (bot: Bot, trigger: Trigger, id: string) => void): this;
    on(event: 'initialized' | 'start' | 'stop', listener: (id: string) => void): this;
    on(event: 'spawn', listener: (bot: Bot, id: string, addedBy?: string) => void): this;
    on(event: string, listener: (...args: never[]) => void): this;
  }
}

declare module 'webex-node-bot-framework/webhook' {
  import type Framework from 'webex-node-bot-framework';

  /** Returns an express-style handler; without `res` it only processes the event. */
  export default function webhook(framework: Framework): (req: { body: unknown; headers: Record<string, string> }) => Promise<unknown>;
}
