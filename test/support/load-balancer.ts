import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How long an instance that did not answer, or answered 503 (it is stopping), is left out: deploy/Caddyfile's `fail_duration`. */
const LEFT_OUT_MS = 10_000;

/**
 * A round-robin HTTP load balancer in front of several bot instances, as deploy/Caddyfile sets up
 * Caddy: each request goes to the next instance, or to the one after when that one does not answer;
 * an instance that did not answer or answered 503 is left out for a while (a passive health check).
 */
export class LoadBalancer {
  private next = 0;
  private readonly leftOutUntil = new Map<number, number>();
  private server?: Server;
  /** Which instance (by index) each request went to. */
  readonly routed: number[] = [];

  constructor(private readonly ports: number[]) {}

  async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks), res, 0));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
  }

  private forward(method: string, url: string, headers: import('node:http').IncomingHttpHeaders, body: Buffer, res: import('node:http').ServerResponse, tried: number): void {
    const index = this.pick();
    const upstream = request({ host: '127.0.0.1', port: this.ports[index], method, path: url, headers }, (answer) => {
      this.routed.push(index);
      if (answer.statusCode === 503) this.leftOutUntil.set(index, Date.now() + LEFT_OUT_MS);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      this.leftOutUntil.set(index, Date.now() + LEFT_OUT_MS);
      if (tried + 1 < this.ports.length) this.forward(method, url, headers, body, res, tried + 1);
      else res.writeHead(502).end();
    });
    upstream.end(body);
  }

  /** The next instance in turn that is not left out; when every one is, the next in turn. */
  private pick(): number {
    const now = Date.now();
    for (let i = 0; i < this.ports.length; i += 1) {
      const index = this.next++ % this.ports.length;
      if ((this.leftOutUntil.get(index) ?? 0) <= now) return index;
    }
    return this.next++ % this.ports.length;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
