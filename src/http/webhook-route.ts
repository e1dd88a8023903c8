import express, { type NextFunction, type Request, type Response, type Router } from 'express';
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

/** A refused delivery: `signed` when its signature matched (it is then never answered 429). */
export interface Refusal {
  status: number;
  reason: string;
  error: string;
  signed: boolean;
}

export type ParsedDelivery<T = WebhookDelivery> = { ok: true; delivery: T } | ({ ok: false } & Refusal);

/** Checks one raw delivery: the signature over the exact bytes first (`verify`), then JSON, then the shape. */
export function parseDelivery<T = WebhookDelivery>(
  raw: Buffer,
  signature: string | undefined,
  verify: (raw: Buffer, signature: string | undefined) => SignatureCheck,
  schema: z.ZodType<T> = deliverySchema as unknown as z.ZodType<T>,
): ParsedDelivery<T> {
  const signed = verify(raw, signature);
  if (!signed.ok) return { ok: false, status: 401, reason: signed.reason, error: 'Missing or invalid X-Spark-Signature', signed: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'bad-json', error: 'Body is not valid JSON', signed: true };
  }
  const delivery = schema.safeParse(parsed);
  if (!delivery.success) {
    const where = delivery.error.issues[0]?.path.join('.') || 'body';
    return { ok: false, status: 400, reason: 'bad-shape', error: `Not a Webex webhook delivery: ${where} is missing or invalid`, signed: true };
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

/** Told of each delivery refused (counted, logged in aggregate, limited per client) and each signed one (src/http/refused-deliveries.ts). */
export interface Refusals {
  /** Seconds for Retry-After when the delivery is to be answered 429 instead. */
  refused(req: Request, reason: string, signed: boolean): Promise<number | undefined>;
  signed(req: Request): void;
  overLimit(req: Request): Promise<number | undefined>;
  limitedUnread(): void;
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

/** Refuses a delivery that failed its checks, with the reason, or 429 when its client is over its refusals; `refusals` counts it. */
export async function refuseDelivery(res: Response, refusal: Refusal, refusals: Refusals): Promise<void> {
  const wait = await refusals.refused(res.req, refusal.reason, refusal.signed);
  if (wait !== undefined) return tooMany(res, wait);
  res.status(refusal.status).json({ error: refusal.error });
}

function tooMany(res: Response, seconds: number): void {
  res.status(429).set('Retry-After', String(seconds)).json({ error: 'Too many refused deliveries from this address; try again later' });
}

/**
 * Before a delivery is read: from a client over its refusals, one that cannot be right whatever its
 * body (`hopeless`: no signature, an address no one was given) is answered 429 unread. Anything
 * else is read and verified first (see RefusedDeliveries).
 */
export async function limitHopeless(req: Request, res: Response, next: NextFunction, refusals: Refusals, hopeless: boolean): Promise<void> {
  const wait = hopeless ? await refusals.overLimit(req) : undefined;
  if (wait === undefined) return next();
  refusals.limitedUnread();
  tooMany(res, wait);
}

/**
 * `POST /webhook`: nothing is parsed before the signature matches WEBHOOK_SECRET (or, during a
 * rotation, another secret `secrets` accepts); a bad one gets 401 and no effect.
 */
export function webhookRoute(secrets: Pick<WebhookSecrets, 'verify'>, target: WebhookTarget, refusals: Refusals, logger: Logger): Router {
  const router = express.Router();
  router.post(
    '/webhook',
    (req, res, next) => limitHopeless(req, res, next, refusals, !req.get('x-spark-signature')),
    express.raw({ type: () => true, limit: MAX_BODY }),
    async (req, res) => {
      const parsed = parseDelivery(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get('x-spark-signature'), (raw, signature) => secrets.verify(raw, signature));
      if (parsed.ok || parsed.signed) refusals.signed(req);
      if (!parsed.ok) return refuseDelivery(res, parsed, refusals);
      await answerDelivery(res, () => target.receive(parsed.delivery), logger);
    },
  );
  return router;
}
