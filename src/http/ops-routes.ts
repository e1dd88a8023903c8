import express, { type Router } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../ops/metrics.js';

export interface Readiness {
  /** Throws when the database cannot be reached. */
  database(): Promise<void>;
  framework(): boolean;
  /** 'unreadable' while the delivery spool is stuck at an entry it cannot read: kept deliveries wait. */
  spool(): 'ok' | 'unreadable';
  /** Whether the bot's webhooks were found right at the last check. */
  webhooks(): 'ok' | 'failing' | 'unknown';
}

/** Liveness, readiness and Prometheus metrics for whoever runs the bot. */
export function opsRoutes(readiness: Readiness, metrics: Metrics, metricsToken?: string): Router {
  const router = express.Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const database = await readiness.database().then(
      () => 'ok',
      () => 'unreachable',
    );
    const framework = readiness.framework() ? 'ok' : 'not-ready';
    // Reported, not required: the webhooks are shared, so no instance is readier than another.
    const webhooks = readiness.webhooks();
    const spool = readiness.spool();
    const ready = database === 'ok' && framework === 'ok' && spool === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: { database, framework, spool, webhooks } });
  });

  router.get('/metrics', async (req, res) => {
    if (metricsToken && !bearerMatches(req.get('authorization'), metricsToken)) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'Metrics need the METRICS_TOKEN as a bearer token' });
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}
