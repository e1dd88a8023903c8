import { createHmac, timingSafeEqual } from 'node:crypto';

/** Webex signs each delivery with hex HMAC-SHA1 of the raw body, keyed with the webhook secret. */
export function signBody(body: Buffer | string, secret: string): string {
  return createHmac('sha1', secret).update(body).digest('hex');
}

export function isValidSignature(rawBody: Buffer, signature: string | undefined, secret: string): boolean {
  if (!signature || !/^[0-9a-f]{40}$/i.test(signature)) return false;
  return timingSafeEqual(Buffer.from(signBody(rawBody, secret), 'hex'), Buffer.from(signature, 'hex'));
}
