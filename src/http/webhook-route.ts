import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SignatureCheck, WebhookSecrets } from '../webhooks/webhook-secrets.js';
import type { Logger } from '../logger.js';

/** A webhook delivery's envelope (shared/webex-spec/NOTES.md); `data` is checked by whoever reads it. */
const deliverySchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    resource: z.string().min(1),
    event: z.string().min(1),
    actorId: z.string().optional(),
    data: z.object({ id: z.string().min(1), roomId: z.string().optional(), personId: z.string().optional() }).passthrough(),
  })
  .passthrough();
export type WebhookDelivery = z.infer<typeof deliverySchema>;

export type ParsedDelivery<T = WebhookDelivery> = { ok: true; delivery: T } | { ok: false; status: 400 | 401; reason: string; error: string };

/** Checks one raw delivery: the signature over the exact bytes first (`verify`), then JSON, then the shape. */
export function parseDelivery<T = WebhookDelivery>(
  raw: Buffer,
  signature: string | undefined,
  verify: (raw: Buffer, signature: string | undefined) => SignatureCheck,
  schema: z.ZodType<T> = deliverySchema as unknown as z.ZodType<T>,
): ParsedDelivery<T> {
  const signed = verify(raw, signature);
  if (!signed.ok) return { ok: false, status: 401, reason: signed.reason, error: 'Missing or invalid X-Spark-Signature' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'bad-json', error: 'Body is not valid JSON' };
  }
  const delivery = schema.safeParse(parsed);
  if (!delivery.success) {
    const where = delivery.error.issues[0]?.path.join('.') || 'body';
    return { ok: false, status: 400, reason: 'bad-shape', error: `Not a Webex webhook delivery: ${where} is missing or invalid` };
  }
  return { ok: true, delivery: delivery.data };
}

/** Why a verified delivery is not acted on: too old, undated, dated ahead of now, or too big to keep. */
export type IntakeRefusal = 'stale' | 'undated' | 'future' | 'too-large';
export type Intake = 'accepted' | 'duplicate' | 'not-ready' | IntakeRefusal;

const REFUSALS: Record<IntakeRefusal, { status: number; error: string }> = {
  stale: { status: 400, error: 'The event is too old to act on' },
  undated: { status: 400, error: 'The event has no readable date (data.created or data.eventTimestamp)' },
  future: { status: 400, error: 'The event is dated in the future' },
  'too-large': { status: 413, error: 'The event is too large to keep' },
};

export interface WebhookTarget {
  /** Takes a verified delivery. Throws when it cannot be recorded (Webex should send it again). */
  receive(delivery: WebhookDelivery): Promise<Intake>;
}

/** Told of each delivery refused before it was verified (counted, logged in aggregate, limited per client). */
export interface Refusals {
  refused(req: Request, reason: string): void;
}

export const MAX_BODY = '256kb';

/** Answers Webex once a verified delivery is (or could not be) recorded. */
export async function answerDelivery(res: Response, intake: () => Promise<Intake>, logger: Logger): Promise<void> {
  let outcome: Intake;
  try {
    outcome = await intake();
  } catch (error) {
    logger.error({ event: 'webhook-intake-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Could not record a delivery');
    res.status(503).set('Retry-After', '5').json({ error: 'Could not record the delivery; send it again' });
    return;
  }
  if (outcome === 'not-ready') {
    res.status(503).set('Retry-After', '5').json({ error: 'The bot is not taking events right now' });
    return;
  }
  if (outcome !== 'accepted' && outcome !== 'duplicate') {
    res.status(REFUSALS[outcome].status).json({ error: REFUSALS[outcome].error });
    return;
  }
  res.status(200).json({ ok: true, ...(outcome === 'duplicate' ? { duplicate: true } : {}) });
}

/** Refuses a delivery that failed its checks, with the reason; `refusals` counts it. */
export function refuseDelivery(res: Response, refusal: { status: number; reason: string; error: string }, refusals: Refusals): void {
  refusals.refused(res.req, refusal.reason);
  res.status(refusal.status).json({ error: refusal.error });
}

/**
 * `POST /webhook`: nothing is parsed before the signature matches WEBHOOK_SECRET (or, during a
 * rotation, another secret `secrets` accepts); a bad one gets 401 and no effect.
 */
export function webhookRoute(secrets: Pick<WebhookSecrets, 'verify'>, target: WebhookTarget, refusals: Refusals, logger: Logger): Router {
  const router = express.Router();
  router.post('/webhook', express.raw({ type: () => true, limit: MAX_BODY }), async (req, res) => {
    const parsed = parseDelivery(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get('x-spark-signature'), (raw, signature) => secrets.verify(raw, signature));
    if (!parsed.ok) return refuseDelivery(res, parsed, refusals);
    await answerDelivery(res, () => target.receive(parsed.delivery), logger);
  });
  return router;
}
