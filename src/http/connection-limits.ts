import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections one client address may hold; more are closed as they arrive. */
  perClient: number;
  /** Open connections in all, kept below the open-file limit so Webex calls and the database still get files. */
  total: number;
  /** How long a connection may stay silent (never sending a request, or idle with none under way). */
  idleMs: number;
}

/** Files kept free for everything but incoming connections: the database, Webex calls, Node itself. */
export const RESERVED_FILES = 256;

/** The process's soft open-file limit (Linux: /proc/self/limits), or undefined when it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return line && line !== 'unlimited' ? Number(line) : undefined;
  } catch {
    return undefined;
  }
}

/** The default total: the open-file limit less what is kept free, and never below 64. */
export function defaultTotalConnections(fileLimit = openFileLimit()): number {
  return Math.max(64, (fileLimit ?? 10_000) - RESERVED_FILES);
}

/** Why the server closed a connection itself. */
export type ConnectionCut = 'per-client' | 'total' | 'idle';

/**
 * Holds a server to its limits. Node cuts off a request whose headers or body arrive too slowly, but
 * not a connection that never sends a byte, and it caps nothing: enough silent connections from one
 * client used up the open-file limit and took /healthz and Webex's deliveries down with it. Here:
 * - a connection silent for `idleMs` with no request under way is closed (one that sent nothing, too);
 * - a client address over `perClient` has its new connection closed at once, so one client cannot
 *   crowd out the others (a trusted proxy's address is exempt: behind it are many clients);
 * - past `total`, the oldest connection with no request under way is closed to make room, so a
 *   crowd of idle connections from many addresses cannot lock Webex out either.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, isTrustedProxy: (address: string) => boolean, closed: (why: ConnectionCut) => void): void {
  /** Open connections, oldest first. */
  const open = new Set<Socket>();
  const byClient = new Map<string, number>();
  /** Connections with a request under way: never closed for room or for silence. */
  const busy = new Set<Socket>();

  server.keepAliveTimeout = Math.min(server.keepAliveTimeout, limits.idleMs);
  server.setTimeout(limits.idleMs, (socket: Socket) => {
    if (busy.has(socket)) return;
    closed('idle');
    open.delete(socket);
    socket.destroy();
  });

  server.on('request', (req, res) => {
    const socket = req.socket;
    busy.add(socket);
    res.once('close', () => busy.delete(socket));
  });

  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const counted = !isTrustedProxy(client);
    const held = byClient.get(client) ?? 0;
    if (counted && held >= limits.perClient) {
      closed('per-client');
      socket.destroy();
      return;
    }
    if (open.size >= limits.total) {
      const idlest = [...open].find((other) => !busy.has(other));
      closed('total');
      if (!idlest) {
        socket.destroy();
        return;
      }
      open.delete(idlest);
      idlest.destroy();
    }
    open.add(socket);
    if (counted) byClient.set(client, held + 1);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
      if (!counted) return;
      const left = (byClient.get(client) ?? 1) - 1;
      if (left > 0) byClient.set(client, left);
      else byClient.delete(client);
    });
  });
}
