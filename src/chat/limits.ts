/**
 * How much the bot writes in one message, in one place. Webex refuses (400) a message whose `text` or
 * `markdown` is longer than 7,439 bytes (NOTES.md); it documents no limit for a card, so the bot keeps
 * each card's JSON within a budget of its own. Lists are cut to fit these (src/cards/render.ts), names
 * to a length a person can read, and `checkMessageSize` refuses anything still too long before it
 * reaches Webex: a programming error to find in tests, not a 400 for a person to read as "something
 * went wrong".
 */

/** Webex's limit on a message's `text` and `markdown`, in UTF-8 bytes. */
export const MESSAGE_TEXT_MAX_BYTES = 7439;

/** Our own budget for a card's JSON, in UTF-8 bytes: Webex documents none. */
export const CARD_MAX_BYTES = 20 * 1024;

/** The most rows a card lists (waiting calls, a person's calls, their devices); the rest are counted. */
export const LIST_MAX_ITEMS = 20;

/** Names (callers, people, devices, park extensions) and numbers, as written back, in characters. */
export const NAME_MAX_CHARS = 60;

/** Longer outside text: a park's note, what someone typed, Webex's description of a refusal. */
export const NOTE_MAX_CHARS = 200;

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * `text` cut to at most `maxChars` characters (code points, so no emoji is split in two), ending with
 * an ellipsis when something was cut. Cut before escaping, so no escape is cut in half.
 */
export function truncate(text: string, maxChars: number = NAME_MAX_CHARS): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  return `${chars.slice(0, Math.max(0, maxChars - 1)).join('').trimEnd()}…`;
}

/** A message the bot was about to send that Webex would refuse, or that breaks the card budget. */
export class MessageTooLargeError extends Error {
  constructor(readonly what: string) {
    super(`The bot tried to send ${what}`);
    this.name = 'MessageTooLargeError';
  }
}

/** Throws `MessageTooLargeError` when the markdown or the card is past its limit. */
export function checkMessageSize(message: { markdown?: string; text?: string; card?: unknown }): void {
  for (const [field, value] of [['markdown', message.markdown], ['text', message.text]] as const) {
    const bytes = value === undefined ? 0 : utf8Bytes(value);
    if (bytes > MESSAGE_TEXT_MAX_BYTES) throw new MessageTooLargeError(`${field} of ${bytes} bytes (Webex takes at most ${MESSAGE_TEXT_MAX_BYTES})`);
  }
  if (message.card !== undefined) {
    const bytes = utf8Bytes(JSON.stringify(message.card));
    if (bytes > CARD_MAX_BYTES) throw new MessageTooLargeError(`a card of ${bytes} bytes (our budget is ${CARD_MAX_BYTES})`);
  }
}
