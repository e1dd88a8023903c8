import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../../src/auth/token-cipher.js';

describe('token encryption at rest', () => {
  const cipher = new TokenCipher(randomBytes(32));

  it('round-trips a token and never stores it readably', () => {
    const sealed = cipher.seal('MY_SECRET_TOKEN');
    assert.ok(!sealed.includes('MY_SECRET_TOKEN'));
    assert.match(sealed, /^v1\./);
    assert.equal(cipher.open(sealed), 'MY_SECRET_TOKEN');
  });

  it('uses a fresh IV each time', () => {
    assert.notEqual(cipher.seal('same'), cipher.seal('same'));
  });

  it('refuses a value sealed with another key, or tampered with', () => {
    const sealed = cipher.seal('token');
    assert.throws(() => new TokenCipher(randomBytes(32)).open(sealed));
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => cipher.open(parts.join('.')));
    assert.throws(() => cipher.open('plain-text-token'), /Not a sealed token/);
  });
});

describe('token encryption with previous keys', () => {
  const [oldest, previous, current] = [randomBytes(32), randomBytes(32), randomBytes(32)];

  it('opens tokens sealed with a previous key, and seals only with the current one', () => {
    const before = new TokenCipher(previous).seal('OLD_TOKEN');
    const cipher = new TokenCipher(current, [oldest, previous]);
    assert.equal(cipher.open(before), 'OLD_TOKEN');
    assert.deepEqual(cipher.unseal(before), { value: 'OLD_TOKEN', current: false });
    const sealedNow = cipher.seal('NEW_TOKEN');
    assert.deepEqual(cipher.unseal(sealedNow), { value: 'NEW_TOKEN', current: true });
    assert.throws(() => new TokenCipher(previous).open(sealedNow), 'nothing is sealed with a previous key');
  });

  it('re-seals under the current key what an older key sealed, and leaves current ones alone', () => {
    const cipher = new TokenCipher(current, [previous]);
    const resealed = cipher.reseal(new TokenCipher(previous).seal('TOKEN'));
    assert.ok(resealed);
    assert.match(resealed, /^v1\./, 'the same format, so instances of an older version still read it');
    assert.equal(new TokenCipher(current).open(resealed), 'TOKEN');
    assert.equal(cipher.reseal(cipher.seal('TOKEN')), undefined);
  });

  it('refuses a token whose key is no longer configured, naming no key', () => {
    const sealed = new TokenCipher(oldest).seal('TOKEN');
    assert.throws(() => new TokenCipher(current, [previous]).open(sealed), /^Error: No configured key opens this sealed token$/);
    assert.throws(() => new TokenCipher(current, [previous]).reseal(sealed));
  });

  it('refuses a tampered token whichever key sealed it', () => {
    const parts = new TokenCipher(previous).seal('token').split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => new TokenCipher(current, [previous]).open(parts.join('.')));
  });
});
