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
