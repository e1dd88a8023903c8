/**
 * Which HTTP client the bot's Webex calls cost least with: Node's `fetch` or undici's `request`
 * (the one `src/webex/http-client.ts` uses), each making the same keep-alive JSON POST to a local
 * server, one at a time, in this process.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import { request } from 'undici';
import { round } from './measure.js';

export interface ClientFigures {
  /** Wall time per request (µs), the server's handling included. */
  microsPerRequest: number;
  /** CPU time per request (µs), client and server. */
  cpuMicrosPerRequest: number;
  /** Garbage collections per 1,000 requests, and their pause time (ms). */
  collectionsPer1000: number;
  gcMsPer1000: number;
}

const ANSWER = JSON.stringify({ items: Array.from({ length: 5 }, (_, i) => ({ id: `Y2lzY29zcGFyazovL3VzL1BFT1BMRS9${i}`, displayName: 'Rita Reception' })) });
const HEADERS = { accept: 'application/json', authorization: 'Bearer token', 'content-type': 'application/json' };
const BODY = JSON.stringify({ callId: 'call', destination: '1000' });

export async function benchHttpClients(requests: number): Promise<Record<'fetch' | 'undiciRequest', ClientFigures>> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', trackingid: 'ROUTER_1' }).end(ANSWER));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/telephony/calls/park`;
  const clients = {
    // As the client used it before: a timeout signal, the body read as text.
    fetch: async () => (await fetch(url, { method: 'POST', headers: HEADERS, body: BODY, signal: AbortSignal.timeout(15_000) })).text(),
    undiciRequest: async () => (await request(url, { method: 'POST', headers: HEADERS, body: BODY, headersTimeout: 15_000, bodyTimeout: 15_000 })).body.text(),
  };
  let collections = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      collections += 1;
      gcMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const figures = {} as Record<keyof typeof clients, ClientFigures>;
  for (const [name, call] of Object.entries(clients) as [keyof typeof clients, () => Promise<string>][]) {
    for (let i = 0; i < requests / 10; i += 1) await call();
    collections = 0;
    gcMs = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < requests; i += 1) await call();
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    figures[name] = {
      microsPerRequest: round((elapsed * 1000) / requests),
      cpuMicrosPerRequest: round((used.user + used.system) / requests),
      collectionsPer1000: round((collections * 1000) / requests),
      gcMsPer1000: round((gcMs * 1000) / requests),
    };
  }
  observer.disconnect();
  server.close();
  return figures;
}
