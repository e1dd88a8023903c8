import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { isValidSignature } from '../../src/webhooks/signature.js';

describe('webhook signature check', () => {
  const secret = 'the-webhook-secret-123';
  const raw = Buffer.from('{"id":"1",  "data":{"id":"2"}}');
  const good = createHmac('sha1', secret).update(raw).digest('hex');

  it('accepts the HMAC-SHA1 of the exact raw bytes, in either hex case', () => {
    assert.equal(isValidSignature(raw, good, secret), true);
    assert.equal(isValidSignature(raw, good.toUpperCase(), secret), true);
  });

  it('refuses a missing, malformed, wrong-key or re-serialised signature', () => {
    assert.equal(isValidSignature(raw, undefined, secret), false);
    assert.equal(isValidSignature(raw, '', secret), false);
    assert.equal(isValidSignature(raw, 'not-hex', secret), false);
    assert.equal(isValidSignature(raw, good.slice(0, 38), secret), false);
    assert.equal(isValidSignature(raw, createHmac('sha1', 'other').update(raw).digest('hex'), secret), false);
    const reserialised = createHmac('sha1', secret).update(JSON.stringify(JSON.parse(raw.toString()))).digest('hex');
    assert.equal(isValidSignature(raw, reserialised, secret), false, 'the raw body counts, not its parsed form');
  });
});
