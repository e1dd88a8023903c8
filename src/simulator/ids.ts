import { randomUUID } from 'node:crypto';

export type WebexIdKind =
  | 'PEOPLE'
  | 'ROOM'
  | 'MESSAGE'
  | 'MEMBERSHIP'
  | 'WEBHOOK'
  | 'ATTACHMENT_ACTION'
  | 'ORGANIZATION'
  | 'APPLICATION'
  | 'DEVICE'
  | 'CALL'
  | 'PLACE'
  | 'VIRTUAL_LINE'
  | 'CONTENT';

/**
 * Webex ids are unpadded base64 of `ciscospark://us/<KIND>/<uuid>`. The Webex SDK used by the bot
 * framework decodes them, so plain ids would crash it: the simulator mints real-looking ones.
 */
export function webexId(kind: WebexIdKind, uuid: string = randomUUID()): string {
  return Buffer.from(`ciscospark://us/${kind}/${uuid}`).toString('base64').replace(/=+$/, '');
}
