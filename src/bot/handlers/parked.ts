import { parkedListCard } from '../../cards/render.js';
import type { HandlerContext } from '../context.js';

/** `parked`: the calls parked from this space that are still waiting, each with a Retrieve button. */
export async function handleParkedList(ctx: HandlerContext): Promise<void> {
  const waiting = await ctx.services.store.waitingInRoom(ctx.conversation.roomId);
  if (waiting.length === 0) {
    await ctx.conversation.say('No calls are waiting in this space.');
    return;
  }
  await ctx.conversation.sendCard(parkedListCard(waiting));
}
