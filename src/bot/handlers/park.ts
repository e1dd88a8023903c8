import { parkCall, type ParkOutcome, type ParkRequest } from '../../calls/park-call.js';
import { callPickerCard, callerInMarkdown, waitingCard } from '../../cards/render.js';
import { reportFailure } from './failures.js';
import { isPassing } from '../../webex/errors.js';
import { z } from 'zod';
import { NotLinkedError } from '../../auth/errors.js';
import { conversationIn } from '../conversation.js';
import type { BotServices } from '../context.js';
import { escapeName, mentionName } from '../../chat/markdown.js';
import type { HandlerContext } from '../context.js';
import { pseudonym } from '../../logger.js';
import { TELEPHONY_CONFIG_READ } from '../../auth/link-flow.js';
import { sendLinkPrompt } from './link.js';
import type { ParkedCall, PersonRef } from '../../storage/store.js';

/** Why a link prompt follows "no active call" for a link made before the bot read people's lines. */
const LINES_SCOPE_REASON = 'To park calls on the lines shared onto your phone (such as the main number), I need one more permission from Webex to read your lines.';

/** How long a park asked for before linking waits for the link (as long as a link is valid). */
const PENDING_PARK_MS = 15 * 60 * 1000;

const pendingParkSchema = z.object({
  /** The link sent with the prompt: only completing that one lets the park go ahead. */
  linkState: z.string(),
  isDirect: z.boolean(),
  request: z.object({
    parkId: z.string(),
    roomId: z.string(),
    by: z.object({ personId: z.string(), name: z.string() }),
    orgId: z.string().optional(),
    destination: z.string().optional(),
    groupPark: z.boolean().optional(),
    forPersonId: z.string().optional(),
    note: z.string().optional(),
    callId: z.string().optional(),
    // Saved before requests carried it: no call can be shown to have been up then, so the person picks.
    askedAt: z.string().default(new Date(0).toISOString()),
  }),
});

/** `park …`, a desk-card tap or a pick from the call picker: park, then post the waiting card in the space. */
export async function handlePark(ctx: HandlerContext, request: ParkRequest): Promise<void> {
  let outcome: ParkOutcome;
  try {
    outcome = await parkCall(ctx.services, request);
    ctx.services.metrics.parks.inc({ outcome: outcome.type });
  } catch (error) {
    const linkState = await reportFailure(ctx, error, 'park', request.by);
    // Asked before linking: the park goes ahead by itself once the person follows that link, if the call
    // they were on when they asked is still there (the request keeps `askedAt`; see parkCall).
    if (error instanceof NotLinkedError && linkState) {
      await ctx.services.store.savePendingPark(request.by.personId, JSON.stringify({ linkState, isDirect: ctx.isDirect, request }), Date.now());
    }
    return;
  }
  switch (outcome.type) {
    case 'not-parked':
      // A replay of a park that failed: the person heard why the first time.
      return;
    case 'not-in-space':
      await ctx.conversation.dm(request.by.personId, 'The person you chose is not in this space, or is a bot, so I did not park the call.');
      return;
    case 'other-organisation':
      await ctx.conversation.dm(
        request.by.personId,
        `${escapeName(outcome.forPerson.name)} is in another organisation, so they could not take a call parked in yours: I did not park the call.`,
      );
      return;
    case 'no-call': {
      // A link that cannot read her lines cannot see a call on the main number's line: she may link again.
      const blind = !(await ctx.services.vault.grants(request.by.personId, TELEPHONY_CONFIG_READ));
      const answer = `${escapeName(request.by.name)}, you have no active call to park${blind ? ' on your own line. If it is on a line shared onto your phone (such as the main number), I have sent you a private message: link again so I can see your lines' : ''}.`;
      if (blind) await sendLinkPrompt(ctx, request.by, LINES_SCOPE_REASON);
      if (ctx.fromCard) await ctx.conversation.dm(request.by.personId, answer);
      else await ctx.conversation.say(answer);
      return;
    }
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
    case 'began-later':
      // The call asked about has ended, and the calls up now are no one's business in the space: the
      // person picks privately (without "for someone": the pick is made, and parked, in their 1:1).
      await ctx.conversation.dm(
        request.by.personId,
        callPickerCard(
          outcome.calls,
          {
            ...(request.destination ? { destination: request.destination } : {}),
            ...(request.groupPark ? { groupPark: true } : {}),
            ...(request.note ? { note: request.note } : {}),
          },
          true,
        ),
      );
      return;
    case 'parked-somewhere':
      await ctx.conversation.say(
        `${escapeName(request.by.name)}: your call from ${callerInMarkdown(outcome.call.caller)} was parked in your call park group while I was restarting, and I lost track of the extension. Check your group's park extensions.`,
      );
      return;
    case 'parked': {
      const { call } = outcome;
      if (call.cardMessageId) {
        // A replay (after a crash, or a takeover of a paused instance's event): the card is up. The mention
        // and the private card of the person it is for may not be: their sender stopped first (a superseded
        // one cannot send them now). Each is recorded once sent, so what is missing is sent, and only that.
        const { forPerson, cardMessageId } = call;
        if (!forPerson) return;
        await Promise.all([
          !call.mentionMessageId && ctx.services.board.mention(call, cardMessageId, mentionOf(call, forPerson)),
          !call.privateCard && ctx.services.board.sendPrivately({ ...call, forPerson }),
        ]);
        return;
      }
      let cardId: string;
      try {
        cardId = await ctx.conversation.sendCard(waitingCard(call));
      } catch (error) {
        // Parked, but Webex is failing: the card follows as soon as Webex takes it.
        if (!isPassing(error)) throw error;
        ctx.logger.info({ event: 'call-parked', parkId: call.id, parkedAgainst: call.parkedAgainst.number, card: 'deferred' }, 'Call parked');
        ctx.services.board.later(call.id, error);
        return;
      }
      await ctx.services.board.attachFirst(call, cardId);
      ctx.logger.info({ event: 'call-parked', parkId: call.id, parkedAgainst: call.parkedAgainst.number }, 'Call parked');
      const { forPerson } = call;
      // Independent of each other: the mention in the card's thread, the private card, the older cards closing.
      await Promise.all([
        forPerson && ctx.services.board.mention(call, cardId, mentionOf(call, forPerson)),
        forPerson && ctx.services.board.sendPrivately({ ...call, cardMessageId: cardId, forPerson }),
        ...outcome.superseded.map((older) => ctx.services.board.show(older)),
      ]);
      return;
    }
  }
}

/** The @mention of the person a call was parked for, posted in its card's thread. */
function mentionOf(call: ParkedCall, forPerson: PersonRef): string {
  return `<@personId:${forPerson.personId}|${mentionName(forPerson.name)}>, a call from ${callerInMarkdown(call.caller)} is waiting for you on **${escapeName(call.parkedAgainst.number)}**.`;
}

/**
 * Right after someone links through the prompt a park of theirs sent: that park, if the call they were
 * on when they asked is still there. A call that began since is never parked by it: they pick privately.
 */
export async function resumePendingPark(services: BotServices, personId: string, linkState: string): Promise<void> {
  const saved = await services.store.takePendingPark(personId, Date.now() - PENDING_PARK_MS);
  if (!saved) return;
  const pending = pendingParkSchema.parse(JSON.parse(saved));
  if (pending.linkState !== linkState) return;
  const request: ParkRequest = Object.fromEntries(Object.entries(pending.request).filter(([, value]) => value !== undefined)) as unknown as ParkRequest;
  const eventKey = `pending-park:${request.parkId}`;
  await handlePark(
    {
      eventKey,
      services,
      conversation: conversationIn(services.messaging, request.roomId),
      isDirect: pending.isDirect,
      // Nothing to say in the space if the call has gone meanwhile: the person hears it privately.
      fromCard: true,
      logger: services.logger.child({ eventKey: pseudonym(eventKey) }),
    },
    request,
  );
}
