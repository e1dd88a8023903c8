import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import webhookHandler from 'webex-node-bot-framework/webhook';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { openStore } from './storage/open-store.js';
import { WebexHttpClient } from './webex/http-client.js';
import { CallingApi } from './webex/calling-api.js';
import { IdentityApi } from './webex/identity-api.js';
import { TokenCipher } from './auth/token-cipher.js';
import { TokenVault } from './auth/token-vault.js';
import { LinkFlow } from './auth/link-flow.js';
import { createFramework, startFramework } from './bot/framework.js';
import { registerHandlers } from './bot/router.js';
import { RoomQueue } from './bot/room-queue.js';
import { webhookRoute } from './http/webhook-route.js';
import { oauthRoutes } from './http/oauth-routes.js';
import type { RetryPolicy } from './webex/retry-policy.js';

export interface ParkBot {
  /** Where the HTTP server listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  stop(): Promise<void>;
}

export interface ParkBotOptions {
  retryPolicy?: RetryPolicy;
}

/** Builds every part from the configuration, starts the HTTP server, then the framework. */
export async function startParkBot(config: Config, logger: Logger, options: ParkBotOptions = {}): Promise<ParkBot> {
  const store = await openStore(config.database);
  const http = new WebexHttpClient(config.webexApiUrl, logger, options.retryPolicy);
  const calling = new CallingApi(http);
  const identity = new IdentityApi(http, config.oauth);
  const vault = new TokenVault(store, new TokenCipher(config.tokenEncryptionKey), identity, logger);
  const linkFlow = new LinkFlow(
    { publicUrl: config.publicUrl, webexApiUrl: config.webexApiUrl, clientId: config.oauth.clientId, redirectUri: config.oauth.redirectUri },
    store,
    identity,
    vault,
    logger,
  );

  const framework = createFramework(config);
  registerHandlers(framework, { calling, vault, store, linkFlow, logger });
  const processEvent = webhookHandler(framework);
  const roomQueue = new RoomQueue();
  let accepting = false;

  const app = express();
  app.disable('x-powered-by');
  app.use(
    webhookRoute(
      config.webhookSecret,
      {
        ready: () => accepting,
        process: (delivery, signature) => {
          void roomQueue.run(delivery.data.roomId ?? delivery.data.id, () =>
            processEvent({ body: delivery, headers: { 'x-spark-signature': signature } }).catch((error: unknown) =>
              logger.error({ error: error instanceof Error ? error.message : 'unknown' }, 'The framework failed to process an event'),
            ),
          );
        },
      },
      logger,
    ),
  );
  app.use(
    oauthRoutes(linkFlow, logger, (personId) => {
      framework.webex.messages
        .create({ toPersonId: personId, markdown: 'Your Webex account is linked. Type `park` during a call to park it, or `help` to see everything I can do.' })
        .catch(() => logger.warn({ event: 'link-confirmation-failed' }, 'Could not confirm the link in Webex'));
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ event: 'http-listening', port }, 'HTTP server listening');

  try {
    await startFramework(framework);
  } catch (error) {
    server.close();
    await store.close();
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`could not connect the bot to Webex at ${config.webexApiUrl} (check WEBEX_BOT_TOKEN and WEBEX_API_URL): ${reason}`);
  }
  accepting = true;
  logger.info({ event: 'bot-ready', bot: framework.person.displayName, webhook: `${config.publicUrl}/webhook` }, 'Park bot is ready');

  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      accepting = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await framework.stop();
      await store.close();
    },
  };
}
