import type { MessagingApi, WebexObject } from '../webex/messaging-api.js';

type Read = (what: unknown) => Promise<unknown>;

/** The framework's Webex SDK handle, as far as the reads it makes for each event go. */
export interface FrameworkReads {
  messages: { get: Read };
  attachmentActions: { get: Read };
  rooms: { get: Read };
}

const idOf = (what: unknown): string => (typeof what === 'object' && what !== null && 'id' in what ? String(what.id) : String(what));

/**
 * Before any handler runs, the framework reads each event's message or card action, and a newly
 * discovered space, through its Webex SDK, whose request pipeline costs milliseconds of CPU per call
 * and now and then far more (bench/README.md). The same reads go through the project's keep-alive
 * client instead, with its retries and latency metrics; the framework gets the same objects.
 */
export function readThroughClient(sdk: FrameworkReads, messaging: Pick<MessagingApi, 'read'>): void {
  const via = (kind: Parameters<MessagingApi['read']>[0]): Read => (what): Promise<WebexObject> => messaging.read(kind, idOf(what));
  sdk.messages.get = via('messages');
  sdk.attachmentActions.get = via('attachment/actions');
  sdk.rooms.get = via('rooms');
}
