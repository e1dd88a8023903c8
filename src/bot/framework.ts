import { setTimeout as sleep } from 'node:timers/promises';
import type Framework from 'webex-node-bot-framework';
import type { Config } from '../config.js';
import type { BotWebhooks, FrameworkWebhookCalls } from '../webhooks/bot-webhooks.js';
import { cachePeople, type PeopleLookups } from './people-cache.js';
import { readThroughClient, type FrameworkReads } from './framework-reads.js';
import type { MessagingApi } from '../webex/messaging-api.js';
import { loadWebexSdkForFramework } from './webex-sdk.js';

/**
 * Loads the framework pointed at the configured Webex API. The Webex SDK reads its service URLs
 * from the environment once, when first loaded, so they are set here, right before the require.
 */
export function createFramework(config: Config): Framework {
  process.env.HYDRA_SERVICE_URL = config.webexApiUrl;
  if (config.webexU2cUrl) process.env.U2C_SERVICE_URL = config.webexU2cUrl;
  loadWebexSdkForFramework();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load after the env above is set
  const FrameworkClass = (require('webex-node-bot-framework') as { default?: typeof Framework } & typeof Framework);
  return new FrameworkClass({
    token: config.botToken,
    webhookUrl: `${config.publicUrl}/webhook`,
    webhookSecret: config.webhookSecret,
    // Only this bot's own webhooks are replaced at start; others on the token are left alone.
    removeWebhooksOnStart: false,
    // Spaces are discovered when their first event arrives, so start-up does not scale with them.
    maxStartupSpaces: 0,
    messageFormat: 'markdown',
  });
}

const WEBHOOK_REGISTRATION_TIMEOUT_MS = 30_000;

/**
 * Resolves once the framework has its identity and its two webhooks exist. The framework itself
 * reports "initialized" before registering them; events sent in between would be lost.
 */
export async function startFramework(framework: Framework, webhooks: BotWebhooks, messaging: Pick<MessagingApi, 'read' | 'memberships'>): Promise<void> {
  const initialized = new Promise<void>((resolve) => framework.once('initialized', () => resolve()));
  const started = framework.start();
  // start() makes its Webex SDK handle at once, and only then, asynchronously, deletes and re-creates
  // its webhooks: those calls go to the bot's reconciler instead.
  webhooks.takeOver(framework.webex.webhooks as FrameworkWebhookCalls);
  readThroughClient(framework.webex as unknown as FrameworkReads, messaging);
  // After the reads are redirected: the cache sits in front of the client's person lookup.
  cachePeople(framework.webex as unknown as PeopleLookups);
  await started;
  await initialized;
  const deadline = Date.now() + WEBHOOK_REGISTRATION_TIMEOUT_MS;
  while (!(framework.cardsWebhook && framework.cardsWebhook.id)) {
    if (framework.webhook === false || Date.now() > deadline) {
      throw new Error('Webex did not accept the bot\'s webhooks. Check that PUBLIC_URL is reachable from Webex and that WEBEX_BOT_TOKEN is a bot token.');
    }
    await sleep(25);
  }
}
