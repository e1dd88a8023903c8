import { retrieveByNumber, retrieveParkedCall, type RetrieveByNumberOutcome } from '../../calls/retrieve-call.js';
import { watchRing } from '../../calls/ring.js';
import { closedSummary, parkedListCard, ringsOnText } from '../../cards/render.js';
import { reportFailure } from './failures.js';
import { escapeName } from '../../chat/markdown.js';
import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';
import { outsideAttempt } from '../../fence.js';

/** A tap on a card's Retrieve button. */
export async function handleRetrieveTap(ctx: HandlerContext, parkId: string, by: PersonRef, byOrgId: string | undefined, tappedMessageId: string): Promise<void> {
  try {
    await showOutcome(ctx, await retrieveParkedCall(ctx.services, parkId, by, ctx.eventKey, ctx.conversation.roomId, byOrgId), by);
  } catch (error) {
    await reportFailure(ctx, error, 'retrieve', by, tappedMessageId);
  }
}

/** `retrieve` or `retrieve 1234` typed in the space. */
export async function handleRetrieveCommand(ctx: HandlerContext, by: PersonRef, byOrgId: string | undefined, destination?: string): Promise<void> {
  try {
    await showOutcome(ctx, await retrieveByNumber(ctx.services, ctx.conversation.roomId, by, ctx.eventKey, destination, byOrgId), by);
  } catch (error) {
    await reportFailure(ctx, error, 'retrieve', by);
  }
}

const OTHER_ORGANISATION =
  'That call was parked by someone in another organisation, so I cannot bring it to you: park numbers such as 2001 belong to each organisation, ' +
  'and only its own people can retrieve a call parked there. Nothing was changed.';

async function showOutcome(ctx: HandlerContext, outcome: RetrieveByNumberOutcome, by: PersonRef): Promise<void> {
  ctx.services.metrics.retrieves.inc({ outcome: outcome.type });
  if (outcome.type === 'followed') {
    // Webex rang the retriever for an attempt another instance superseded: the card shows the record as
    // it now is, and the ring is seen to its end; whatever is said to the person is the other attempt's.
    ctx.logger.warn({ event: 'call-ringing', parkId: outcome.call.id, superseded: true }, "Webex rings the retriever for a superseded attempt; following the ring");
    await outsideAttempt(() => ctx.services.board.show(outcome.call));
    followRing(ctx, outcome.call);
    return;
  }
  if ('dropped' in outcome && outcome.dropped) {
    ctx.logger.info({ event: 'ring-choice-dropped' }, "The retriever's chosen device is gone from Webex; retrieved without it");
    await ctx.conversation.dm(
      by.personId,
      `${ringsOnText(outcome.dropped)} is no longer one of your devices in Webex, so the call rings wherever Webex rings you. I have forgotten that choice: type \`ring on\` to choose again.`,
    );
  }
  switch (outcome.type) {
    case 'ringing':
      ctx.logger.info({ event: 'call-ringing', parkId: outcome.call.id }, "Webex rings the retriever's phone");
      await ctx.services.board.show(outcome.call);
      followRing(ctx, outcome.call);
      return;
    case 'settled':
      await ctx.services.board.showRingEnd(outcome.call);
      return;
    case 'carried-out':
      // The first attempt at this tap got Webex to ring, and may have stopped before the card said so
      // or before it followed the ring: a ring still on is shown and followed. Once it ended, whatever
      // ended it showed the card.
      ctx.logger.info({ event: 'retrieve-carried-out', parkId: outcome.call.id }, 'A replayed retrieve had already been carried out');
      if (outcome.call.state !== 'ringing') return;
      await ctx.services.board.show(outcome.call);
      followRing(ctx, outcome.call);
      return;
    case 'gone':
      ctx.logger.info({ event: 'call-gone', parkId: outcome.call.id }, 'Nothing was parked there any more');
      await ctx.services.board.show(outcome.call);
      await ctx.conversation.dm(by.personId, closedSummary(outcome.call));
      return;
    case 'retrieved-unrecorded':
      await ctx.conversation.say(
        `${escapeName(by.name)}, I am bringing back the call parked on ${escapeName(outcome.destination ?? 'your line')}: ${outcome.ringsOn ? ringsOnText(outcome.ringsOn) : 'your phone'} will ring.`,
      );
      return;
    case 'closed':
      await ctx.conversation.dm(by.personId, closedSummary(outcome.call));
      return;
    case 'in-progress': {
      const number = escapeName(outcome.call.parkedAgainst.number);
      const ringing = outcome.call.state === 'ringing' && outcome.call.ringingFor;
      await ctx.conversation.dm(
        by.personId,
        ringing ? `${escapeName(ringing.name)}'s phone is ringing with the call on ${number}: if they do not answer, it stays parked and you can try again.` : `Someone else is retrieving the call on ${number} right now.`,
      );
      return;
    }
    case 'not-found':
      await ctx.conversation.dm(by.personId, 'I cannot find that parked call any more.');
      return;
    case 'elsewhere':
      await ctx.conversation.dm(by.personId, 'You can only retrieve a call from a card in the space where it was parked.');
      return;
    case 'other-organisation':
      ctx.logger.info({ event: 'retrieve-refused', reason: 'other-organisation' }, 'Someone of another organisation asked for a call');
      await ctx.conversation.dm(by.personId, OTHER_ORGANISATION);
      return;
    case 'choose':
      await ctx.conversation.sendCard(parkedListCard(outcome.calls));
      return;
  }
}

/**
 * Until the retriever's phone connects or the ring ends. Their call events settle it wherever they
 * arrive; without them, Webex is asked about the call for a while. Not part of the tap's own work:
 * a phone can ring longer than a delivery should stay open.
 */
function followRing(ctx: HandlerContext, call: Parameters<typeof watchRing>[1]): void {
  // Whichever attempt started it, the ring is seen to its end (src/fence.ts): outside the event's attempt.
  void outsideAttempt(() =>
    watchRing(ctx.services, call)
      .then((settled) => (settled ? ctx.services.board.showRingEnd(settled) : undefined))
      .catch((error: unknown) => ctx.logger.warn({ event: 'ring-watch-failed', parkId: call.id, error: error instanceof Error ? error.message : 'unknown' }, 'Could not follow a ringing retrieve')),
  );
}
