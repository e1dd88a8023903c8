import type { Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { defaultTotalConnections, limitConnections } from './connection-limits.js';

export interface ListenSettings extends Pick<Config, 'port' | 'requestTimeoutMs' | 'connections'> {
  /** The address to listen on; every interface when unset. */
  host?: string | undefined;
}

/** Serves `app` on the configured port, with the server's own guards against slow and crowding clients. */
export async function listen(app: Express, settings: ListenSettings, metrics: Metrics, logger: Logger): Promise<{ server: Server; port: number }> {
  // A client that sends its request slowly is cut off rather than holding a connection open; Node
  // looks for such requests every `connectionsCheckingInterval`, which is set here to match. A
  // connection that sends nothing at all, and crowds of connections, are limitConnections' part.
  const headersTimeout = Math.min(settings.requestTimeoutMs, 10_000);
  const server: Server = createServer(
    {
      requestTimeout: settings.requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.min(settings.requestTimeoutMs / 2, 5_000),
    },
    app,
  );
  const trustedProxy = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  const connections = { perClient: settings.connections.perClient, total: settings.connections.total ?? defaultTotalConnections(), idleMs: headersTimeout };
  limitConnections(server, connections, (address) => trustedProxy(address, 0), (reason) => metrics.connectionsClosed.inc({ reason }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  logger.info(
    { event: 'http-listening', port, host: settings.host ?? 'all interfaces', maxConnections: connections.total, maxConnectionsPerClient: connections.perClient, idleSeconds: connections.idleMs / 1000 },
    'HTTP server listening',
  );
  return { server, port };
}
