import type { WebhookDelivery, WebhookTarget, Intake, IntakeRefusal } from '../http/webhook-route.js';
import { callEventDeliverySchema, type CallEventDelivery, type CallEventsTarget } from '../http/call-events-route.js';
import type { Store } from '../storage/store.js';
import { pseudonym, type Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { InFlight } from '../ops/in-flight.js';
import { RoomQueue } from './room-queue.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPassing } from '../webex/errors.js';
import { DatabaseUnavailableError, type DatabaseGate } from '../storage/database-gate.js';
import { SpoolUnreadableError, type DeliverySpool, type SpooledDelivery } from '../storage/delivery-spool.js';
import { runAttempt, SupersededError, type Attempt } from '../fence.js';

/** Who works on an event: the framework (messages, card taps), or the bot itself (call events). */
export interface EventHandlers {
  framework: (request: { body: unknown; headers: Record<string, string> }) => Promise<unknown>;
  callEvent: (delivery: CallEventDelivery, key: string) => Promise<void>;
}

/**
 * A delivery about an event older than this is refused. Event keys are remembered for a day
 * (SEEN_EVENT_TTL_MS), so a signed delivery kept and replayed later than that would otherwise act
 * again; Webex's own retries come within minutes.
 */
export const MAX_EVENT_AGE_MS = 60 * 60 * 1000;

/** A delivery dated further ahead than this is refused: no clock is that wrong, and it would outlive its key. */
export const MAX_EVENT_AHEAD_MS = 5 * 60 * 1000;

/** The most an event may take in the inbox; a Webex event the bot reads is well under 2 kB. */
export const MAX_STORED_EVENT_BYTES = 16 * 1024;

/** Why an event dated `happenedAt` is not acted on at `now`: undated, too old, or from the future. */
export function dateRefusal(happenedAt: unknown, now: number): IntakeRefusal | undefined {
  const happened = typeof happenedAt === 'string' ? Date.parse(happenedAt) : Number.NaN;
  if (!Number.isFinite(happened)) return 'undated';
  if (now - happened > MAX_EVENT_AGE_MS) return 'stale';
  if (happened - now > MAX_EVENT_AHEAD_MS) return 'future';
  return undefined;
}

/** What a lease must still have to run when an attempt checks it holds: two instances' clocks may differ a little. */
const LEASE_MARGIN_MS = 2000;

/** How long an event whose message Webex would not give to read is tried again before the lease's replay takes over. */
const FRAMEWORK_PATIENCE_MS = 120_000;

/** One key per Webex event, the same for every delivery of it. */
export const eventKey = (resource: string, event: string, id: string): string => `${resource}:${event}:${id}`;

export interface IntakeSettings {
  /** How long an instance holds an event before another may replay it (it is presumed dead). */
  leaseMs: number;
  /** How many times an event is tried in all before it is given up, so one bad event cannot loop. */
  maxAttempts: number;
}

/** What keeps deliveries while the database is away. */
export interface OutageCover {
  /** Whether the database is up, and since when. */
  gate: Pick<DatabaseGate, 'isUp' | 'upSince' | 'on'>;
  spool: DeliverySpool;
}

/**
 * Between the webhook route and the framework, an inbox in the shared database. Each event is taken
 * once (a Webex retry or a second instance's copy has no effect) and processed in arrival order for
 * its space; it is marked done only when the framework and the handler it started have finished. An
 * event whose instance died half-way is replayed by a live instance once its lease runs out.
 *
 * While the database is unavailable, deliveries are kept in a spool on local disk and acknowledged
 * (Webex does not say how long it retries one), then put into the inbox in order once it is back.
 */
export class EventIntake implements WebhookTarget, CallEventsTarget {
  private accepting = false;
  private botPersonId = '';
  private readonly rooms = new RoomQueue();
  private readonly handlerWork = new Map<string, Promise<unknown>[]>();
  /** The attempt (src/fence.ts) this instance is working on, per event key. */
  private readonly attempts = new Map<string, Attempt>();
  private recovery: NodeJS.Timeout | undefined;
  /** Whether the spool's being stuck at an unreadable entry has been said (it is said once, not at every retry). */
  private spoolStuckSaid = false;

  constructor(
    private readonly handlers: EventHandlers,
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly inFlight: InFlight,
    private readonly logger: Logger,
    private readonly settings: IntakeSettings,
    /** Signs a body the way the framework's own check expects (it re-signs JSON.stringify of the body). */
    private readonly sign: (json: string) => string,
    private readonly outage: OutageCover,
  ) {
    outage.gate.on('up', () => {
      // Our own events first: their leases lapsed meanwhile, and other instances wait a lease before replaying.
      for (const attempt of this.attempts.values()) void this.renew(attempt);
      void this.replaySpool();
    });
  }

  /** Starts taking events, and replaying the ones a dead instance left unfinished. */
  open(botPersonId: string): void {
    this.botPersonId = botPersonId;
    this.accepting = true;
    void this.replaySpool().then(() => this.replayStale());
    this.recovery = setInterval(() => {
      if (this.outage.spool.pending) void this.replaySpool();
      void this.replayStale();
    }, Math.max(250, this.settings.leaseMs / 2));
  }

  /** From now on deliveries get 503, so Webex sends them to another instance or later. */
  close(): void {
    this.accepting = false;
    clearInterval(this.recovery);
  }

  get isOpen(): boolean {
    return this.accepting;
  }

  async receive(delivery: WebhookDelivery): Promise<Intake> {
    if (!this.accepting) return 'not-ready';
    // Webex announces the bot's own messages too; the framework would fetch each one only to drop it.
    if (delivery.resource === 'messages' && delivery.data.personId === this.botPersonId) return 'accepted';
    return this.take(eventKey(delivery.resource, delivery.event, delivery.data.id), delivery, delivery.data.created);
  }

  /** One person's call event; the same event delivered again has the same key. */
  async receiveCallEvent(delivery: CallEventDelivery): Promise<Intake> {
    if (!this.accepting) return 'not-ready';
    const { callId, eventType, eventTimestamp } = delivery.data;
    return this.take(eventKey(delivery.resource, delivery.event, `${delivery.createdBy}:${callId}:${eventType}:${eventTimestamp}`), delivery, eventTimestamp);
  }

  /**
   * A graceful stop waits for a take under way (and for a replay's, below), so what it takes is acted
   * on before the instance exits, rather than left leased (another instance would act on it only a lease later).
   */
  private take(key: string, delivery: unknown, happenedAt: unknown): Promise<Intake> {
    return this.inFlight.track(this.admit(key, delivery, happenedAt));
  }

  private async admit(key: string, delivery: unknown, happenedAt: unknown): Promise<Intake> {
    const body = JSON.stringify(delivery);
    const refusal = dateRefusal(happenedAt, Date.now()) ?? (Buffer.byteLength(body) > MAX_STORED_EVENT_BYTES ? 'too-large' : undefined);
    if (refusal) {
      // Signed deliveries only get here, so one line each is no flood.
      this.metrics.webhookRejections.inc({ reason: refusal });
      this.logger.warn({ event: 'webhook-rejected', reason: refusal, eventKey: pseudonym(key) }, 'Refused a signed delivery it cannot act on');
      return refusal;
    }
    // Behind anything already kept, so a space's events stay in order.
    if (this.outage.spool.pending || !this.outage.gate.isUp) return this.keep({ key, body });
    let taken: boolean;
    try {
      taken = await this.store.takeDelivery(key, body, Date.now(), this.settings.leaseMs);
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      return this.keep({ key, body });
    }
    if (!taken) {
      this.metrics.duplicateDeliveries.inc();
      this.logger.info({ event: 'duplicate-delivery', eventKey: pseudonym(key) }, 'Ignored a delivery already taken');
      return 'duplicate';
    }
    this.process(key, body, 1);
    return 'accepted';
  }

  /** Keeps a delivery on disk until the database is back; throws when even that fails (Webex then retries). */
  private async keep(delivery: SpooledDelivery): Promise<Intake> {
    await this.outage.spool.append(delivery);
    this.metrics.spooledDeliveries.inc();
    this.logger.warn({ event: 'delivery-spooled', eventKey: pseudonym(delivery.key), waiting: this.outage.spool.size }, 'Kept a delivery on disk until the database is back');
    // A spool stuck at an unreadable entry is tried again by the recovery interval only, not at every delivery.
    if (this.outage.gate.isUp && !this.outage.spool.fault) void this.replaySpool();
    return 'accepted';
  }

  /** Puts the kept deliveries into the inbox, oldest first, and processes those no one had taken. Tracked like a take. */
  private replaySpool(): Promise<void> {
    return this.inFlight.track(this.spoolIntoInbox());
  }

  private async spoolIntoInbox(): Promise<void> {
    if (!this.accepting || !this.outage.gate.isUp) return;
    try {
      await this.outage.spool.replay(async ({ key, body }) => {
        if (await this.store.takeDelivery(key, body, Date.now(), this.settings.leaseMs)) this.process(key, body, 1);
        else this.metrics.duplicateDeliveries.inc();
      });
      this.spoolStuck(false);
    } catch (error) {
      if (error instanceof SpoolUnreadableError) this.spoolStuck(true, error.message);
      else this.logger.warn({ event: 'spool-replay-stopped', error: error instanceof Error ? error.message : 'unknown' }, 'Stopped replaying kept deliveries; the rest stay on disk');
    }
  }

  /**
   * A spool entry that cannot be read (a folder in its place, a file whose owner changed, a disk
   * error) holds every kept delivery behind it: said once, counted, and shown by /readyz; it is tried
   * again every recovery interval, and the replay goes on by itself once someone has fixed it.
   */
  private spoolStuck(stuck: boolean, reason?: string): void {
    this.metrics.spoolUnreadable.set(stuck ? 1 : 0);
    if (stuck === this.spoolStuckSaid) return;
    this.spoolStuckSaid = stuck;
    if (stuck) this.logger.error({ event: 'spool-unreadable', reason }, 'Kept deliveries cannot be replayed: fix or move the spool entry named; nothing has been deleted, and the replay goes on once it can be read');
    else this.logger.info({ event: 'spool-readable' }, 'The spool can be read again; replaying the deliveries kept on disk');
  }

  /** Only while `attempt` is still the current one: a superseded attempt keeps no lease alive. */
  private async renew({ eventKey: key, attempt }: Attempt): Promise<void> {
    if (!this.outage.gate.isUp) return;
    await this.store.renewDelivery(key, Date.now() + this.settings.leaseMs, attempt).catch((error: unknown) =>
      this.logger.warn({ eventKey: pseudonym(key), error: error instanceof Error ? error.message : 'unknown' }, 'Could not renew an event lease'),
    );
  }

  /**
   * Starts a handler for the event `key`, as the attempt this instance is working on (src/fence.ts):
   * the event is done only when this work is. Work for no event being processed (a welcome) is not
   * fenced, and only waited for at shutdown.
   */
  track(key: string, start: () => Promise<unknown>): void {
    const work = runAttempt(this.attempts.get(key), start);
    this.handlerWork.get(key)?.push(work);
    void this.inFlight.track(work);
  }

  /**
   * `body` is the delivery as JSON.stringify wrote it, from the webhook or from the inbox; `attempt`
   * is 1 for a take, and what the inbox handed out for a takeover. Everything done for the event runs
   * as that attempt, so a takeover fences it off.
   */
  private process(key: string, body: string, attempt: number): void {
    const delivery = JSON.parse(body) as WebhookDelivery | CallEventDelivery;
    const current: Attempt = { eventKey: key, attempt, holds: () => this.holds(key, attempt) };
    this.attempts.set(key, current);
    this.handlerWork.set(key, []);
    // Slow Webex answers can outlast a lease; while the work goes on, the lease is renewed.
    const renew = setInterval(() => void this.renew(current), this.settings.leaseMs / 3);
    const work = async (): Promise<void> => {
      try {
        if (delivery.resource === 'telephony_calls') {
          // A person's call events are followed in the order they happened.
          const event = callEventDeliverySchema.parse(delivery);
          await this.rooms.run(`calls:${event.createdBy}`, () => this.handlers.callEvent(event, key));
        } else {
          const message = delivery as WebhookDelivery;
          // Only the framework's part is queued per space; the handlers it starts run side by side.
          await this.rooms.run(message.data.roomId ?? message.data.id, () => this.frameworkPatiently(key, message, body));
        }
        await Promise.allSettled(this.handlerWork.get(key) ?? []);
        await this.store.finishDelivery(key, Date.now(), attempt);
      } catch (error) {
        if (error instanceof SupersededError) this.logger.warn({ event: 'attempt-superseded', eventKey: pseudonym(key), attempt }, 'Stopped an event another instance took over');
        else this.logger.error({ eventKey: pseudonym(key), error: error instanceof Error ? error.message : 'unknown' }, 'Processing an event failed');
      } finally {
        clearInterval(renew);
        // This instance may have taken its own event over meanwhile (it was paused): that attempt's entries stay.
        if (this.attempts.get(key) === current) {
          this.attempts.delete(key);
          this.handlerWork.delete(key);
        }
      }
    };
    void this.inFlight.track(runAttempt(current, work));
  }

  /**
   * Whether `attempt` is still the event's current attempt, judged when the inbox's answer is read, not
   * when it was given: an instance paused while the answer was on its way (a GC pause, `kill -STOP`)
   * reads "yes" long after a takeover. The answer says until when the attempt's lease runs, and no
   * takeover comes before then; with a margin for the clocks of two instances, it holds only while
   * that moment is still ahead. A lease that lapsed without a takeover (the database was slow to
   * renew it) stops the attempt too: the event is replayed, as for an instance presumed dead.
   */
  private async holds(key: string, attempt: number): Promise<boolean> {
    const leaseUntil = await this.store.attemptLease(key, attempt);
    return leaseUntil !== undefined && Date.now() < leaseUntil - Math.min(LEASE_MARGIN_MS, this.settings.leaseMs / 5);
  }

  /**
   * The framework's part of an event. When Webex fails to give the framework the message or card
   * action to read, the event is tried again here after 1 s, 2 s, 4 s… for up to two minutes (its
   * lease renewed meanwhile) before it is left to the lease's replay; never once a handler has started.
   */
  private async frameworkPatiently(key: string, message: WebhookDelivery, body: string): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handlers.framework({ body: message, headers: { 'x-spark-signature': this.sign(body) } });
        return;
      } catch (error) {
        const delay = Math.min(1000 * 2 ** (attempt - 1), 30_000);
        if (!isPassing(error) || (this.handlerWork.get(key)?.length ?? 0) > 0 || Date.now() - started + delay > FRAMEWORK_PATIENCE_MS || !this.accepting) throw error;
        this.logger.warn({ event: 'event-read-retry', eventKey: pseudonym(key), attempt, retryInMs: delay, ...error.toLog() }, 'Webex would not give the event to read; trying again');
        await sleep(delay);
      }
    }
  }

  /** Processes the events a dead instance left unfinished. Tracked like a take. */
  private replayStale(): Promise<void> {
    return this.inFlight.track(this.takeOverStale());
  }

  private async takeOverStale(): Promise<void> {
    if (!this.accepting || !this.outage.gate.isUp) return;
    // After an outage, live instances renew their leases as soon as they see the database again; only
    // a lease still lapsed a whole lease later belongs to an instance that died.
    const { upSince } = this.outage.gate;
    if (upSince && Date.now() - upSince < this.settings.leaseMs) return;
    try {
      const stale = await this.store.staleDeliveries(Date.now(), this.settings.leaseMs, this.settings.maxAttempts);
      for (const { eventKey: key, body, attempt } of stale) {
        this.logger.warn({ event: 'event-replayed', eventKey: pseudonym(key), attempt }, 'Replaying an event left unfinished');
        this.process(key, body, attempt);
      }
    } catch (error) {
      this.logger.error({ event: 'replay-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Could not look for unfinished events');
    }
  }
}
