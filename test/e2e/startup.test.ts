import { strict as assert } from 'node:assert';
import { BotProcess, freePort } from '../support/bot-process.js';

describe('starting the bot', () => {
  it('explains bad configuration in plain words and exits, without a stack trace', async () => {
    const bot = new BotProcess({ WEBEX_BOT_TOKEN: 'token', PUBLIC_URL: 'parkbot.example.com', TOKEN_ENCRYPTION_KEY: 'too-short', DOTENV_CONFIG_PATH: '/nonexistent/.env' });
    await assert.rejects(bot.start(), /exited with 1/);
    assert.match(bot.output, /The bot cannot start; fix these settings \(see \.env\.example\):/);
    assert.match(bot.output, /- WEBEX_CLIENT_ID is required/);
    assert.match(bot.output, /- PUBLIC_URL must be an http\(s\) URL/);
    assert.match(bot.output, /- TOKEN_ENCRYPTION_KEY must be exactly 32 bytes/);
    assert.doesNotMatch(bot.output, /\n\s+at /, 'no stack trace');
  });

  it('says why when Webex cannot be reached at start', async () => {
    const bot = new BotProcess({
      WEBEX_BOT_TOKEN: 'token',
      WEBEX_API_URL: 'http://127.0.0.1:1/v1',
      WEBEX_U2C_URL: 'http://127.0.0.1:1/u2c/api/v1',
      PUBLIC_URL: 'http://127.0.0.1:1',
      PORT: String(await freePort()),
      WEBHOOK_SECRET: 'a-long-enough-secret',
      WEBEX_CLIENT_ID: 'id',
      WEBEX_CLIENT_SECRET: 'secret',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      DATABASE_URL: 'sqlite::memory:',
      DOTENV_CONFIG_PATH: '/nonexistent/.env',
    });
    await assert.rejects(bot.start(), /exited with 1/);
    assert.match(bot.output, /The bot could not start: could not connect the bot to Webex at http:\/\/127\.0\.0\.1:1\/v1 \(check WEBEX_BOT_TOKEN and WEBEX_API_URL\)/);
    assert.doesNotMatch(bot.output, /\n\s+at /, 'no stack trace');
  });
});
