import { strict as assert } from 'node:assert';
import { ConfigError, createConfig } from '../src/config.js';

const valid = {
  WEBEX_BOT_TOKEN: 'bot-token',
  PUBLIC_URL: 'https://parkbot.example.com/',
  WEBHOOK_SECRET: 'a-long-enough-secret',
  WEBEX_CLIENT_ID: 'client',
  WEBEX_CLIENT_SECRET: 'secret',
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

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

  it('treats empty values as missing', () => {
    assert.throws(() => createConfig({ ...valid, WEBEX_BOT_TOKEN: '' }), /WEBEX_BOT_TOKEN is required/);
  });
});
