import { parkCall, type ParkOutcome, type ParkRequest } from '../../calls/park-call.js';
import { callPickerCard, callerLabel, waitingCard } from '../../cards/render.js';
import { reportFailure } from './failures.js';
import { escapeMarkdown, mentionName } from '../../chat/markdown.js';
import type { HandlerContext } from '../context.js';

/** `park …` or a pick from the call picker: park, then post the waiting card in the space. */
export async function handlePark(ctx: HandlerContext, request: ParkRequest): Promise<void> {
  let outcome: ParkOutcome;
  try {
    outcome = await parkCall(ctx.services, request);
    ctx.services.metrics.parks.inc({ outcome: outcome.type });
  } catch (error) {
    await reportFailure(ctx, error, 'park', request.by);
    return;
  }
  switch (outcome.type) {
    case 'not-in-space':
      await ctx.conversation.dm(request.by.personId, 'The person you chose is not in this space, so I did not park the call.');
      return;
    case 'no-call':
      await ctx.conversation.say(`${escapeMarkdown(request.by.name)}, you have no active call to park.`);
      return;
    case 'choose':
      await ctx.conversation.sendCard(
        callPickerCard(outcome.calls, {
          ...(request.destination ? { destination: request.destination } : {}),
          ...(request.groupPark ? { groupPark: true } : {}),
          ...(request.forPersonId ? { forPersonId: request.forPersonId } : {}),
          ...(request.note ? { note: request.note } : {}),
        }),
      );
      return;
    case 'parked-somewhere':
      await ctx.conversation.say(
        `${escapeMarkdown(request.by.name)}: your call from ${escapeMarkdown(callerLabel(outcome.call.caller))} was parked in your call park group while I was restarting, and I lost track of the extension. Check your group's park extensions.`,
      );
      return;
    case 'parked': {
      const { call } = outcome;
      // A replayed event whose card was already posted has nothing left to do.
      if (call.cardMessageId) return;
      const cardId = await ctx.conversation.sendCard(waitingCard(call));
      await ctx.services.store.attachCard(call.id, cardId);
      ctx.logger.info({ event: 'call-parked', parkId: call.id, parkedAgainst: call.parkedAgainst.number }, 'Call parked');
      if (call.forPerson) {
        await ctx.conversation.reply(
          cardId,
          `<@personId:${call.forPerson.personId}|${mentionName(call.forPerson.name)}>, a call from ${escapeMarkdown(callerLabel(call.caller))} is waiting for you on **${escapeMarkdown(call.parkedAgainst.number)}**.`,
        );
      }
      for (const older of outcome.superseded) await ctx.services.board.show(older);
      return;
    }
  }
}
