import { chooseRing, ringOptions, type RingChoiceOutcome, type RingPick } from '../../calls/ring-choice.js';
import { ringOnCard, ringsOnText } from '../../cards/render.js';
import { escapeName } from '../../chat/markdown.js';
import { NAME_MAX_CHARS, truncate } from '../../chat/limits.js';
import { reportFailure } from './failures.js';
import type { HandlerContext } from '../context.js';
import type { PersonRef } from '../../storage/store.js';

/** `ring on` (the person's devices to choose from) or `ring on desk` (the device that name fits): answered privately. */
export async function handleRingOn(ctx: HandlerContext, by: PersonRef, words?: string): Promise<void> {
  try {
    await tell(ctx, by, words ? await chooseRing(ctx.services, by.personId, { words }) : { type: 'choose', options: await ringOptions(ctx.services, by.personId) });
    if (!ctx.isDirect) await ctx.conversation.say(`${escapeName(by.name)}, I have sent you a private message.`);
    // Her devices were just read with the scope lines need: her lines are read again too (a line an admin added shows up).
    await ctx.services.vault.withToken(by.personId, (token) => ctx.services.lines.read(by.personId, token)).catch(() => undefined);
  } catch (error) {
    await reportFailure(ctx, error, 'ring-on', by);
  }
}

/** The ring-on card's submit: whatever endpoint id it names is checked against the tapper's own. */
export async function handleRingOnTap(ctx: HandlerContext, by: PersonRef, endpointId: string): Promise<void> {
  try {
    await tell(ctx, by, await chooseRing(ctx.services, by.personId, { endpointId } satisfies RingPick));
  } catch (error) {
    await reportFailure(ctx, error, 'ring-on', by);
  }
}

async function tell(ctx: HandlerContext, by: PersonRef, outcome: RingChoiceOutcome): Promise<void> {
  ctx.logger.info({ event: 'ring-on', outcome: outcome.type }, 'Where retrieved calls ring');
  switch (outcome.type) {
    case 'chosen':
      return ctx.conversation.dm(by.personId, `Done: calls you retrieve will ring on ${ringsOnText(outcome.choice)}. Type \`ring on\` to change it.`);
    case 'default':
      return ctx.conversation.dm(by.personId, `Done: calls you retrieve will ring ${ringsOnText(undefined)}. Type \`ring on\` to choose a device.`);
    case 'not-yours':
      return ctx.conversation.dm(by.personId, 'That device is not one of your devices in Webex, so I did not change where your calls ring. Type `ring on` for your own list.');
    case 'choose': {
      const { endpoints, current } = outcome.options;
      await ctx.conversation.dm(by.personId, ringOnCard(endpoints, current, reasonToChoose(outcome)));
      return;
    }
  }
}

function reasonToChoose({ options, unclear }: RingChoiceOutcome & { type: 'choose' }): string {
  if (!options.endpoints.length) return 'Webex lists no devices for you, so calls you retrieve ring where Webex rings you.';
  // What they typed, shortened as a name is: the card escapes the whole reason.
  if (unclear?.fits === 'none') return `None of your devices is called “${truncate(unclear.words, NAME_MAX_CHARS)}”. Choose one:`;
  if (unclear?.fits === 'several') return `Several of your devices fit “${truncate(unclear.words, NAME_MAX_CHARS)}”. Choose one:`;
  return '';
}
