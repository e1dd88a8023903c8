import express, { type Router } from 'express';
import { z } from 'zod';
import { isValidSignature, signBody } from './verify-signature.js';
import type { Logger } from '../logger.js';

/** A webhook delivery's envelope (shared/webex-spec/NOTES.md); `data` is checked by whoever reads it. */
const deliverySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  resource: z.string().min(1),
  event: z.string().min(1),
  actorId: z.string().optional(),
  data: z.object({ id: z.string().min(1), roomId: z.string().optional() }).passthrough(),
}).passthrough();
export type WebhookDelivery = z.infer<typeof deliverySchema>;

export interface WebhookTarget {
  /** False until the framework is ready, and again while shutting down. */
  ready(): boolean;
  /** Hands a verified delivery to the framework; `signature` is what the framework's own check expects. */
  process(delivery: WebhookDelivery, signature: string): void;
}

const MAX_BODY = '256kb';

/**
 * `POST /webhook`: the signature is checked on the raw bytes, before anything is parsed; a missing or
 * wrong one gets 401 and no effect.
 */
export function webhookRoute(secret: string, target: WebhookTarget, logger: Logger): Router {
  const router = express.Router();
  router.post('/webhook', express.raw({ type: () => true, limit: MAX_BODY }), (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.get('x-spark-signature');
    if (!isValidSignature(raw, signature, secret)) {
      logger.warn({ event: 'webhook-rejected', reason: signature ? 'bad-signature' : 'no-signature' }, 'Rejected an unsigned or forged webhook');
      res.status(401).json({ error: 'Missing or invalid X-Spark-Signature' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      res.status(400).json({ error: 'Body is not valid JSON' });
      return;
    }
    const delivery = deliverySchema.safeParse(parsed);
    if (!delivery.success) {
      res.status(400).json({ error: `Not a Webex webhook delivery: ${delivery.error.issues[0]?.path.join('.') || 'body'} is missing or invalid` });
      return;
    }
    if (!target.ready()) {
      res.status(503).set('Retry-After', '5').json({ error: 'The bot is not ready' });
      return;
    }
    res.status(200).json({ ok: true });
    // The framework re-checks a signature over JSON.stringify of the parsed body; give it that one.
    target.process(delivery.data, signBody(JSON.stringify(delivery.data), secret));
  });
  return router;
}
