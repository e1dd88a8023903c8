import type { WebhookDelivery, WebhookTarget, Intake } from '../http/webhook-route.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { InFlight } from '../ops/in-flight.js';
import { RoomQueue } from './room-queue.js';

type ProcessEvent = (request: { body: unknown; headers: Record<string, string> }) => Promise<unknown>;

/**
 * Between the webhook route and the framework: each event is taken once (the key is recorded in the
 * shared database, so a Webex retry or a second instance's copy has no effect), then processed in
 * arrival order for its space.
 */
export class EventIntake implements WebhookTarget {
  private accepting = false;
  private botPersonId = '';
  private readonly rooms = new RoomQueue();

  constructor(
    private readonly processEvent: ProcessEvent,
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly inFlight: InFlight,
    private readonly logger: Logger,
  ) {}

  open(botPersonId: string): void {
    this.botPersonId = botPersonId;
    this.accepting = true;
  }

  /** From now on deliveries get 503, so Webex sends them to another instance or later. */
  close(): void {
    this.accepting = false;
  }

  get isOpen(): boolean {
    return this.accepting;
  }

  async receive(delivery: WebhookDelivery, signature: string): Promise<Intake> {
    if (!this.accepting) return 'not-ready';
    // Webex announces the bot's own messages too; the framework would fetch each one only to drop it.
    if (delivery.resource === 'messages' && delivery.data.personId === this.botPersonId) return 'accepted';
    const key = `${delivery.resource}:${delivery.event}:${delivery.data.id}`;
    if (!(await this.store.firstDelivery(key, Date.now()))) {
      this.metrics.duplicateDeliveries.inc();
      this.logger.info({ event: 'duplicate-delivery', eventKey: key }, 'Ignored a delivery already taken');
      return 'duplicate';
    }
    void this.inFlight.track(
      this.rooms.run(delivery.data.roomId ?? delivery.data.id, () =>
        this.processEvent({ body: delivery, headers: { 'x-spark-signature': signature } }).catch((error: unknown) =>
          this.logger.error({ error: error instanceof Error ? error.message : 'unknown' }, 'The framework failed to process an event'),
        ),
      ),
    );
    return 'accepted';
  }

  rejected(reason: string): void {
    this.metrics.webhookRejections.inc({ reason });
  }
}
