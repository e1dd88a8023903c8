import express from 'express';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { apiRoutes, recordRequests, webexErrorHandler } from './api-routes.js';
import { oauthRoutes } from './oauth-routes.js';
import { controlRoutes } from './control-routes.js';
import { SimOrg } from './org.js';
import { SimTelephony } from './telephony.js';
import { SimOAuth } from './oauth.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { onlyHosts } from '../http/only-hosts.js';
import type { SimFault, SimOutage, SimRequestRecord } from './model.js';

/** The Webex catalog service the SDK asks for on start; an empty catalog keeps it on `/v1`. */
const U2C_PATH = '/u2c/api/v1';

export interface WebexSimulator {
  /** e.g. `http://127.0.0.1:4321` */
  url: string;
  /** Base of the REST API: `${url}/v1`, what the bot takes as WEBEX_API_URL. */
  apiUrl: string;
  /** What the SDK takes as U2C_SERVICE_URL. */
  u2cUrl: string;
  org: SimOrg;
  /** The home organisation's calls and park slots. */
  telephony: SimTelephony;
  /** Another organisation, with its own people's calls and park slots (its own 2001). */
  addOrganisation(): { orgId: string; telephony: SimTelephony };
  /** The calls and park slots of the organisation `orgId`. */
  telephonyOf(orgId: string): SimTelephony;
  oauth: SimOAuth;
  webhooks: WebhookDispatcher;
  faults: SimFault[];
  requests: SimRequestRecord[];
  /** Hears of every answered API request (`request`), for measurements. */
  events: EventEmitter<{ request: [SimRequestRecord] }>;
  /** Adds a failure for the next `times` matching requests (default once). */
  failNext(fault: Omit<SimFault, 'times'> & { times?: number }): void;
  /** Every matching request fails for the next `forMs` (Webex down, or a 429 storm); see SimOutage. */
  outage(outage: Omit<SimOutage, 'until'> & { forMs: number }): void;
  outages: SimOutage[];
  close(): Promise<void>;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** How long a parked call waits before ringing back its parker (Webex's default: 45 s). */
  recallMs?: number;
  /** Answer only requests whose Host header names one of these (port aside); any Host when unset. */
  allowedHosts?: string[];
  /**
   * A network's distance (ms): each request is handled half of this after it arrives and answered this
   * long after it arrived, as a Webex 30–150 ms away would. 0 (the default) answers at once.
   */
  rttMs?: number;
}

/**
 * Holds each request back half a round trip on its way in, and answers it a whole round trip after it
 * arrived: the handling takes place half-way and costs no extra time unless it outlasts the other half.
 * One deadline rather than two delays, so that timers firing late do not add up into the distance.
 */
function networkDistance(rttMs: number): express.RequestHandler {
  return (_req, res, next) => {
    const answerAt = performance.now() + rttMs;
    const end = res.end.bind(res) as (...args: unknown[]) => unknown;
    res.end = ((...args: unknown[]) => {
      setTimeout(() => end(...args), Math.max(0, answerAt - performance.now()));
      return res;
    }) as typeof res.end;
    setTimeout(next, rttMs / 2);
  };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<WebexSimulator> {
  const org = new SimOrg();
  const recall = options.recallMs === undefined ? {} : { recallMs: options.recallMs };
  const telephony = new SimTelephony(org, recall);
  const telephonies = new Map([[org.orgId, telephony]]);
  const telephonyOf = (orgId: string): SimTelephony => {
    const found = telephonies.get(orgId);
    if (!found) throw new Error(`No organisation ${orgId}`);
    return found;
  };
  const addOrganisation = (): { orgId: string; telephony: SimTelephony } => {
    const orgId = org.addOrganisation();
    const theirs = new SimTelephony(org, { ...recall, orgId });
    telephonies.set(orgId, theirs);
    return { orgId, telephony: theirs };
  };
  const oauth = new SimOAuth(org);
  const webhooks = new WebhookDispatcher(org);
  const faults: SimFault[] = [];
  const outages: SimOutage[] = [];
  const requests: SimRequestRecord[] = [];
  const events = new EventEmitter<{ request: [SimRequestRecord] }>();

  const app = express();
  app.disable('x-powered-by');
  if (options.allowedHosts) app.use(onlyHosts(options.allowedHosts));
  // Recorded on arrival, before the distance: a record spans the request as its sender waits for it.
  app.use('/v1', recordRequests(org, requests, (record) => events.emit('request', record)));
  if (options.rttMs) app.use(['/v1', U2C_PATH], networkDistance(options.rttMs));
  const catalog = { serviceLinks: {}, hostCatalog: {} };
  app.get([`${U2C_PATH}/limited/catalog`, `${U2C_PATH}/catalog`], (_req, res) => {
    res.json(catalog);
  });
  app.use('/v1', oauthRoutes(org, oauth));
  app.use('/v1', apiRoutes({ org, telephonyOf, faults, outages }));
  app.use('/_sim', controlRoutes({ org, telephony, telephonyOf, faults, outages }));
  app.use(webexErrorHandler);

  const host = options.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, host, () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;

  return {
    url,
    apiUrl: `${url}/v1`,
    u2cUrl: `${url}${U2C_PATH}`,
    org,
    telephony,
    addOrganisation,
    telephonyOf,
    oauth,
    webhooks,
    faults,
    requests,
    events,
    failNext: (fault) => faults.push({ times: 1, ...fault }),
    outage: ({ forMs, ...outage }) => outages.push({ ...outage, until: Date.now() + forMs }),
    outages,
    close: async () => {
      for (const phones of telephonies.values()) phones.reset();
      await webhooks.settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
