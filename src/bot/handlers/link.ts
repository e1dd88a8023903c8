import { linkAccountCard } from '../../cards/render.js';
import { escapeName } from '../../chat/markdown.js';
import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';

/** Sends the person, privately, a link to connect their Webex account; returns the link's state id. */
export async function sendLinkPrompt(ctx: HandlerContext, person: PersonRef, reason: string): Promise<string> {
  const { url, stateId } = await ctx.services.linkFlow.linkFor(person.personId);
  await ctx.conversation.dm(person.personId, linkAccountCard(url, reason));
  return stateId;
}

export async function handleLink(ctx: HandlerContext, sender: PersonRef): Promise<void> {
  const linked = await ctx.services.vault.isLinked(sender.personId);
  await sendLinkPrompt(ctx, sender, linked ? 'Your account is already linked; use this to link it again.' : 'Welcome!');
  if (!ctx.isDirect) await ctx.conversation.say(`${escapeName(sender.name)}, I have sent you a private message with your link.`);
}

export async function handleUnlink(ctx: HandlerContext, sender: PersonRef): Promise<void> {
  // The call-events webhook goes first, while the person's token can still delete it.
  await ctx.services.subscriptions.remove(sender.personId);
  await ctx.services.store.clearRingChoice(sender.personId);
  const removed = await ctx.services.vault.unlink(sender.personId);
  await ctx.conversation.say(
    removed
      ? `${escapeName(sender.name)}, I have forgotten your Webex tokens. I can no longer park or retrieve calls for you until you \`link\` again.`
      : `${escapeName(sender.name)}, your Webex account was not linked, so there was nothing to remove.`,
  );
}
