import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { World, WEBHOOK_SECRET } from '../support/world.js';
import { waitFor } from '../support/wait.js';

const TIMEOUT_SECONDS = 5;
const SOCKETS = 1500;

interface Held {
  openedAt: number;
  /** When the server closed it; undefined while it is open. */
  closedAt?: number;
}

/**
 * Connections that never send a byte, by the thousand, against a bot whose open-file limit is the
 * common 1024 (before: 1,100 such sockets from one client took /healthz and Webex's deliveries down,
 * and none was ever closed). Only 127.0.0.x is used; every socket is closed when a test ends.
 */
describe('Idle connections against a bot limited to 1024 open files', function () {
  this.timeout(90_000);
  let world: World;
  let delivery: string;
  const opened: ReturnType<typeof connect>[] = [];

  before(async () => {
    world = await World.create({ env: { REQUEST_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) }, launcher: ['prlimit', '--nofile=1024:1024'] });
    await world.start();
    const rita = world.addPerson('Rita Reception', '2001');
    const room = world.directSpace(rita);
    await world.expectBotMessage(room, () => world.say(rita, room, 'help'), 'the help card');
    await world.sim.webhooks.settled();
    // The bot's own message, announced by Webex: a signed delivery the bot takes and needs do nothing for.
    const own = world.sim.webhooks.deliveries.find((d) => d.resource === 'messages' && d.body.includes(`"personId":"${world.botPerson.id}"`));
    assert.ok(own, 'a delivery about the bot’s own message');
    delivery = own.body;
  });

  afterEach(() => {
    for (const socket of opened.splice(0)) socket.destroy();
  });

  after(async () => {
    await world?.close();
  });

  /** Opens `count` sockets from `from` (addresses in turn) that send nothing, in batches. */
  async function openIdle(count: number, from: string[]): Promise<Held[]> {
    const held: Held[] = [];
    for (let start = 0; start < count; start += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - start) }, (_, i) => {
          const record: Held = { openedAt: Date.now() };
          held.push(record);
          const socket = connect({ host: '127.0.0.1', port: world.botPort, localAddress: from[(start + i) % from.length] });
          opened.push(socket);
          socket.on('error', () => undefined);
          socket.once('close', () => (record.closedAt = Date.now()));
          return new Promise<void>((resolve) => {
            socket.once('connect', () => resolve());
            socket.once('close', () => resolve());
          });
        }),
      );
    }
    return held;
  }

  /** `/healthz` and a signed delivery, each with its answer time. */
  async function stillAnswers(): Promise<{ healthz: [number, number]; delivery: [number, number] }> {
    /** The status (0: no answer within 5 s) and the time it took. */
    const timed = async (request: () => Promise<Response>): Promise<[number, number]> => {
      const started = Date.now();
      try {
        const response = await request();
        await response.arrayBuffer();
        return [response.status, Date.now() - started];
      } catch {
        return [0, Date.now() - started];
      }
    };
    const healthz = await timed(() => fetch(`${world.botUrl}/healthz`, { signal: AbortSignal.timeout(5000) }));
    const parsed = JSON.parse(delivery) as { data: Record<string, unknown> };
    const body = JSON.stringify({ ...parsed, data: { ...parsed.data, id: `${String(parsed.data.id)}-${Date.now()}`, created: new Date().toISOString() } });
    const signed = await timed(() =>
      fetch(`${world.botUrl}/webhook`, {
        signal: AbortSignal.timeout(5000),
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-spark-signature': createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex') },
        body,
      }),
    );
    return { healthz, delivery: signed };
  }

  /** How many are open once the bot has caught up with the connections waiting to be accepted. */
  async function settledOpen(held: Held[]): Promise<number> {
    let last = -1;
    for (let i = 0; i < 20; i += 1) {
      const now = held.filter((h) => h.closedAt === undefined).length;
      if (now === last) return now;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return last;
  }

  async function expectAllClosed(held: Held[]): Promise<number> {
    await waitFor('every idle socket to be closed by the bot', () => held.every((h) => h.closedAt !== undefined), (TIMEOUT_SECONDS + 5) * 1000);
    const longest = Math.max(...held.map((h) => (h.closedAt ?? Infinity) - h.openedAt));
    // REQUEST_TIMEOUT_SECONDS counts from when the bot accepts a connection; a client's connect completes
    // in the kernel's queue before that, and accepting a burst of 1,500 takes the bot up to a second or
    // two on a busy 2-core machine (6,024 and 6,028 ms were seen in full runs; 5,018 ms alone).
    assert.ok(longest <= TIMEOUT_SECONDS * 1000 + 2000, `the longest-held socket stayed ${longest} ms`);
    return longest;
  }

  it('runs with an open-file limit of 1024', () => {
    assert.match(readFileSync(`/proc/${world.bot.pid}/limits`, 'utf8'), /^Max open files\s+1024\s+1024/m);
  });

  it(`holds ${SOCKETS} silent sockets from one client to its cap, keeps answering, and closes them within REQUEST_TIMEOUT_SECONDS`, async () => {
    const held = await openIdle(SOCKETS, ['127.0.0.2']);
    const answers = await stillAnswers();
    const open = await settledOpen(held);

    assert.deepEqual([answers.healthz[0], answers.delivery[0]], [200, 200]);
    assert.ok(answers.healthz[1] < 1000 && answers.delivery[1] < 1000, JSON.stringify(answers));
    assert.ok(open <= 100, `at most MAX_CONNECTIONS_PER_CLIENT held: ${open}`);
    const longest = await expectAllClosed(held);
    const metrics = await (await fetch(`${world.botUrl}/metrics`)).text();
    assert.match(metrics, /parkbot_connections_closed_total\{reason="per-client"\} \d{4}/);
    process.stdout.write(`      one client: ${open} of ${SOCKETS} held, healthz ${answers.healthz[1]} ms, delivery ${answers.delivery[1]} ms, all closed after at most ${longest} ms\n`);
  });

  it(`holds ${SOCKETS} silent sockets from 30 addresses below the file limit, keeps answering, and closes them`, async () => {
    const addresses = Array.from({ length: 30 }, (_, i) => `127.0.0.${10 + i}`);
    const held = await openIdle(SOCKETS, addresses);
    const answers = await stillAnswers();
    const open = await settledOpen(held);

    assert.deepEqual([answers.healthz[0], answers.delivery[0]], [200, 200]);
    assert.ok(answers.healthz[1] < 1000 && answers.delivery[1] < 1000, JSON.stringify(answers));
    assert.ok(open <= 1024 - 256, `below the open-file limit, with files kept free: ${open}`);
    const longest = await expectAllClosed(held);
    process.stdout.write(`      30 clients: ${open} of ${SOCKETS} held, healthz ${answers.healthz[1]} ms, delivery ${answers.delivery[1]} ms, all closed after at most ${longest} ms\n`);
  });
});
