import 'dotenv/config';
import { ConfigError, createConfig } from './config.js';
import { createLogger } from './logger.js';
import { startParkBot } from './app.js';

async function main(): Promise<void> {
  let config;
  try {
    config = createConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const bot = await startParkBot(config, logger);
  const shutdown = (signal: string): void => {
    logger.info({ event: 'shutdown', signal }, 'Stopping');
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The bot could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
