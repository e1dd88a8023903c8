import { keepHouse, type HousekeepingSettings } from '../calls/housekeeping.js';
import { keepReportTallies } from '../report/gather.js';
import type { BotWebhooks } from '../webhooks/bot-webhooks.js';
import type { BotServices } from './context.js';

export interface BackgroundSettings extends HousekeepingSettings {
  /** How often the bot's webhooks are checked. */
  webhookCheckMs: number;
}

/**
 * What the bot does on its own, on every instance: expire and prune parked calls (often enough that
 * an expired card changes within a quarter of the wait), show cards owed since Webex would not take
 * them, and check the bot's webhooks.
 */
export function startBackgroundJobs(
  services: BotServices,
  webhooks: { botWebhooks: BotWebhooks },
  settings: BackgroundSettings,
): { stop(): void } {
  const { logger } = services;
  const housekeeping = async (): Promise<void> => {
    const { expired, pruned } = await keepHouse(services.store, settings, new Date(), (nowMs) => keepReportTallies(services.store, nowMs, settings));
    for (const call of expired) await services.board.show(call);
    const owed = await services.board.catchUp();
    if (expired.length || pruned || owed) logger.info({ event: 'housekeeping', expired: expired.length, pruned, owedCardsShown: owed }, 'Expired and pruned parked calls, showed owed cards');
  };
  // A run still waiting (for the database to come back, or for Webex) is not joined by another.
  const guarded = (name: string, job: () => Promise<void>) => {
    let running = false;
    return (): void => {
      if (running) return;
      running = true;
      job()
        .catch((error: unknown) => logger.error({ event: `${name}-failed`, error: error instanceof Error ? error.message : 'unknown' }, `${name} failed`))
        .finally(() => (running = false));
    };
  };
  const runHousekeeping = guarded('housekeeping', housekeeping);
  // People's call-events webhooks are kept up a few at a time, within a budget (src/webhooks/upkeep.ts).
  const checkWebhooks = guarded('webhook-check', () => webhooks.botWebhooks.check(settings.webhookCheckMs));
  const timers = [
    setInterval(runHousekeeping, Math.min(60_000, Math.max(250, settings.maxWaitMs / 4))),
    setInterval(checkWebhooks, settings.webhookCheckMs),
  ];
  timers.forEach((timer) => timer.unref());
  runHousekeeping();
  checkWebhooks();
  return { stop: () => timers.forEach((timer) => clearInterval(timer)) };
}
