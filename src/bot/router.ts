import type Framework from 'webex-node-bot-framework';
import type { Bot, Trigger } from 'webex-node-bot-framework';
import { parseCommand, type Command } from '../chat/command.js';
import { checkDestination } from '../chat/destination.js';
import { escapeName } from '../chat/markdown.js';
import { conversationIn } from './conversation.js';
import { readCardTap, readChatMessage, type CardTap, type ChatMessage } from './inbound.js';
import { handlePark } from './handlers/park.js';
import { handleRetrieveCommand, handleRetrieveTap } from './handlers/retrieve.js';
import { handleParkedList } from './handlers/parked.js';
import { handleMyReport, handleReport } from './handlers/report.js';
import { handleLink, handleUnlink } from './handlers/link.js';
import { handleDesk, handleHelp, handleWelcome } from './handlers/help.js';
import { handleRingOn, handleRingOnTap } from './handlers/ring-on.js';
import type { BotServices, HandlerContext } from './context.js';
import { eventKey, type EventIntake } from './event-intake.js';
import { parkIdFor } from '../calls/park-call.js';
import { pseudonym } from '../logger.js';
import { DatabaseUnavailableError } from '../storage/database-gate.js';
import { SupersededError } from '../fence.js';

const UNKNOWN = "Sorry, I didn't catch that.";

function runCommand(ctx: HandlerContext, message: ChatMessage, command: Command): Promise<void> {
  const by = message.sender;
  switch (command.kind) {
    case 'park':
      return handlePark(ctx, {
        parkId: parkIdFor(ctx.eventKey),
        roomId: message.roomId,
        by,
        askedAt: message.sentAt,
        ...(message.senderOrgId ? { orgId: message.senderOrgId } : {}),
        ...(command.destination ? { destination: command.destination } : {}),
        ...(command.groupPark ? { groupPark: true } : {}),
        ...(command.forPerson ? { forPersonId: command.forPerson.personId } : {}),
        ...(command.note ? { note: command.note } : {}),
      });
    case 'retrieve':
      return handleRetrieveCommand(ctx, by, message.senderOrgId, command.destination);
    case 'parked':
      return handleParkedList(ctx);
    case 'desk':
      return handleDesk(ctx);
    case 'ring-on':
      return handleRingOn(ctx, by, command.device);
    case 'link':
      return handleLink(ctx, by);
    case 'unlink':
      return handleUnlink(ctx, by);
    case 'help':
      return handleHelp(ctx);
    case 'report':
      return command.me ? handleMyReport(ctx, by, command.period) : handleReport(ctx, command.period);
    case 'invalid':
      return ctx.conversation.say(`${escapeName(by.name)}: ${command.reason}`);
    case 'unknown':
      return handleHelp(ctx, UNKNOWN);
  }
}

/** A card's inputs are whatever the tapper posted: each goes through the same checks as typed text. */
function runCardTap(ctx: HandlerContext, tap: CardTap): Promise<void> {
  const { submit } = tap;
  if (!submit) return ctx.conversation.dm(tap.by.personId, 'That card is out of date. Type `parked` in the space for a fresh one.');
  if (submit.action === 'retrieve') return handleRetrieveTap(ctx, submit.parkId, tap.by, tap.orgId, tap.messageId);
  if (submit.action === 'parked') return handleParkedList(ctx);
  if (submit.action === 'report') return handleReport(ctx, submit.period ?? 'week');
  if (submit.action === 'ring-on') return handleRingOnTap(ctx, tap.by, submit.endpointId);
  if (submit.action === 'desk-park') {
    return handlePark(ctx, {
      parkId: parkIdFor(ctx.eventKey),
      roomId: tap.roomId,
      by: tap.by,
      askedAt: tap.tappedAt,
      ...(tap.orgId ? { orgId: tap.orgId } : {}),
      ...(submit.groupPark ? { groupPark: true } : {}),
      ...(submit.forPersonId ? { forPersonId: submit.forPersonId } : {}),
      ...(submit.note ? { note: submit.note } : {}),
    });
  }
  const destination = submit.destination ? checkDestination(submit.destination) : undefined;
  if (destination && !destination.ok) return ctx.conversation.dm(tap.by.personId, destination.reason);
  return handlePark(ctx, {
    parkId: parkIdFor(ctx.eventKey),
    roomId: tap.roomId,
    by: tap.by,
    askedAt: tap.tappedAt,
    ...(tap.orgId ? { orgId: tap.orgId } : {}),
    callId: submit.callId,
    ...(destination?.ok ? { destination: destination.destination } : {}),
    ...(submit.groupPark ? { groupPark: true } : {}),
    ...(submit.forPersonId ? { forPersonId: submit.forPersonId } : {}),
    ...(submit.note ? { note: submit.note } : {}),
  });
}

/**
 * Wires the framework's events to the handlers. The framework does not await its listeners, so each
 * one runs inside this boundary: a failure is logged (never with a token) and the person still gets
 * an answer.
 */
export function registerHandlers(framework: Framework, services: BotServices, intake: Pick<EventIntake, 'track'>): void {
  const run = (bot: Bot, key: string, personId: string, work: (ctx: HandlerContext) => Promise<void>, fromCard = false): void => {
    const ctx: HandlerContext = {
      eventKey: key,
      services,
      conversation: conversationIn(services.messaging, bot.room.id),
      isDirect: bot.isDirect,
      fromCard,
      logger: services.logger.child({ eventKey: pseudonym(key), person: pseudonym(personId), roomType: bot.isDirect ? 'direct' : 'group' }),
    };
    intake.track(key, () =>
      work(ctx).catch(async (error: unknown) => {
        if (error instanceof SupersededError) {
          // Another instance took the event over (this one was paused past its lease): that one answers.
          ctx.logger.warn({ event: 'attempt-superseded' }, 'Stopped an event another instance took over');
          return;
        }
        if (error instanceof DatabaseUnavailableError) {
          // The event stays unfinished in the inbox, and is carried out when it is replayed.
          ctx.logger.warn({ event: 'left-for-replay' }, 'Stopped during a database outage; the event is carried out when it is replayed');
          return;
        }
        ctx.logger.error({ error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' }, 'Handler failed');
        await ctx.conversation.say('Sorry, something went wrong on my side. Please try again.').catch(() => undefined);
      }),
    );
  };

  framework.on('message', (bot: Bot, trigger: Trigger) => {
    const message = readChatMessage(bot, trigger, framework.person.id);
    if (message) {
      const key = eventKey('messages', 'created', message.messageId);
      run(bot, key, message.sender.personId, (ctx) => runCommand(ctx, message, parseCommand(message.text, message.mentions)));
    }
  });

  // `addedBy` is set only when the bot has just been added (someone opening a 1:1 counts), not when a
  // space it was already in is discovered after a restart, nor when it opened a 1:1 itself.
  framework.on('spawn', (bot: Bot, _frameworkId: string, addedBy?: string) => {
    if (addedBy && addedBy !== framework.person.id) run(bot, `spawn:${bot.room.id}`, addedBy, (ctx) => handleWelcome(ctx));
  });

  framework.on('attachmentAction', (bot: Bot, trigger: Trigger) => {
    const tap = readCardTap(bot, trigger);
    if (tap) run(bot, eventKey('attachmentActions', 'created', tap.actionId), tap.by.personId, (ctx) => runCardTap(ctx, tap), true);
  });
}
