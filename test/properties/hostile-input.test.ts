import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { parseCommand, type Command } from '../../src/chat/command.js';
import { checkDestination } from '../../src/chat/destination.js';
import { cardSubmitSchema } from '../../src/bot/inbound.js';
import { parseDelivery } from '../../src/http/webhook-route.js';
import { WebhookSecrets } from '../../src/webhooks/webhook-secrets.js';

const RUNS = { numRuns: 2000 };
const SECRET = 'property-test-secret';

/** Text people might type, and text an attacker would: words of the grammar mixed with anything. */
const chatText = fc.oneof(
  fc.string({ maxLength: 600 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc
    .array(fc.constantFrom('park', 'to', 'for', 'my', 'call', 'group', 'retrieve', '1234', '+1222', '*73', 'tel:', 'sip:', '@', ' ', '\n', '!', '?', 'link', 'unlink', 'parked'), { maxLength: 12 })
    .map((words) => words.join(' ')),
);

function isClearAnswer(command: Command): boolean {
  if (command.kind === 'invalid') return command.reason.length > 0 && command.reason.length < 400;
  if (command.kind === 'park' && command.destination !== undefined) return checkDestination(command.destination).ok;
  return true;
}

describe('hostile and random input never throws past the boundary', () => {
  it('the command parser always returns a command, and refusals always say why', () => {
    fc.assert(
      fc.property(chatText, fc.array(fc.record({ personId: fc.string(), name: fc.string({ maxLength: 30 }) }), { maxLength: 3 }), (text, mentions) => {
        assert.ok(isClearAnswer(parseCommand(text, mentions)));
      }),
      RUNS,
    );
  });

  it('destination checks accept only what they can stand behind', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (raw) => {
        const check = checkDestination(raw);
        if (check.ok) assert.match(check.destination, /^(\+?\d{2,15}|\*\d{2,3}|tel:\+?\d{2,15}|(sip:)?[^\s@:]+@[^\s@]+\.[^\s@]+)$/);
        else assert.ok(check.reason.length < 300);
      }),
      RUNS,
    );
  });

  it('card submits are unpacked by one schema or refused, never trusted blindly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ action: fc.constantFrom('retrieve', 'park', 'other'), parkId: fc.string(), callId: fc.string() })), (inputs) => {
        const result = cardSubmitSchema.safeParse(inputs);
        if (result.success && result.data.action === 'retrieve') assert.match(result.data.parkId, /^[0-9a-f-]{36}$/i);
      }),
      RUNS,
    );
  });

  it('webhook bodies: unsigned ones are 401, signed garbage is 400, only well-formed deliveries pass', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 500 }), fc.json(), fc.anything().map((v) => JSON.stringify(v) ?? '')), fc.boolean(), (body, signed) => {
        const raw = Buffer.from(body);
        const signature = signed ? createHmac('sha1', SECRET).update(raw).digest('hex') : undefined;
        const secrets = new WebhookSecrets({ current: SECRET, graceMs: 0 });
        const parsed = parseDelivery(raw, signature, (r, s) => secrets.verify(r, s));
        if (!signed) assert.deepEqual(parsed.ok ? 200 : parsed.status, 401);
        else if (parsed.ok) assert.ok(parsed.delivery.data.id.length > 0);
        else assert.equal(parsed.status, 400);
      }),
      RUNS,
    );
  });
});
