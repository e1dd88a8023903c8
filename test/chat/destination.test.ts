import { strict as assert } from 'node:assert';
import { checkDestination } from '../../src/chat/destination.js';

describe('park destination validation', () => {
  const accepted: [string, string][] = [
    ['1234', '1234'],
    ['2223334444', '2223334444'],
    ['+12223334444', '+12223334444'],
    ['+44 20 7946 0958', '+442079460958'],
    ['222-333-4444', '2223334444'],
    ['*73', '*73'],
    ['tel:+12223334444', 'tel:+12223334444'],
    ['TEL:1234', 'tel:1234'],
    ['user@company.domain', 'user@company.domain'],
    ['sip:user@company.domain', 'sip:user@company.domain'],
  ];
  for (const [input, expected] of accepted) {
    it(`accepts ${input}`, () => {
      assert.deepEqual(checkDestination(input), { ok: true, destination: expected });
    });
  }

  const refused = ['', '1', 'abc', '+0123', '+1234567890123456', '**73', 'tel:', 'tel:abc', 'sip:nobody', 'user@', '12 34 ab', 'x'.repeat(200)];
  for (const input of refused) {
    it(`refuses ${JSON.stringify(input.slice(0, 20))} with the forms it accepts`, () => {
      const check = checkDestination(input);
      assert.equal(check.ok, false);
      assert.match(check.ok ? '' : check.reason, /extension \(1234\)/);
      assert.ok(!check.ok && check.reason.length < 300, 'a long input is shortened in the answer');
    });
  }

  it('shortens a long refused destination without cutting an emoji in half (no lone surrogate is written back)', () => {
    const check = checkDestination(`${'a'.repeat(39)}😀😀 and more`);
    const reason = check.ok ? '' : check.reason;
    assert.ok(reason.includes(`${'a'.repeat(39)}😀…`), reason);
    assert.doesNotMatch(reason, /\p{Cs}/u, 'no half of a surrogate pair');
  });
});
