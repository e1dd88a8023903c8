import { setTimeout as sleep } from 'node:timers/promises';
import type { World } from '../test/support/world.js';
import type { TestPostgres } from '../test/support/postgres.js';
import type { SpoolDisks } from './soak-disks.js';
import { between } from './soak-random.js';

export const FAULT_KINDS = ['kill', 'postgres', 'webex503', 'webex429', 'deliveries', 'pause', 'diskfull', 'restart-outage'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A stretch of time (epoch ms). */
export interface Window {
  from: number;
  to: number;
}

export interface ChaosSettings {
  world: World;
  server: TestPostgres;
  /** Each instance's spool disk; without them there is no disk-full fault. */
  disks: SpoolDisks | undefined;
  kinds: readonly FaultKind[];
  /** EVENT_LEASE_SECONDS, in ms: a pause lasts longer than this. */
  leaseMs: number;
  /** Starts instance `index` with its own settings (its spool disk). */
  startBot: (index: number) => Promise<void>;
  /** Resolves with the id Webex gave the next park message or tap the people send (its deliveries name it). */
  nextRequest: () => Promise<string>;
  log: (line: string) => void;
}

/**
 * Faults one after another on a seeded schedule (which fault, for how long, the gaps between), until
 * the deadline. Choices inside a fault that depend on the traffic (which calls are parked at that
 * moment) draw from a sequence of their own, so they never shift the schedule.
 */
export class Chaos {
  readonly counts: Partial<Record<FaultKind, number>> = {};
  /** When the spool disks were full: a delivery refused on every try then was refused rightly. */
  readonly excusedWindows: Window[] = [];
  /** Processes stopped with SIGSTOP right now: resumed whatever happens, or SIGTERM could never end them. */
  private readonly stopped = new Set<number>();

  constructor(
    private readonly settings: ChaosSettings,
    private readonly schedule: () => number,
    private readonly inside: () => number,
  ) {
    for (const kind of settings.kinds) this.counts[kind] = 0;
  }

  async run(deadline: number): Promise<void> {
    const { kinds, log } = this.settings;
    await sleep(between(this.schedule, 2000, 4000));
    while (Date.now() < deadline - 3000) {
      const kind = kinds[between(this.schedule, 0, kinds.length - 1)] ?? 'kill';
      this.counts[kind] = (this.counts[kind] ?? 0) + 1;
      const lasting = between(this.schedule, 2000, 6000);
      log(`fault: ${kind}${['pause', 'diskfull', 'restart-outage'].includes(kind) ? '' : ` for ${lasting} ms`}`);
      await this.inject(kind, lasting);
      await sleep(between(this.schedule, 3000, 8000));
    }
  }

  /** Sends SIGCONT to any instance still stopped (a run that failed half-way). */
  resumeAll(): void {
    for (const pid of this.stopped) process.kill(pid, 'SIGCONT');
    this.stopped.clear();
  }

  private async inject(kind: FaultKind, lasting: number): Promise<void> {
    const { world, server } = this.settings;
    switch (kind) {
      case 'kill': {
        const index = between(this.schedule, 0, world.bots.length - 1);
        await world.bots[index]?.stop('SIGKILL');
        await sleep(lasting);
        await this.settings.startBot(index);
        return;
      }
      case 'postgres':
        server.pause();
        await sleep(lasting);
        server.resume();
        return;
      case 'webex503':
        world.sim.outage({ status: 503, forMs: lasting, ...(this.schedule() < 0.5 ? { tokenKind: 'bot' as const } : { pathPrefix: '/telephony' }) });
        await sleep(lasting);
        return;
      case 'webex429':
        world.sim.outage({ status: 429, retryAfterSeconds: between(this.schedule, 1, 3), forMs: lasting, ...(this.schedule() < 0.5 ? { tokenKind: 'bot' as const } : { pathPrefix: '/telephony' }) });
        await sleep(lasting);
        return;
      case 'deliveries':
        world.sim.webhooks.deliverTwice = true;
        world.sim.webhooks.jitterMs = 800;
        await sleep(lasting);
        world.sim.webhooks.deliverTwice = false;
        world.sim.webhooks.jitterMs = 0;
        return;
      case 'pause':
        return this.pause();
      case 'diskfull':
        return this.diskFull();
      case 'restart-outage':
        return this.restartThenOutage(lasting);
    }
  }

  /**
   * The instance that answers the delivery of the next park or tap is stopped (SIGSTOP) a moment
   * after it took it, for longer than the event lease, then resumed (SIGCONT): another instance
   * replays what it held meanwhile, and the resumed one carries on where it stopped.
   */
  private async pause(): Promise<void> {
    const { world, leaseMs, log } = this.settings;
    const after = between(this.schedule, 0, 25);
    const forMs = leaseMs + between(this.schedule, 1500, 4000);
    const id = await this.settings.nextRequest();
    // The load balancer notes which instance answered just before the simulator records the answer.
    let index: number | undefined;
    const end = Date.now() + 5000;
    while (index === undefined && Date.now() < end) {
      await sleep(1);
      if (world.sim.webhooks.deliveries.some((d) => d.dataId === id && d.status === 200)) index = world.routed.at(-1);
    }
    const pid = index === undefined ? undefined : world.bots[index]?.pid;
    if (index === undefined || pid === undefined) {
      log('pause: the delivery of the next request was not answered 200 within 5 s; nothing paused');
      return;
    }
    await sleep(after);
    process.kill(pid, 'SIGSTOP');
    this.stopped.add(pid);
    log(`pause: instance ${index} stopped ${after} ms after it answered a delivery, for ${forMs} ms (lease ${leaseMs} ms)`);
    await sleep(forMs);
    process.kill(pid, 'SIGCONT');
    this.stopped.delete(pid);
  }

  /**
   * PostgreSQL stops, so deliveries go to each instance's spool; a moment later every spool's disk
   * fills up (deliveries must then be refused, and leave nothing half-written), then frees again
   * while the database is still down, and the database comes back.
   */
  private async diskFull(): Promise<void> {
    const { server, disks, log } = this.settings;
    if (!disks) return;
    const before = between(this.schedule, 800, 1500);
    const full = between(this.schedule, 2000, 4000);
    const after = between(this.schedule, 800, 1500);
    log(`diskfull: database down, spool disks full after ${before} ms for ${full} ms, database back ${after} ms after that`);
    server.pause();
    try {
      await sleep(before);
      const from = Date.now();
      disks.fill();
      try {
        await sleep(full);
      } finally {
        disks.free();
        // A delivery the simulator started while the disk was full may be answered a moment after.
        this.excusedWindows.push({ from, to: Date.now() + 100 });
      }
      await sleep(after);
    } finally {
      server.resume();
    }
  }

  /**
   * Every instance restarted in turn (a rolling restart, as the README's upgrade asks for), so each
   * one's memory is fresh, then PostgreSQL stops as soon as they are up, while call events arrive:
   * parked calls ring back their parker, who declines some, and colleagues pick some up from a desk
   * phone. The instances hear these events first during the outage. Only calls no retrieve is ringing
   * for, so each event's outcome is unambiguous.
   *
   * Not all at once: with no instance up, Webex gives up on a delivery after a few tries over a second
   * or so, and a recall lost that way leaves its card offering Retrieve for a call that rang back. The
   * bot promises nothing for events no instance was there to hear (its webhooks are kept so that a
   * rolling restart always leaves Webex somewhere to deliver); on a busy machine starting three at
   * once took over 20 s, long enough for the simulator's 15 s recalls to fall into it.
   */
  private async restartThenOutage(lasting: number): Promise<void> {
    const { world, server, log } = this.settings;
    const from = Date.now();
    for (const [index, bot] of world.bots.entries()) {
      await bot.stop('SIGTERM');
      await this.settings.startBot(index);
    }
    server.pause();
    try {
      const phones = world.sim.telephony;
      const events: string[] = [];
      const pickedUp: { personId: string; callId: string }[] = [];
      for (const [number, parked] of [...phones.parked.entries()]) {
        await sleep(between(this.inside, 100, 500));
        if (phones.parked.get(number) !== parked) continue;
        const parkedAt = Date.parse(parked.parkedAt);
        if (world.sim.requests.some((r) => r.path === '/telephony/calls/retrieve' && r.at >= parkedAt && JSON.stringify(r.body ?? '').includes(`"${number}"`))) continue;
        const roll = this.inside();
        if (roll < 0.6) {
          const recalled = phones.recall(number);
          events.push('recall');
          if (roll < 0.3) {
            await sleep(between(this.inside, 100, 400));
            if (phones.list(parked.parkedBy).some((call) => call.id === recalled.id)) phones.hangup(parked.parkedBy, recalled.id);
            events.push('recall declined');
          }
        } else {
          const colleague = [...world.sim.org.people.values()].find((p) => p.type === 'person' && p.id !== parked.parkedBy && p.extension && phones.list(p.id).length === 0);
          if (!colleague) continue;
          pickedUp.push({ personId: colleague.id, callId: phones.pickUpFromPhone(colleague.id, number).id });
          events.push('picked up from a desk phone');
        }
      }
      log(`restart-outage: every instance restarted in turn in ${Date.now() - from} ms, database down for ${lasting} ms; call events: ${events.join(', ') || 'none (nothing parked)'}`);
      await sleep(lasting);
      // The colleagues finish those calls (more events), so their phones are free for retrieves again.
      for (const { personId, callId } of pickedUp) if (phones.list(personId).some((call) => call.id === callId)) phones.hangup(personId, callId);
    } finally {
      server.resume();
    }
  }
}
