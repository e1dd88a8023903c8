import { createHash } from 'node:crypto';
import { isValidSignature } from './signature.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../logger.js';

/** Which secret signed a delivery that was accepted. */
export type SecretUse = 'current' | 'next' | 'previous';

export type SignatureCheck = { ok: true; signedWith: SecretUse } | { ok: false; reason: 'no-signature' | 'bad-signature' | 'previous-secret-expired' };

export interface WebhookSecretSettings {
  /** WEBHOOK_SECRET: what every webhook is registered with, and always accepted. */
  current: string;
  /** WEBHOOK_SECRET_PREVIOUS: accepted until the grace period ends. */
  previous?: string;
  /** WEBHOOK_SECRET_NEXT: accepted, never registered (the first step of a rotation across several instances). */
  next?: string;
  graceMs: number;
}

/**
 * The webhook secrets a delivery may be signed with. During a rotation Webex keeps signing with the
 * previous secret until the bot's and people's webhooks are updated (at start, and every
 * WEBHOOK_CHECK_MINUTES), and deliveries already under way or being retried carry it too: those are
 * accepted for a grace period, then refused like any bad signature.
 *
 * The grace period starts when the first instance starts with this previous/current pair, and that
 * moment's deadline is kept in the store: every instance, and every restart, ends it at the same
 * time, so a rolling restart neither stretches it nor cuts it short. A per-person secret is derived
 * from these (`derive`), so the same rule covers people's call-events webhooks.
 */
export class WebhookSecrets {
  /** Until when the previous secret is accepted (ms); 0 until `startGrace`, or without one. */
  private previousUntil = 0;

  constructor(
    private readonly settings: WebhookSecretSettings,
    private readonly onAccepted: (signedWith: SecretUse) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get current(): string {
    return this.settings.current;
  }

  /** When the previous secret stops being accepted, once `startGrace` has run. */
  get graceEndsAt(): number | undefined {
    return this.settings.previous === undefined ? undefined : this.previousUntil;
  }

  /** Call at start, before taking deliveries: finds (or records) when the previous secret's grace ends. */
  async startGrace(store: Pick<Store, 'deadline'>, logger: Logger): Promise<void> {
    const { previous, current, graceMs } = this.settings;
    if (previous === undefined) return;
    // Named after the pair, never containing either secret: a later rotation gets a grace of its own.
    const name = `webhook-secret-grace:${createHash('sha256').update(`${previous}\n${current}`).digest('hex').slice(0, 16)}`;
    this.previousUntil = await store.deadline(name, this.now() + graceMs);
    const until = new Date(this.previousUntil).toISOString();
    if (this.previousUntil > this.now()) {
      logger.info({ event: 'webhook-secret-grace', until }, `Deliveries signed with WEBHOOK_SECRET_PREVIOUS are accepted until ${until}`);
    } else {
      logger.warn({ event: 'webhook-secret-grace-over', until }, `WEBHOOK_SECRET_PREVIOUS's grace period ended at ${until}; its deliveries are refused, and it can be removed`);
    }
  }

  /** The secrets a delivery may be signed with now, and what else they vouch for (a call-events key's tag). */
  acceptedNow(): string[] {
    return this.candidates().flatMap(([, secret]) => (secret === undefined ? [] : [secret]));
  }

  /** Checks a raw body's signature against each secret accepted now; `derive` turns a secret into the one a webhook was given. */
  verify(raw: Buffer, signature: string | undefined, derive: (secret: string) => string = (secret) => secret): SignatureCheck {
    if (!signature) return { ok: false, reason: 'no-signature' };
    const { previous } = this.settings;
    for (const [use, secret] of this.candidates()) {
      if (secret !== undefined && isValidSignature(raw, signature, derive(secret))) {
        this.onAccepted(use);
        return { ok: true, signedWith: use };
      }
    }
    // Told apart only for the operator (logs and metrics): the sender gets the same 401 either way.
    if (previous !== undefined && isValidSignature(raw, signature, derive(previous))) return { ok: false, reason: 'previous-secret-expired' };
    return { ok: false, reason: 'bad-signature' };
  }

  private candidates(): [SecretUse, string | undefined][] {
    const { current, next, previous } = this.settings;
    return [
      ['current', current],
      ['next', next],
      ['previous', previous !== undefined && this.now() < this.previousUntil ? previous : undefined],
    ];
  }
}
