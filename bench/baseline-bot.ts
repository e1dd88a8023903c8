/**
 * The benchmark's baseline: the plainest webex-node-bot-framework bot in webhook mode behind express,
 * answering every message with one fixed card. No store, no tokens, no signature check of its own.
 */
import express from 'express';
import type FrameworkType from 'webex-node-bot-framework';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

process.env.HYDRA_SERVICE_URL = env('WEBEX_API_URL');
process.env.U2C_SERVICE_URL = env('WEBEX_U2C_URL');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- must load after the env above is set
const Framework = require('webex-node-bot-framework') as typeof FrameworkType;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const webhook = require('webex-node-bot-framework/webhook') as (f: FrameworkType) => (req: unknown, res: unknown) => void;

const card = {
  type: 'AdaptiveCard',
  version: '1.3',
  body: [{ type: 'TextBlock', text: 'Hello from the baseline bot' }],
  actions: [{ type: 'Action.Submit', title: 'OK', data: { ok: true } }],
};

const framework = new Framework({
  token: env('WEBEX_BOT_TOKEN'),
  webhookUrl: `${env('PUBLIC_URL')}/webhook`,
  webhookSecret: env('WEBHOOK_SECRET'),
  removeWebhooksOnStart: false,
  maxStartupSpaces: 0,
});

framework.on('message', (bot) => {
  // A card that could not be sent leaves the benchmark waiting: say why on the way out.
  bot.sendCard(card, 'Hello from the baseline bot').catch((error: unknown) => process.stderr.write(`baseline card not sent: ${String(error)}\n`));
});

const app = express();
app.use(express.json());
app.post('/webhook', webhook(framework));
app.listen(Number(env('PORT')), () => {
  framework.once('initialized', () => {
    const wait = setInterval(() => {
      if (framework.cardsWebhook && framework.cardsWebhook.id) {
        clearInterval(wait);
        process.stdout.write('{"event":"baseline-ready"}\n');
      }
    }, 25);
  });
  // Like for like: the bot's own SDK setting (person lookups gathered for 1 ms, not 100 ms).
  const batcherWait = Number(process.env.BASELINE_PEOPLE_BATCHER_WAIT_MS);
  void framework.start().then(() => {
    if (batcherWait > 0) framework.webex.config.people.batcherWait = batcherWait;
  });
});
