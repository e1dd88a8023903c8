import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { callEventSchema } from '../webex/schemas.js';
import { CALL_EVENTS_PATH, type CallEventsSender, type Ownership } from '../webhooks/call-event-subscriptions.js';
import { answerDelivery, limitHopeless, MAX_BODY, parseDelivery, refuseDelivery, type Intake, type Refusals } from './webhook-route.js';
import type { WebhookSecrets } from '../webhooks/webhook-secrets.js';
import type { Logger } from '../logger.js';

/**
 * A `telephony_calls` delivery: Webex's envelope around a call event (shared/webex-spec/NOTES.md),
 * reduced to what the bot reads. Anything else Webex (or padding) adds is dropped before the event is
 * kept in the inbox.
 */
export const callEventDeliverySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  resource: z.literal('telephony_calls'),
  event: z.string().min(1),
  /** The organisation of the person whose webhook it is: their events never touch another's cards. */
  orgId: z.string().min(1),
  createdBy: z.string().min(1),
  data: callEventSchema,
});
export type CallEventDelivery = z.infer<typeof callEventDeliverySchema>;

export interface CallEventsTarget {
  receiveCallEvent(delivery: CallEventDelivery): Promise<Intake>;
}

/**
 * `POST /webhook/calls/<key>`: one person's call events. The key names whose webhook it is, and so
 * the secret the raw body must be signed with (derived from WEBHOOK_SECRET, or during a rotation from
 * another secret `secrets` accepts); nothing is parsed before that signature matches. Then the
 * delivery's `createdBy` must be the person the key was given to (`CallEventsSender.ownership`): with
 * a key of the current form that is told from configuration alone, so a delivery is taken (and kept
 * on disk) during a database outage even by an instance that has just started.
 */
export function callEventsRoute(
  senderFor: (key: string) => Promise<CallEventsSender | undefined>,
  secrets: Pick<WebhookSecrets, 'verify'>,
  target: CallEventsTarget,
  refusals: Refusals,
  logger: Logger,
): Router {
  const router = express.Router();
  const couldNotCheck = (res: Response, error: unknown): void => {
    logger.error({ event: 'webhook-intake-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Could not look up a call events webhook');
    res.status(503).set('Retry-After', '5').json({ error: 'Could not check the delivery; send it again' });
  };
  router.post(
    `${CALL_EVENTS_PATH}/:key`,
    async (req, res, next) => {
      // Whose address it is, before the body is read: one no one was given is refused unread.
      let sender: CallEventsSender | undefined;
      try {
        sender = await senderFor(String(req.params.key));
      } catch (error) {
        return couldNotCheck(res, error);
      }
      res.locals.sender = sender;
      await limitHopeless(req, res, next, refusals, !sender || !req.get('x-spark-signature'));
    },
    express.raw({ type: () => true, limit: MAX_BODY }),
    async (req, res) => {
      const sender = res.locals.sender as CallEventsSender | undefined;
      // An unknown key (a person who unlinked, or a guess) has no secret to check against.
      if (!sender) return refuseDelivery(res, { status: 401, reason: 'unknown-webhook', error: 'Missing or invalid X-Spark-Signature', signed: false }, refusals);
      const { deriveSecret } = sender;
      const parsed = parseDelivery(
        Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        req.get('x-spark-signature'),
        (raw, signature) => secrets.verify(raw, signature, deriveSecret),
        callEventDeliverySchema,
      );
      if (parsed.ok || parsed.signed) refusals.signed(req);
      if (!parsed.ok) return refuseDelivery(res, parsed, refusals);
      let ownership: Ownership;
      try {
        ownership = await sender.ownership(parsed.delivery.createdBy);
      } catch (error) {
        return couldNotCheck(res, error);
      }
      if (ownership === 'someone-else') {
        return refuseDelivery(res, { status: 400, reason: 'wrong-owner', error: 'This delivery is not from the webhook at this address', signed: true }, refusals);
      }
      if (ownership === 'unlinked') {
        // Their webhook outlived their link (deleting it failed): refused, so Webex turns it off in time.
        return refuseDelivery(res, { status: 401, reason: 'unknown-webhook', error: 'Missing or invalid X-Spark-Signature', signed: true }, refusals);
      }
      await answerDelivery(res, () => target.receiveCallEvent(parsed.delivery), logger);
    },
  );
  return router;
}
