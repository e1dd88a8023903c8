import { retrieveByNumber, retrieveParkedCall, type RetrieveByNumberOutcome } from '../../calls/retrieve-call.js';
import { parkedListCard, retrievedCard } from '../../cards/render.js';
import { reportFailure } from './failures.js';
import type { HandlerContext } from '../context.js';
import type { ParkedCall, PersonRef } from '../../storage/store.js';

/** A tap on a card's Retrieve button. */
export async function handleRetrieveTap(ctx: HandlerContext, parkId: string, by: PersonRef, tappedMessageId: string): Promise<void> {
  try {
    await showOutcome(ctx, await retrieveParkedCall(ctx.services, parkId, by, ctx.eventKey), by);
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
      await replaceWithRetrievedCard(ctx, outcome.call);
      return;
    case 'retrieved-unrecorded':
      await ctx.conversation.say(`${by.name}, I am bringing back the call parked on ${outcome.destination ?? 'your line'}: your phone will ring.`);
      return;
    case 'already-retrieved':
      await ctx.conversation.dm(by.personId, `${outcome.call.retrievedBy?.name ?? 'Someone'} already took the call from ${outcome.call.parkedAgainst.number}.`);
      return;
    case 'in-progress':
      await ctx.conversation.dm(by.personId, `Someone else is retrieving the call on ${outcome.call.parkedAgainst.number} right now.`);
      return;
    case 'not-found':
      await ctx.conversation.dm(by.personId, 'I cannot find that parked call any more.');
      return;
    case 'choose':
      await ctx.conversation.sendCard(parkedListCard(outcome.calls));
      return;
  }
}

/** The space sees who took the call: a card saying so replaces the waiting card. */
async function replaceWithRetrievedCard(ctx: HandlerContext, call: ParkedCall): Promise<void> {
  await ctx.conversation.sendCard(retrievedCard(call));
  if (!call.cardMessageId) return;
  try {
    await ctx.conversation.deleteMessage(call.cardMessageId);
  } catch (error) {
    ctx.logger.warn({ event: 'card-delete-failed', parkId: call.id, error: error instanceof Error ? error.message : 'unknown' }, 'Could not remove the waiting card');
  }
}

