import type Framework from 'webex-node-bot-framework';
import type { Bot } from 'webex-node-bot-framework';

/** Forgetting stops at this share of the limit, so it runs once per many new spaces, not per space. */
const KEEP_AFTER_FORGETTING = 0.9;

/**
 * The framework keeps an object for every space it has heard from since it started, and never lets
 * go of one while the bot stays in the space (about 3 KB of heap each, measured in bench/README.md).
 * Past `max` spaces, those heard from least recently are forgotten: only from memory, the bot stays
 * in them, and the framework discovers a space again (two Webex calls) when its next event arrives.
 * The space just discovered is always kept: its first event is being handled.
 */
export function limitSpacesInMemory(framework: Framework, max: number, onForget: (count: number) => void = () => undefined): void {
  framework.on('spawn', (spawned: Bot) => {
    if (framework.bots.length <= max) return;
    const newestFirst = framework.bots.filter((bot) => bot !== spawned).sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
    const forgotten = new Set(newestFirst.slice(Math.floor(max * KEEP_AFTER_FORGETTING) - 1));
    framework.bots = framework.bots.filter((bot) => !forgotten.has(bot));
    for (const bot of forgotten) void framework.forgetByRoomId(bot.room.id);
    onForget(forgotten.size);
  });
}
