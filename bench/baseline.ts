/**
 * The benchmark's reference: a bare framework bot answering each message with a fixed card
 * (`baseline-bot.ts`), on a simulator of its own. Stock (SDK defaults, no Node flags), or like for
 * like (the bot's SDK person-lookup batching and Node flags).
 */
import { WEBHOOK_SECRET } from '../test/support/world.js';
import { BotProcess, freePort } from '../test/support/bot-process.js';
import { startSimulator, type WebexSimulator } from '../src/simulator/server.js';
import type { SimPerson, SimRoom } from '../src/simulator/model.js';
import { bodyMentions, memoryOf, round, sequentialRoundTrips, Timeline } from './measure.js';

export interface BaselineFlow {
  /** The delivery sent → the card's request reached Webex. */
  latency: number;
  /** The delivery sent → Webex answered the card's request. */
  toCard: number;
  roundTrips: number;
}

export interface LoadRound {
  seconds: number;
  flows: number;
  eventsPerSecond: number;
}

interface Sender {
  person: SimPerson;
  token: string;
  room: SimRoom;
}

export class Baseline {
  private constructor(
    private readonly sim: WebexSimulator,
    private readonly timeline: Timeline,
    private readonly bot: BotProcess,
    private readonly botPerson: SimPerson,
    private readonly senders: Sender[],
  ) {}

  /** `spaces`: rooms the bot is in besides each sender's own, shared out among the senders (the many-spaces phase). */
  static async start(options: { entry: string; likeForLike: boolean; senders: number; rttMs?: number; spaces?: number }): Promise<Baseline> {
    const sim = await startSimulator({ rttMs: options.rttMs ?? 0 });
    const bot = sim.org.addPerson({ displayName: 'Baseline Bot', email: 'baseline@webex.bot', type: 'bot' });
    const port = await freePort();
    const process = new BotProcess(
      {
        WEBEX_BOT_TOKEN: sim.org.issueToken(bot.id, 'bot', []),
        WEBEX_API_URL: sim.apiUrl,
        WEBEX_U2C_URL: sim.u2cUrl,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        WEBHOOK_SECRET,
        ...(options.likeForLike ? { BASELINE_PEOPLE_BATCHER_WAIT_MS: '1' } : {}),
      },
      { entry: options.entry, ready: '"event":"baseline-ready"', ...(options.likeForLike ? {} : { nodeOptions: [], nodeEnv: {} }) },
    );
    // The spaces exist before the baseline starts, as a bot's spaces usually do: the framework drops a message
    // that arrives while it still spawns for the space's membership event (its roomsSpawningNow guard), so a
    // message right after the bot was added would leave a flow waiting for a card that never comes.
    const senders = Array.from({ length: options.senders }, (_, i) => {
      const person = sim.org.addPerson({ displayName: `Sender ${i}`, email: `sender${i}@example.com` });
      return { person, token: sim.org.issueToken(person.id, 'access', ['spark:all']), room: sim.org.createRoom(person.id, `Room ${i}`, [bot.id]) };
    });
    const spaces = Array.from({ length: options.spaces ?? 0 }, (_, i) => {
      const sender = senders[i % senders.length] as Sender;
      return { ...sender, room: sim.org.createRoom(sender.person.id, `Team ${i}`, [bot.id]) };
    });
    await process.start();
    return new Baseline(sim, new Timeline(sim), process, bot, [...senders, ...spaces]);
  }

  /** The `i`th message of the run, from sender `i` modulo their number: the first from each also makes the framework discover its space. */
  async flow(i: number): Promise<BaselineFlow> {
    const sender = this.senders[i % this.senders.length] as Sender;
    const from = this.sim.requests.length;
    const answered = this.timeline.next(`baseline card in space ${sender.room.id}`, (r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && bodyMentions(r, sender.room.id));
    const response = await fetch(`${this.sim.apiUrl}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId: sender.room.id, markdown: `<@personId:${this.botPerson.id}|Baseline Bot> hello` }),
    });
    const message = (await response.json()) as { id: string };
    const card = await answered;
    const sentAt = this.timeline.sentAt.get(message.id) ?? card.at;
    const cardAnswered = card.answeredAt ?? card.at;
    const ofFlow = this.sim.requests.slice(from).filter((r) => r.tokenKind === 'bot' && r.at >= sentAt && (r.answeredAt ?? Infinity) <= cardAnswered);
    return { latency: card.at - sentAt, toCard: cardAnswered - sentAt, roundTrips: sequentialRoundTrips(ofFlow) };
  }

  /** One message in each of the `spaces` rooms, `workers` at a time: the framework discovers each space. */
  async askEverySpace(spaces: number, workers: number): Promise<void> {
    const first = this.senders.length - spaces;
    let next = first;
    await Promise.all(Array.from({ length: workers }, async () => {
      for (let i = next++; i < this.senders.length; i = next++) await this.flow(i);
    }));
  }

  /** Every sender sends one message after another for `seconds` (or until `maxFlows` in all). */
  async load(seconds: number, maxFlows: number): Promise<LoadRound> {
    const started = performance.now();
    const deliveriesBefore = this.timeline.deliveries;
    let flows = 0;
    await Promise.all(
      this.senders.map(async (_, i) => {
        while (flows < maxFlows && performance.now() - started < seconds * 1000) {
          flows += 1;
          await this.flow(i);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { seconds: round(elapsed), flows, eventsPerSecond: round((this.timeline.deliveries - deliveriesBefore) / elapsed) };
  }

  memory(): { rssMb: number; peakRssMb: number } {
    return memoryOf(this.bot.pid);
  }

  async stop(): Promise<void> {
    await this.bot.stop();
    await this.sim.close();
  }
}
