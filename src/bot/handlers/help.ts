import { HELP_TEXT } from '../user-messages.js';
import type { HandlerContext } from '../context.js';

export async function handleHelp(ctx: HandlerContext, reason?: string): Promise<void> {
  await ctx.conversation.say(reason ? `${reason}\n\n${HELP_TEXT}` : HELP_TEXT);
}
