import express, { type Router } from 'express';
import { badRequest } from './errors.js';
import type { SimOrg } from './org.js';
import type { SimTelephony } from './telephony.js';
import type { SimFault } from './model.js';

/**
 * What Webex does not offer but a try-out needs: ring a person, see everyone's calls, ask for
 * failures. Mounted at `/_sim`, never under the API base.
 */
export function controlRoutes({ org, telephony, faults }: { org: SimOrg; telephony: SimTelephony; faults: SimFault[] }): Router {
  const router = express.Router();
  router.use(express.json());

  router.get('/people', (_req, res) => {
    res.json({
      items: [...org.people.values()].map((person) => ({ ...person, calls: telephony.list(person.id) })),
      parked: [...telephony.parked.values()],
    });
  });

  router.post('/calls', (req, res) => {
    const body = req.body as { toPersonId?: unknown; fromName?: unknown; fromNumber?: unknown };
    if (typeof body.toPersonId !== 'string') throw badRequest('toPersonId is required');
    const call = telephony.placeIncomingCall({
      toPersonId: body.toPersonId,
      from: {
        ...(typeof body.fromName === 'string' ? { name: body.fromName } : {}),
        ...(typeof body.fromNumber === 'string' ? { number: body.fromNumber } : {}),
      },
    });
    res.status(201).json(call);
  });

  router.post('/faults', (req, res) => {
    const body = req.body as Partial<SimFault>;
    if (typeof body.method !== 'string' || typeof body.path !== 'string' || (typeof body.status !== 'number' && typeof body.delayMs !== 'number')) {
      throw badRequest('method, path and a status or delayMs are required');
    }
    const fault: SimFault = {
      method: body.method.toUpperCase(),
      path: body.path,
      ...(typeof body.status === 'number' ? { status: body.status } : {}),
      ...(typeof body.delayMs === 'number' ? { delayMs: body.delayMs } : {}),
      times: typeof body.times === 'number' ? body.times : 1,
      ...(typeof body.retryAfterSeconds === 'number' ? { retryAfterSeconds: body.retryAfterSeconds } : {}),
    };
    faults.push(fault);
    res.status(201).json(fault);
  });

  return router;
}
