import { MissingScopeError, NotLinkedError } from '../../auth/errors.js';
import { WebexApiError } from '../../webex/errors.js';
import { explainFailure, MISSING_SCOPE_REASON, type FailedAction } from '../user-messages.js';
import { escapeName } from '../../chat/markdown.js';
import { sendLinkPrompt } from './link.js';
import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';
import { DatabaseUnavailableError } from '../../storage/database-gate.js';
import { SupersededError } from '../../fence.js';

/** Answered privately whatever happens: which devices someone has is theirs to know. */
const PRIVATE_ACTIONS = new Set<FailedAction>(['ring-on']);

/**
 * What the person sees when a park or retrieve fails. A missing or dead link gets the private link
 * prompt (its state id is returned); everything else gets one sentence (in the card's thread when
 * there is one).
 */
export async function reportFailure(
  ctx: HandlerContext,
  error: unknown,
  action: FailedAction,
  person: PersonRef,
  threadId?: string,
): Promise<string | undefined> {
  // Only when the bot stops during a database outage: the event stays unfinished in the inbox and is
  // carried out after a restart, so nothing is said now.
  if (error instanceof DatabaseUnavailableError) throw error;
  // Another instance took the event over: it answers, not this one.
  if (error instanceof SupersededError) throw error;
  const log = error instanceof WebexApiError ? error.toLog() : { error: error instanceof Error ? error.name : 'unknown' };
  const needsLink = error instanceof NotLinkedError || error instanceof MissingScopeError || (error instanceof WebexApiError && error.kind === 'unauthorized');
  ctx.logger.warn({ ...log, action }, `${action} failed`);
  const reason = error instanceof NotLinkedError ? 'not-linked' : error instanceof MissingScopeError ? 'missing-scope' : error instanceof WebexApiError ? error.kind : 'internal';
  ctx.services.metrics.failures.inc({ action, reason });
  let stateId: string | undefined;
  if (needsLink) {
    const reason =
      error instanceof MissingScopeError
        ? MISSING_SCOPE_REASON
        : error instanceof NotLinkedError && error.reason === 'never-linked'
          ? 'You have not linked your Webex account yet.'
          : 'Your Webex link has expired.';
    stateId = await sendLinkPrompt(ctx, person, reason);
    // A typed command in a space gets a pointer to the private message; a card tap stays private.
    if (ctx.isDirect || threadId || ctx.fromCard) return stateId;
  }
  if (PRIVATE_ACTIONS.has(action) && !needsLink) {
    await ctx.conversation.dm(person.personId, explainFailure(error, action));
    if (!ctx.isDirect && !ctx.fromCard) await ctx.conversation.say(`${escapeName(person.name)}, I have sent you a private message.`);
    return stateId;
  }
  const sentence = `${escapeName(person.name)}: ${explainFailure(error, action)}`;
  if (threadId) await ctx.conversation.reply(threadId, sentence);
  else await ctx.conversation.say(sentence);
  return stateId;
}

