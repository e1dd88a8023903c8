import { randomBytes } from 'node:crypto';
import { ConfigError, createConfig } from '../config.js';
import { startParkBot, type ParkBot } from '../app.js';
import { startSimulator } from '../simulator/server.js';
import { seedFrontDesk } from '../simulator/seed.js';
import { playgroundRoutes } from './playground-routes.js';
import type { Logger } from '../logger.js';

/**
 * Playground mode (no WEBEX_BOT_TOKEN): the real bot against the embedded Webex simulator, with a
 * page at /playground to chat as the simulated people, ring them, and tap cards. Local only.
 */
/** Settings only a real deployment has: with any of them, a missing bot token is a mistake, not a try-out. */
const PRODUCTION_SETTINGS = ['WEBEX_CLIENT_ID', 'WEBEX_CLIENT_SECRET'] as const;

/** Hosts the playground answers to: itself, never a name an attacker's DNS points at it (rebinding). */
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export async function startPlayground(env: NodeJS.ProcessEnv, logger: Logger): Promise<ParkBot & { playgroundUrl: string }> {
  const production = [...PRODUCTION_SETTINGS.filter((name) => env[name]), ...(/^postgres/i.test(env.DATABASE_URL ?? '') ? ['DATABASE_URL'] : [])];
  if (production.length) {
    throw new ConfigError([
      `WEBEX_BOT_TOKEN is required: ${production.join(', ')} ${production.length === 1 ? 'is' : 'are'} set for a real deployment, so the playground (which runs without a bot token) will not start`,
    ]);
  }
  const port = env.PORT ?? '3000';
  // Loopback only, unless the person running it says otherwise (a container, a VM).
  const host = env.PLAYGROUND_HOST || '127.0.0.1';
  const publicUrl = `http://localhost:${port}`;
  const recallSeconds = Number(env.PLAYGROUND_RECALL_SECONDS ?? 45);
  // The simulator's port takes people's tokens and consent like Webex: it too answers only to local names.
  const sim = await startSimulator({
    host: '127.0.0.1',
    allowedHosts: LOCAL_HOSTS,
    recallMs: (Number.isFinite(recallSeconds) && recallSeconds > 0 ? recallSeconds : 45) * 1000,
  });
  const seed = seedFrontDesk(sim, publicUrl, true);
  const config = createConfig({
    PORT: port,
    LOG_LEVEL: env.LOG_LEVEL,
    WEBEX_BOT_TOKEN: seed.botToken,
    WEBEX_API_URL: sim.apiUrl,
    WEBEX_U2C_URL: sim.u2cUrl,
    PUBLIC_URL: publicUrl,
    WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    WEBEX_CLIENT_ID: seed.integration.clientId,
    WEBEX_CLIENT_SECRET: seed.integration.clientSecret,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: 'sqlite::memory:',
  });
  const bot = await startParkBot(config, logger, {
    routes: playgroundRoutes(sim, seed),
    host,
    allowedHosts: [...LOCAL_HOSTS, ...(env.PLAYGROUND_HOST ? [env.PLAYGROUND_HOST] : [])],
  });
  // Added now that it runs, the bot welcomes the space with its desk card, as in Webex.
  sim.org.addMember(seed.space.id, seed.bot.id, seed.team[0]?.id ?? seed.bot.id);
  return {
    ...bot,
    playgroundUrl: `${publicUrl}/playground`,
    stop: async () => {
      await bot.stop();
      await sim.close();
    },
  };
}
