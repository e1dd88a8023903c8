import express, { type Router } from 'express';
import type { Metrics } from '../ops/metrics.js';

export interface Readiness {
  /** Throws when the database cannot be reached. */
  database(): Promise<void>;
  framework(): boolean;
}

/** Liveness, readiness and Prometheus metrics for whoever runs the bot. */
export function opsRoutes(readiness: Readiness, metrics: Metrics): Router {
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
    const ready = database === 'ok' && framework === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: { database, framework } });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
