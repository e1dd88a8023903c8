/**
 * Text that came from outside (caller ids, names, notes, what someone typed) written into Webex
 * markdown, a card's text or a mention. Markdown characters are escaped so no link, emphasis or
 * heading can be formed; `<` becomes `&lt;` so no `<@all>` or `<@personId:…>` mention can be; line
 * breaks become spaces so nothing starts a line of its own (a `>` mid-line quotes nothing, and the
 * framework already writes it as `&gt;`).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]#|~]/g, '\\$&')
    .replace(/</g, '&lt;');
}

/** A person's name inside a mention tag (`<@personId:ID|Name>`), which must not end the tag early. */
export const mentionName = (name: string): string => name.replace(/[<>|\r\n]/g, '').trim() || 'you';
