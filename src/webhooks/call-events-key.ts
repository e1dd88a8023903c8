import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The key in a person's call-events address (`/webhook/calls/<key>`), made so that any instance can
 * tell whose it is from configuration alone, without the database (during an outage, and fresh after
 * a restart): `<nonce>.<tag>`, the tag an HMAC under the bot's webhook secret of the nonce and the
 * person's id. The id itself is never in the address. A delivery's signature is checked with the
 * secret derived from the key (`personalSecret`), and then its `createdBy` against the tag: a person
 * who knows their own webhook's secret (Webex shows it to its owner) can sign anything sent to their
 * own address, but cannot make it pass for someone else's.
 *
 * Keys made before these (random, with no dot) are known only to the database.
 */
const NONCE_BYTES = 18;
/** 128 bits of HMAC-SHA256: as hard to guess as the whole, and a shorter address. */
const TAG_BYTES = 16;
const SHAPE = /^([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{22})$/;

function tag(webhookSecret: string, nonce: string, personId: string): Buffer {
  // The nonce (fixed alphabet, no newline) first, so no two (nonce, person) pairs read the same.
  return createHmac('sha256', webhookSecret).update(`call-events-key\n${nonce}\n${personId}`).digest().subarray(0, TAG_BYTES);
}

/** A new key for `personId`, tagged under `webhookSecret` (the one webhooks are registered with). */
export function mintCallEventsKey(webhookSecret: string, personId: string): string {
  const nonce = randomBytes(NONCE_BYTES).toString('base64url');
  return `${nonce}.${tag(webhookSecret, nonce, personId).toString('base64url')}`;
}

/** Whether `key` could be one made before keys checked themselves (18 random bytes, base64url): only those are looked up. */
export function isOldFormKey(key: string): boolean {
  return /^[A-Za-z0-9_-]{24}$/.test(key);
}

/** Whether `key` has the self-checking shape (a key of an earlier version does not). */
export function isSelfCheckingKey(key: string): boolean {
  return SHAPE.test(key);
}

/** Whether `key` was given to `personId` under one of `webhookSecrets`. */
export function keyBelongsTo(key: string, personId: string, webhookSecrets: readonly string[]): boolean {
  const match = SHAPE.exec(key);
  if (!match?.[1] || !match[2]) return false;
  const nonce = match[1];
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== TAG_BYTES) return false;
  // Every secret is tried, so the time taken says nothing about which one matched.
  return webhookSecrets.map((secret) => timingSafeEqual(given, tag(secret, nonce, personId))).includes(true);
}
