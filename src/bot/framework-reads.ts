import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessagingApi, WebexObject } from '../webex/messaging-api.js';
import { isPassing } from '../webex/errors.js';

/** The event being handled by the framework, and whether a read it made failed because Webex was failing. */
const readsOfEvent = new AsyncLocalStorage<{ failed?: Error }>();

/**
 * Runs the framework's handling of one event. The framework drops an event whose message or card
 * action it could not read, silently; here that read's failure is thrown instead when Webex was
 * failing (5xx, 429, no answer), so the event is not marked done and is tried again.
 */
export async function withReadsChecked<T>(handle: () => Promise<T>): Promise<T> {
  const reads: { failed?: Error } = {};
  const result = await readsOfEvent.run(reads, handle);
  if (reads.failed) throw reads.failed;
  return result;
}

type Read = (what: unknown) => Promise<unknown>;

/** The SDK's answer to a list: the framework reads `items` and `length`, and pages on with `hasNext`. */
interface Page {
  items: unknown[];
  length: number;
  hasNext: () => boolean;
}

/** The framework's Webex SDK handle, as far as the reads it makes for each event go. */
export interface FrameworkReads {
  messages: { get: Read };
  attachmentActions: { get: Read };
  rooms: { get: Read };
  people: { get: Read };
  memberships: { list: (options: unknown) => Promise<Page> };
}

const idOf = (what: unknown): string => (typeof what === 'object' && what !== null && 'id' in what ? String(what.id) : String(what));

/** A membership listing of one space (of one person in it), which is all the framework asks per event. */
function spaceFilter(options: unknown): { roomId: string; personId?: string } | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const { roomId, personId, ...rest } = options as Record<string, unknown>;
  if (typeof roomId !== 'string' || Object.keys(rest).length > 0) return undefined;
  return typeof personId === 'string' ? { roomId, personId } : personId === undefined ? { roomId } : undefined;
}

/**
 * Before any handler runs, the framework reads each event's message or card action, its sender, and
 * for a newly discovered space the space and the bot's membership, through its Webex SDK, whose request
 * pipeline costs milliseconds of CPU per call and now and then far more (bench/README.md). The same
 * reads go through the project's keep-alive client instead, with its retries and latency metrics; the
 * framework gets the same objects. Listings of another shape (all of the bot's spaces) stay with the SDK.
 */
export function readThroughClient(sdk: FrameworkReads, messaging: Pick<MessagingApi, 'read' | 'memberships'>): void {
  const via =
    (kind: Parameters<MessagingApi['read']>[0]): Read =>
    (what): Promise<WebexObject> =>
      messaging.read(kind, idOf(what)).catch((error: unknown) => {
        const reads = readsOfEvent.getStore();
        if (reads && isPassing(error)) reads.failed = error;
        throw error;
      });
  sdk.messages.get = via('messages');
  sdk.attachmentActions.get = via('attachment/actions');
  sdk.rooms.get = via('rooms');
  sdk.people.get = via('people');
  const listBySdk = sdk.memberships.list.bind(sdk.memberships);
  sdk.memberships.list = async (options) => {
    const filter = spaceFilter(options);
    if (!filter) return listBySdk(options);
    const items = await messaging.memberships(filter);
    return { items, length: items.length, hasNext: () => false };
  };
}
