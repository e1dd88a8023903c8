import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { ConfigError, createConfig } from '../src/config.js';

const valid = {
  WEBEX_BOT_TOKEN: 'bot-token',
  PUBLIC_URL: 'https://parkbot.example.com/',
  WEBHOOK_SECRET: '5f0c2a9e7b1d48c3a6e09f2b7d4c1e8a3b6f9d2c5e8a1b4d7f0c3e6a9b2d5f81',
  WEBEX_CLIENT_ID: 'client',
  WEBEX_CLIENT_SECRET: 'secret',
  TOKEN_ENCRYPTION_KEY: 'p3Vq9Xb2LmT8rZc5Wn1Yk7Hs4Dg6Jf0Ae2Qu8Ri5Ot0=',
};

/** Refused, with the variable and the way to make a good one in the message. */
function refused(changes: Record<string, string>, name: string, fix: RegExp): string {
  try {
    createConfig({ ...valid, ...changes });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, new RegExp(`- ${name} `));
    assert.match(error.message, fix);
    return error.message;
  }
  return assert.fail(`${name}=${changes[name]} was accepted`);
}

describe('configuration', () => {
  it('fills in the defaults', () => {
    const config = createConfig(valid);
    assert.equal(config.webexApiUrl, 'https://webexapis.com/v1');
    assert.equal(config.port, 3000);
    assert.deepEqual(config.database, { kind: 'sqlite', path: './data/parkbot.db' });
    assert.equal(config.publicUrl, 'https://parkbot.example.com');
    assert.equal(config.oauth.redirectUri, 'https://parkbot.example.com/oauth/callback');
    assert.equal(config.tokenEncryptionKey.length, 32);
    assert.equal(config.maxSpacesInMemory, 1000);
  });

  it('reports every bad or missing value at once, each naming its variable', () => {
    try {
      createConfig({ PUBLIC_URL: 'not a url', PORT: 'eighty', TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=', WEBHOOK_SECRET: 'short', DATABASE_URL: 'mysql://x', MAX_SPACES_IN_MEMORY: 'lots' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.message;
      for (const name of ['WEBEX_BOT_TOKEN', 'PUBLIC_URL', 'PORT', 'TOKEN_ENCRYPTION_KEY', 'WEBHOOK_SECRET', 'WEBEX_CLIENT_ID', 'WEBEX_CLIENT_SECRET', 'DATABASE_URL', 'MAX_SPACES_IN_MEMORY']) {
        assert.match(text, new RegExp(`- ${name} `), name);
      }
      assert.match(text, /TOKEN_ENCRYPTION_KEY must be exactly 32 bytes, base64-encoded/);
      assert.match(text, /see \.env\.example/);
    }
  });

  it('selects PostgreSQL for a postgres:// DATABASE_URL', () => {
    assert.deepEqual(createConfig({ ...valid, DATABASE_URL: 'postgres://bot:pw@db:5432/parkbot' }).database, { kind: 'postgres', url: 'postgres://bot:pw@db:5432/parkbot' });
  });

  it('refuses a short or low-entropy WEBHOOK_SECRET, saying how to make a good one', () => {
    for (const secret of ['a-long-enough-secret', 'a'.repeat(16), 'a'.repeat(64), 'abcd'.repeat(10), '0123456789abcdefghijklmnopqrstuvwxyz', 'ab'.repeat(20) + 'x']) {
      refused({ WEBHOOK_SECRET: secret }, 'WEBHOOK_SECRET', /openssl rand -hex 32/);
    }
    assert.match(refused({ WEBHOOK_SECRET: 'aaaaaaaaaaaaaaaa' }, 'WEBHOOK_SECRET', /openssl rand -hex 32/), /at least 32 characters/);
  });

  it('refuses an all-zero, constant or patterned TOKEN_ENCRYPTION_KEY, saying how to make a good one', () => {
    const keys = [Buffer.alloc(32), Buffer.alloc(32, 7), Buffer.from(Array.from({ length: 32 }, (_, i) => i)), Buffer.from('0123456789abcdef0123456789abcdef')];
    for (const key of keys) refused({ TOKEN_ENCRYPTION_KEY: key.toString('base64') }, 'TOKEN_ENCRYPTION_KEY', /openssl rand -base64 32/);
  });

  it('accepts what openssl rand makes, every time', () => {
    for (let i = 0; i < 2000; i += 1) {
      const config = createConfig({ ...valid, WEBHOOK_SECRET: randomBytes(i % 2 ? 32 : 24).toString(i % 3 ? 'hex' : 'base64'), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      assert.equal(config.tokenEncryptionKey.length, 32);
    }
  });

  it('treats empty values as missing', () => {
    assert.throws(() => createConfig({ ...valid, WEBEX_BOT_TOKEN: '' }), /WEBEX_BOT_TOKEN is required/);
  });

  describe('key and secret rotation', () => {
    const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

    it('has nothing to rotate by default, and a grace period of an hour', () => {
      const config = createConfig(valid);
      assert.deepEqual(config.tokenReadOnlyKeys, []);
      assert.deepEqual(config.webhookSecretRotation, { graceMs: 60 * 60_000 });
    });

    it('reads previous keys (comma-separated), the next key, and the previous and next webhook secrets', () => {
      const nextKey = randomBytes(32).toString('base64');
      const nextSecret = randomBytes(32).toString('hex');
      // The previous key and secret are weak on purpose: rotating away from a weak one must be possible.
      const config = createConfig({
        ...valid,
        TOKEN_ENCRYPTION_KEYS_PREVIOUS: ` ${key(1)}, ${key(2)} `,
        TOKEN_ENCRYPTION_KEY_NEXT: nextKey,
        WEBHOOK_SECRET_PREVIOUS: 'the-secret-used-before',
        WEBHOOK_SECRET_NEXT: nextSecret,
        WEBHOOK_SECRET_GRACE_MINUTES: '0.5',
      });
      assert.deepEqual(config.tokenReadOnlyKeys.map((k) => k.toString('base64')), [key(1), key(2), nextKey]);
      assert.deepEqual(config.webhookSecretRotation, { previous: 'the-secret-used-before', next: nextSecret, graceMs: 30_000 });
    });

    it('holds the next key and secret to the same strength as the current ones', () => {
      assert.throws(
        () => createConfig({ ...valid, TOKEN_ENCRYPTION_KEY_NEXT: key(3), WEBHOOK_SECRET_NEXT: 'a'.repeat(40) }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.some((p) => p.startsWith('TOKEN_ENCRYPTION_KEY_NEXT is too easy to guess')) &&
          error.problems.some((p) => p.startsWith('WEBHOOK_SECRET_NEXT ') && /openssl rand -hex 32/.test(p)),
      );
    });

    it('says which rotation setting is wrong, along with every other problem, and never shows a key', () => {
      try {
        createConfig({
          ...valid,
          PORT: 'eighty',
          TOKEN_ENCRYPTION_KEYS_PREVIOUS: `${key(1)},not-base64,${key(1)},${valid.TOKEN_ENCRYPTION_KEY}`,
          TOKEN_ENCRYPTION_KEY_NEXT: valid.TOKEN_ENCRYPTION_KEY,
          WEBHOOK_SECRET_PREVIOUS: valid.WEBHOOK_SECRET,
          WEBHOOK_SECRET_NEXT: 'short',
          WEBHOOK_SECRET_GRACE_MINUTES: '-5',
        });
        assert.fail('expected a ConfigError');
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        const text = error.message;
        assert.match(text, /- PORT /);
        assert.match(text, /- TOKEN_ENCRYPTION_KEYS_PREVIOUS key 2 must be exactly 32 bytes, base64-encoded/);
        assert.match(text, /- TOKEN_ENCRYPTION_KEYS_PREVIOUS key 3 is listed twice/);
        assert.match(text, /- TOKEN_ENCRYPTION_KEYS_PREVIOUS must not list TOKEN_ENCRYPTION_KEY itself/);
        assert.match(text, /- TOKEN_ENCRYPTION_KEY_NEXT is TOKEN_ENCRYPTION_KEY itself/);
        assert.match(text, /- WEBHOOK_SECRET_PREVIOUS is WEBHOOK_SECRET itself/);
        assert.match(text, /- WEBHOOK_SECRET_NEXT must be at least 32 characters/);
        assert.match(text, /- WEBHOOK_SECRET_GRACE_MINUTES /);
        for (const secret of [key(1), valid.TOKEN_ENCRYPTION_KEY, valid.WEBHOOK_SECRET]) assert.ok(!text.includes(secret), 'a key or secret in the message');
      }
    });
  });
});
