import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
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

  it('refuses a guessable WEBHOOK_SECRET or TOKEN_ENCRYPTION_KEY, saying how to make good ones', async () => {
    const bot = new BotProcess({
      WEBEX_BOT_TOKEN: 'token',
      PUBLIC_URL: 'https://parkbot.example.com',
      WEBHOOK_SECRET: 'aaaaaaaaaaaaaaaa',
      WEBEX_CLIENT_ID: 'id',
      WEBEX_CLIENT_SECRET: 'secret',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
      DOTENV_CONFIG_PATH: '/nonexistent/.env',
    });
    await assert.rejects(bot.start(), /exited with 1/);
    assert.match(bot.output, /- WEBHOOK_SECRET must be at least 32 characters \(make one with `openssl rand -hex 32`\)/);
    assert.match(bot.output, /- TOKEN_ENCRYPTION_KEY is too easy to guess: it has fewer than 8 different bytes \(make one with `openssl rand -base64 32`\)/);
  });

  it('says why when Webex cannot be reached at start', async () => {
    const bot = new BotProcess({
      WEBEX_BOT_TOKEN: 'token',
      WEBEX_API_URL: 'http://127.0.0.1:1/v1',
      WEBEX_U2C_URL: 'http://127.0.0.1:1/u2c/api/v1',
      PUBLIC_URL: 'http://127.0.0.1:1',
      PORT: String(await freePort()),
      WEBHOOK_SECRET: randomBytes(32).toString('hex'),
      WEBEX_CLIENT_ID: 'id',
      WEBEX_CLIENT_SECRET: 'secret',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: 'sqlite::memory:',
      DOTENV_CONFIG_PATH: '/nonexistent/.env',
    });
    await assert.rejects(bot.start(), /exited with 1/);
    assert.match(bot.output, /The bot could not start: could not connect the bot to Webex at http:\/\/127\.0\.0\.1:1\/v1 \(check WEBEX_BOT_TOKEN and WEBEX_API_URL\)/);
    assert.doesNotMatch(bot.output, /\n\s+at /, 'no stack trace');
  });
});
