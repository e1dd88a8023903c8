import './ops/supported-node.js';
import 'dotenv/config';
import { ConfigError, createConfig } from './config.js';
import { createLogger } from './logger.js';
import { startParkBot, type ParkBot } from './app.js';
import { startPlayground } from './playground/start-playground.js';

async function start(): Promise<ParkBot> {
  if (!process.env.WEBEX_BOT_TOKEN) {
    const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
    const playground = await startPlayground(process.env, logger);
    logger.info(
      { event: 'mode', mode: 'playground', url: playground.playgroundUrl },
      `Playground mode: WEBEX_BOT_TOKEN is not set, so the bot runs against the embedded Webex simulator. Open ${playground.playgroundUrl}`,
    );
    return playground;
  }
  const config = createConfig();
  const logger = createLogger(config.logLevel);
  logger.info({ event: 'mode', mode: 'webex', api: config.webexApiUrl }, `Webex mode: connecting to ${config.webexApiUrl}; the playground is off`);
  return startParkBot(config, logger);
}

async function main(): Promise<void> {
  let bot: ParkBot | undefined;
  // Listened for from the first moment: as PID 1 in a container, a signal nobody handles is ignored, so
  // a bot stuck starting (Webex not answering) would not stop. Until it has started there is nothing
  // to drain: deliveries already taken are in the inbox, and another instance or the next start replays them.
  const shutdown = (): void => {
    if (!bot) process.exit(0);
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  try {
    bot = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`The bot could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
