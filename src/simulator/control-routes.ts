import express, { type Router } from 'express';
import { badRequest } from './errors.js';
import type { SimOrg } from './org.js';
import type { SimTelephony } from './telephony.js';
import type { SimFault, SimOutage } from './model.js';

/**
 * What Webex does not offer but a try-out needs: ring a person, see everyone's calls, ask for
 * failures. Mounted at `/_sim`, never under the API base.
 */
export function controlRoutes({
  org,
  telephony,
  telephonyOf,
  faults,
  outages = [],
}: {
  org: SimOrg;
  telephony: SimTelephony;
  telephonyOf: (orgId: string) => SimTelephony;
  faults: SimFault[];
  outages?: SimOutage[];
}): Router {
  const router = express.Router();
  router.use(express.json());
  const phonesOf = (personId: string): SimTelephony => telephonyOf(org.person(personId).orgId);

  router.get('/people', (_req, res) => {
    res.json({
      items: [...org.people.values()].map((person) => ({
        ...person,
        calls: phonesOf(person.id).list(person.id),
        ...(person.type === 'person' ? { endpoints: phonesOf(person.id).endpoints.of(person.id) } : {}),
      })),
      parked: [...telephony.parked.values()],
    });
  });

  router.post('/calls', (req, res) => {
    const body = req.body as { toPersonId?: unknown; fromName?: unknown; fromNumber?: unknown };
    if (typeof body.toPersonId !== 'string') throw badRequest('toPersonId is required');
    const call = phonesOf(body.toPersonId).placeIncomingCall({
      toPersonId: body.toPersonId,
      answer: (req.body as { answer?: unknown }).answer !== false,
      from: {
        ...(typeof body.fromName === 'string' ? { name: body.fromName } : {}),
        ...(typeof body.fromNumber === 'string' ? { number: body.fromNumber } : {}),
      },
    });
    res.status(201).json(call);
  });

  /** An admin puts a secondary line (the main number, say) on people's phones: `{ displayName, extension?, phoneNumber?, sharedWith }`. */
  router.post('/lines', (req, res) => {
    const body = req.body as { displayName?: unknown; extension?: unknown; phoneNumber?: unknown; sharedWith?: unknown };
    const sharedWith = Array.isArray(body.sharedWith) ? body.sharedWith.filter((id): id is string => typeof id === 'string') : [];
    if (typeof body.displayName !== 'string' || !body.displayName || sharedWith.length === 0) throw badRequest('displayName and sharedWith (person ids) are required');
    const orgId = org.person(sharedWith[0] as string).orgId;
    const line = telephonyOf(orgId).lines.add({
      displayName: body.displayName,
      ...(typeof body.extension === 'string' ? { extension: body.extension } : {}),
      ...(typeof body.phoneNumber === 'string' ? { phoneNumber: body.phoneNumber } : {}),
      sharedWith,
    });
    res.status(201).json(line);
  });

  /** An outside caller rings a secondary line (answered at once unless `answer: false`). */
  router.post('/lines/:lineId/calls', (req, res) => {
    const body = req.body as { fromName?: unknown; fromNumber?: unknown; answer?: unknown };
    const phones = org.orgIds.map((orgId) => telephonyOf(orgId)).find((t) => t.lines.byId.has(req.params.lineId));
    if (!phones) throw badRequest('No such line');
    const call = phones.placeIncomingCallOnLine(
      req.params.lineId,
      { ...(typeof body.fromName === 'string' ? { name: body.fromName } : {}), ...(typeof body.fromNumber === 'string' ? { number: body.fromNumber } : {}) },
      body.answer !== false,
    );
    res.status(201).json(call);
  });

  /** What a person does on their phone: answer or hang up (decline) a call, dial, pick a parked call up. */
  router.post('/phones/:personId/:action', (req, res) => {
    const { personId, action } = req.params;
    const phones = phonesOf(personId);
    const body = req.body as { callId?: unknown; parkedOn?: unknown; destination?: unknown };
    if (action === 'answer') res.json(phones.answer(personId, body.callId));
    else if (action === 'hangup') {
      phones.hangup(personId, body.callId);
      res.status(204).end();
    } else if (action === 'dial') res.json(phones.dial(personId, { destination: body.destination }));
    else if (action === 'pickup' && typeof body.parkedOn === 'string') res.json(phones.pickUpFromPhone(personId, body.parkedOn));
    else throw badRequest('action is answer, hangup, dial (with destination) or pickup (with parkedOn)');
  });

  /** An admin takes a device away from the person: a retrieve naming it is refused from now on. */
  router.delete('/phones/:personId/endpoints/:endpointId', (req, res) => {
    phonesOf(req.params.personId).endpoints.remove(req.params.personId, req.params.endpointId);
    res.status(204).end();
  });

  /** The outside caller of a parked call hangs up; no one is told. */
  router.post('/parked/:number/hangup', (req, res) => {
    telephony.callerHangsUp({ parkedOn: req.params.number });
    res.status(204).end();
  });

  /** The recall time is up for a parked call now, rather than after `recallMs`. */
  router.post('/parked/:number/recall', (req, res) => {
    res.json(telephony.recall(req.params.number));
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

  /** Webex fails every matching request for `forMs`: `{ status, forMs, retryAfterSeconds?, method?, pathPrefix?, tokenKind? }`. */
  router.post('/outages', (req, res) => {
    const body = req.body as Partial<SimOutage> & { forMs?: unknown };
    if (typeof body.status !== 'number' || typeof body.forMs !== 'number') throw badRequest('status and forMs are required');
    const outage: SimOutage = {
      status: body.status,
      until: Date.now() + body.forMs,
      ...(typeof body.retryAfterSeconds === 'number' ? { retryAfterSeconds: body.retryAfterSeconds } : {}),
      ...(typeof body.method === 'string' ? { method: body.method.toUpperCase() } : {}),
      ...(typeof body.pathPrefix === 'string' ? { pathPrefix: body.pathPrefix } : {}),
      ...(body.tokenKind === 'access' || body.tokenKind === 'bot' ? { tokenKind: body.tokenKind } : {}),
    };
    outages.push(outage);
    res.status(201).json(outage);
  });

  return router;
}
