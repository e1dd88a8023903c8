import { followCallEvent } from '../../calls/follow-call-event.js';
import type { CallEventDelivery } from '../../http/call-events-route.js';
import type { BotServices } from '../context.js';
import type { Logger } from '../../logger.js';

/**
 * A linked person's call event: any parked call it ends gets its card replaced in its space, and a
 * retrieve waiting to learn who Webex put through to that person hears it.
 */
export async function handleCallEvent(services: BotServices, delivery: CallEventDelivery, logger: Logger): Promise<void> {
  services.handovers.saw(delivery.createdBy, delivery.data);
  await services.subscriptions.sawEvent(delivery.createdBy, delivery.event).catch(() => undefined);
  const closed = await followCallEvent(services, delivery.createdBy, delivery.data);
  for (const call of closed) {
    logger.info({ event: `call-${call.state}`, parkId: call.id }, 'A parked call changed outside the bot');
    await services.board.show(call);
  }
}
