import { followCallEvent } from '../../calls/follow-call-event.js';
import type { CallEventDelivery } from '../../http/call-events-route.js';
import type { BotServices } from '../context.js';
import type { Logger } from '../../logger.js';

/**
 * A linked person's call event: any parked call whose life it moves on (a retrieve answered or not,
 * a call rung back or picked up) gets its card replaced in its space. Every event is remembered a
 * while first, for what a later one may need (what a phone dialled, a retrieve not yet recorded),
 * and the person's call view follows it (their active calls, for their next park).
 */
export async function handleCallEvent(services: BotServices, delivery: CallEventDelivery, logger: Logger): Promise<void> {
  // A delivery taken while the database was away was checked against its address only: a person who
  // has unlinked since (or meanwhile) has no say over the bot's cards any more.
  if (!(await services.store.subscription(delivery.createdBy))) {
    logger.info({ event: 'call-event-ignored', reason: 'not-linked' }, "Ignored a call event of someone no longer linked");
    return;
  }
  services.recentCalls.saw(delivery.createdBy, delivery.data);
  await services.callView.saw(delivery.createdBy, delivery.event, delivery.data);
  await services.subscriptions.sawEvent(delivery.createdBy, delivery.event).catch(() => undefined);
  const moved = await followCallEvent(services, { personId: delivery.createdBy, orgId: delivery.orgId }, delivery.data);
  for (const call of moved) {
    logger.info({ event: `call-${call.state}`, parkId: call.id }, 'A parked call changed outside the bot');
    await services.board.showRingEnd(call);
  }
}
