import { truncate } from './limits.js';
import { escapeMarkdown } from './markdown.js';

/** The park destination forms Webex accepts (shared/webex-spec/NOTES.md). */
export type DestinationCheck = { ok: true; destination: string } | { ok: false; reason: string };

const EMAIL = /^[^\s@:]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const DIGITS = /^\d{2,15}$/;
const FEATURE_CODE = /^\*\d{2,3}$/;

/** Spaces, dashes, dots and brackets people type inside phone numbers. */
const stripNumberPunctuation = (value: string): string => value.replace(/[\s().-]/g, '');

export function checkDestination(raw: string): DestinationCheck {
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (lower.startsWith('sip:')) {
    const address = value.slice(4);
    return EMAIL.test(address) ? { ok: true, destination: `sip:${address}` } : invalid(raw);
  }
  if (EMAIL.test(value)) return { ok: true, destination: value };
  if (lower.startsWith('tel:')) {
    const number = stripNumberPunctuation(value.slice(4));
    return E164.test(number) || DIGITS.test(number) ? { ok: true, destination: `tel:${number}` } : invalid(raw);
  }
  if (FEATURE_CODE.test(value)) return { ok: true, destination: value };
  const number = stripNumberPunctuation(value);
  if (E164.test(number) || DIGITS.test(number)) return { ok: true, destination: number };
  return invalid(raw);
}

function invalid(raw: string): DestinationCheck {
  // Cut by characters, not UTF-16 units, so no emoji is cut in half.
  const shown = escapeMarkdown(truncate(raw, 41));
  return {
    ok: false,
    reason:
      `"${shown}" is not a place I can park a call. Use an extension (1234), a phone number (+12223334444), ` +
      'a feature code (*73), tel:+12223334444, someone@company.com or sip:someone@company.com.',
  };
}
