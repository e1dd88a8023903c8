import { request, Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SqliteStore } from '../../src/storage/sqlite-store.js';

/**
 * The embedded store under HTTP load, in a process of its own: every request opens the store (its
 * migration check prepares statements), works it, and drops it, half of them without closing, so
 * statements keep becoming garbage while deliveries stream in, and the collector finalises them in
 * the middle of stream callbacks, as in a busy bot. better-sqlite3 before 13 aborted here on Node
 * 24.19+ (`Assertion failed: (env) != nullptr` from `Statement::~Statement`). Prints how many
 * requests it served and exits 0 when it survives.
 */
async function churn(seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parkbot-churn-'));
  const file = join(dir, 'churn.db');
  let served = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    await nextTurn();
    const store = new SqliteStore(file);
    const key = `event:${served}`;
    await store.takeDelivery(key, body, Date.now(), 30_000);
    await store.finishDelivery(key, Date.now());
    const waiting = await store.waitingInRoom(`room-${served % 7}`);
    if (served % 2 === 0) await store.close();
    served += 1;
    res.end(JSON.stringify({ waiting: waiting.length, padding: 'x'.repeat(2000) }));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  const post = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', agent }, (res) => res.resume().on('end', resolve));
      req.on('error', reject).end('y'.repeat(500));
    });
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (Date.now() < deadline) await post();
    }),
  );
  agent.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`served ${served}\n`);
}

churn(Number(process.argv[2] ?? 10)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
