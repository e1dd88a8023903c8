import type { RequestHandler } from 'express';

/**
 * Refuses requests addressed to any other host name: a DNS-rebinding page (attacker.example resolving
 * to 127.0.0.1) cannot reach a server that answers only to its own names. Used by the bot's port in
 * playground mode and by the simulator's port in the playground.
 */
export function onlyHosts(hosts: string[]): RequestHandler {
  const allowed = new Set(hosts.map((host) => host.toLowerCase()));
  return (req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (allowed.has(host)) return next();
    res.status(403).json({ error: `This server only answers at ${hosts[0] ?? 'localhost'}` });
  };
}
