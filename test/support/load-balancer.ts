import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP load balancer in front of several bot instances, as in production: each request
 * goes to the next instance, or to the one after when that one does not answer.
 */
export class LoadBalancer {
  private next = 0;
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
    const index = this.next++ % this.ports.length;
    const upstream = request({ host: '127.0.0.1', port: this.ports[index], method, path: url, headers }, (answer) => {
      this.routed.push(index);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (tried + 1 < this.ports.length) this.forward(method, url, headers, body, res, tried + 1);
      else res.writeHead(502).end();
    });
    upstream.end(body);
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
