import { linkAccountCard } from '../../cards/render.js';
import { escapeMarkdown, escapeName } from '../../chat/markdown.js';
import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';
import { settleRetrievesOf, type SettledRetrieve } from '../../calls/unlink-retrieves.js';

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
  // Links sent before are withdrawn first: none of them may link the person again after this.
  await ctx.services.store.deleteLinkStates(sender.personId);
  // Their retrieves in flight are settled while their token can still ask Webex how they stand.
  const settled = await settleRetrievesOf(ctx.services, sender.personId);
  for (const { call } of settled) await ctx.services.board.show(call);
  // The call-events webhook goes first, while the person's token can still delete it.
  await ctx.services.subscriptions.remove(sender.personId);
  await ctx.services.store.clearRingChoice(sender.personId);
  const removed = await ctx.services.vault.unlink(sender.personId);
  const name = escapeName(sender.name);
  await ctx.conversation.say(
    (removed
      ? `${name}, I have forgotten your Webex tokens. I can no longer park or retrieve calls for you until you \`link\` again.`
      : `${name}, your Webex account was not linked, so there was nothing to remove.`) + stillRinging(settled),
  );
}

/** A retrieve that was still ringing them is no longer followed: they are told where it stands. */
function stillRinging(settled: SettledRetrieve[]): string {
  const numbers = settled.filter((retrieve) => retrieve.letGo).map(({ call }) => `**${escapeMarkdown(call.parkedAgainst.number)}**`);
  if (!numbers.length) return '';
  return ` Your phone was ringing with the call on ${numbers.join(', ')}: I no longer follow it, so its card offers Retrieve again.`;
}
