import { retrieveByNumber, retrieveParkedCall, type RetrieveByNumberOutcome } from '../../calls/retrieve-call.js';
import { closedSummary, parkedListCard } from '../../cards/render.js';
import { reportFailure } from './failures.js';
import { escapeMarkdown } from '../../chat/markdown.js';
import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';

/** A tap on a card's Retrieve button. */
export async function handleRetrieveTap(ctx: HandlerContext, parkId: string, by: PersonRef, tappedMessageId: string): Promise<void> {
  try {
    await showOutcome(ctx, await retrieveParkedCall(ctx.services, parkId, by, ctx.eventKey, ctx.conversation.roomId), by);
  } catch (error) {
    await reportFailure(ctx, error, 'retrieve', by, tappedMessageId);
  }
}

/** `retrieve` or `retrieve 1234` typed in the space. */
export async function handleRetrieveCommand(ctx: HandlerContext, by: PersonRef, destination?: string): Promise<void> {
  try {
    await showOutcome(ctx, await retrieveByNumber(ctx.services, ctx.conversation.roomId, by, ctx.eventKey, destination), by);
  } catch (error) {
    await reportFailure(ctx, error, 'retrieve', by);
  }
}

async function showOutcome(ctx: HandlerContext, outcome: RetrieveByNumberOutcome, by: PersonRef): Promise<void> {
  ctx.services.metrics.retrieves.inc({ outcome: outcome.type });
  switch (outcome.type) {
    case 'retrieved':
      ctx.logger.info({ event: 'call-retrieved', parkId: outcome.call.id }, 'Call retrieved');
      await ctx.services.board.show(outcome.call);
      return;
    case 'gone':
      ctx.logger.info({ event: 'call-gone', parkId: outcome.call.id }, 'Nothing was parked there any more');
      await ctx.services.board.show(outcome.call);
      await ctx.conversation.dm(by.personId, closedSummary(outcome.call));
      return;
    case 'retrieved-unrecorded':
      await ctx.conversation.say(`${escapeMarkdown(by.name)}, I am bringing back the call parked on ${escapeMarkdown(outcome.destination ?? 'your line')}: your phone will ring.`);
      return;
    case 'closed':
      await ctx.conversation.dm(by.personId, closedSummary(outcome.call));
      return;
    case 'in-progress':
      await ctx.conversation.dm(by.personId, `Someone else is retrieving the call on ${escapeMarkdown(outcome.call.parkedAgainst.number)} right now.`);
      return;
    case 'not-found':
      await ctx.conversation.dm(by.personId, 'I cannot find that parked call any more.');
      return;
    case 'elsewhere':
      await ctx.conversation.dm(by.personId, 'You can only retrieve a call from a card in the space where it was parked.');
      return;
    case 'choose':
      await ctx.conversation.sendCard(parkedListCard(outcome.calls));
      return;
  }
}
