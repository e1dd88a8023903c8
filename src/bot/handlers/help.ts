import { COMMANDS, HELP_INTRO, HELP_TEXT, WELCOME_TEXT } from '../user-messages.js';
import { deskCard, helpCard } from '../../cards/render.js';
import type { HandlerContext } from '../context.js';

/** `help` (or words the bot did not understand): the commands as a card, then the desk card. */
export async function handleHelp(ctx: HandlerContext, reason?: string): Promise<void> {
  const intro = reason ? `${reason} ${HELP_INTRO}` : HELP_INTRO;
  await ctx.conversation.sendCard(helpCard(intro, COMMANDS, reason ? `${reason}\n\n${HELP_TEXT}` : HELP_TEXT));
  await handleDesk(ctx);
}

/** Remembered for as long as a database row lives: a space is welcomed once, ever. */
const WELCOMED_FOR_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/**
 * The bot was just added to a space, or someone opened a 1:1 with it: one short welcome and the desk
 * card. Once per space, whatever the restarts, replays and instances (a lease that never runs out).
 */
export async function handleWelcome(ctx: HandlerContext): Promise<void> {
  if (!(await ctx.services.store.takeLease(`welcomed:${ctx.conversation.roomId}`, Date.now(), WELCOMED_FOR_MS))) return;
  await ctx.conversation.say(WELCOME_TEXT);
  await handleDesk(ctx);
}

/** `desk`: the front desk card, offering to park for anyone in the space (nobody else in a 1:1). */
export async function handleDesk(ctx: HandlerContext): Promise<void> {
  const people = ctx.isDirect ? [] : await ctx.services.members.people(ctx.conversation.roomId);
  await ctx.conversation.sendCard(deskCard(people));
}
