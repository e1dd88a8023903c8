import { NAME_MAX_CHARS, NOTE_MAX_CHARS, truncate } from './limits.js';

/**
 * Characters that change how text around them is shown without being seen themselves: bidi
 * embeddings, overrides and isolates (U+202A–202E, U+2066–2069, the marks U+200E/200F/061C), zero-width
 * and invisible ones (U+200B–200D, U+2060–2064, U+FEFF, U+180E, the soft hyphen), other format
 * characters (U+206A–206F, U+FFF9–FFFB) and control characters. A caller named
 * `Bank\u202Egnp.exe` would read as `Bankexe.png`; after this it reads as what it is.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/g;

/** Outside text with every invisible or direction-changing character removed: what plain-text card fields show. */
export const visibleText = (text: string): string => text.replace(INVISIBLE, '');

/**
 * Text that came from outside (caller ids, names, notes, what someone typed) written into Webex
 * markdown, a card's text or a mention. Markdown characters are escaped so no link, emphasis or
 * heading can be formed; `<` becomes `&lt;` so no `<@all>` or `<@personId:…>` mention can be; line
 * breaks become spaces so nothing starts a line of its own (a `>` mid-line quotes nothing, and the
 * framework already writes it as `&gt;`). Invisible and direction-changing characters are removed
 * (`visibleText`).
 */
export function escapeMarkdown(text: string): string {
  return visibleText(text.replace(/[\r\n]+/g, ' '))
    .replace(/[\\`*_[\]#|~]/g, '\\$&')
    .replace(/</g, '&lt;');
}

/**
 * A name (a caller, a person, a device, a park extension) or a number written into markdown: shortened
 * to what a person can read (src/chat/limits.ts), then escaped. Every name the bot writes goes through
 * here or `visibleName`, so no name can push a message past Webex's limit.
 */
export const escapeName = (name: string): string => escapeMarkdown(truncate(visibleText(name), NAME_MAX_CHARS));

/** Longer outside text (a note, what someone typed, Webex's words), shortened less, then escaped. */
export const escapeNote = (text: string): string => escapeMarkdown(truncate(visibleText(text), NOTE_MAX_CHARS));

/** A name for a plain-text card field (a choice's title): shortened, invisible characters out. */
export const visibleName = (name: string): string => truncate(visibleText(name), NAME_MAX_CHARS);

/** A person's name inside a mention tag (`<@personId:ID|Name>`), which must not end the tag early. */
export const mentionName = (name: string): string => truncate(visibleText(name.replace(/[<>|\r\n]/g, '')).trim(), NAME_MAX_CHARS) || 'you';
