import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import { webexId } from './ids.js';
import { badRequest, notFound, SimError } from './errors.js';
import { preciseNow } from './clock.js';
import type { SimOrg } from './org.js';
import { contentRoutes, postMultipartMessage, rawMultipart } from './uploads.js';
import type { SimTelephony } from './telephony.js';
import type { SimFault, SimOutage, SimPerson, SimRequestRecord, SimToken, SimWebhook } from './model.js';

export interface Caller {
  person: SimPerson;
  token: SimToken;
}

export interface ApiDeps {
  org: SimOrg;
  /** Each organisation's calls and park slots. */
  telephonyOf: (orgId: string) => SimTelephony;
  faults: SimFault[];
  /** Time windows in which matching requests fail (Webex down, or rate-limiting everyone). */
  outages?: SimOutage[];
}

const caller = (res: Response): Caller => res.locals.caller as Caller;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

function requireScope(res: Response, scope: string): void {
  const { token } = caller(res);
  if (token.kind !== 'bot' && !token.scopes.includes(scope)) throw new SimError(403, `The token lacks the ${scope} scope`);
}

function requireCalling(res: Response, scope: string): void {
  const { person } = caller(res);
  if (person.type === 'bot') throw new SimError(403, 'Bots cannot use call control');
  requireScope(res, scope);
  if (!person.extension && !person.phoneNumbers.length) throw new SimError(403, 'The user has no Webex Calling licence');
}

/** Keeps every request to `/v1` and its answer, with whose token it came; `onAnswered` hears of each. */
export function recordRequests(org: SimOrg, requests: SimRequestRecord[], onAnswered: (record: SimRequestRecord) => void = () => undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const found = org.personByToken(bearer(req));
    const record: SimRequestRecord = {
      method: req.method,
      path: req.path,
      query: { ...req.query },
      ...(found ? { personId: found.person.id, tokenKind: found.token.kind } : {}),
      status: 0,
      at: preciseNow(),
    };
    requests.push(record);
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      record.response = body;
      return json(body);
    };
    res.on('finish', () => {
      record.status = res.statusCode;
      record.answeredAt = preciseNow();
      if (req.is('application/json') && req.body !== undefined) record.body = req.body as unknown;
      if (req.is('multipart/form-data') && !Buffer.isBuffer(req.body)) record.body = req.body as unknown;
      onAnswered(record);
    });
    next();
  };
}

const bearer = (req: Request): string | undefined => /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];

/** Bearer token → person, then any failure the test has asked for. */
function authenticate(deps: ApiDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const found = deps.org.personByToken(bearer(req));
    if (!found) return next(new SimError(401, 'The request requires a valid access token set in the Authorization request header.'));
    res.locals.caller = found;
    const now = Date.now();
    const outage = deps.outages?.find(
      (o) =>
        o.until > now &&
        (!o.method || o.method === req.method) &&
        (!o.pathPrefix || req.path.startsWith(o.pathPrefix)) &&
        (!o.tokenKind || o.tokenKind === found.token.kind),
    );
    if (outage) {
      const words = outage.status === 429 ? 'Too many requests; try again later' : 'The service is temporarily unavailable';
      return next(new SimError(outage.status, words, outage.retryAfterSeconds));
    }
    const fault = deps.faults.find(
      (f) => f.times > 0 && f.method === req.method && req.path === f.path && (!f.personId || f.personId === found.person.id),
    );
    if (!fault) return next();
    fault.times -= 1;
    const { status } = fault;
    setTimeout(() => next(status ? new SimError(status, `Injected failure ${status}`, fault.retryAfterSeconds) : undefined), fault.delayMs ?? 0);
  };
}

function peopleRoutes(router: Router, { org }: ApiDeps): void {
  router.get('/people/me', (_req, res) => {
    res.json(caller(res).person);
  });
  const list = (req: Request, res: Response): void => {
    const ids = str(req.query.id)?.split(',') ?? [];
    const email = str(req.query.email);
    const people = ids.length
      ? ids.map((id) => org.people.get(id)).filter((p): p is SimPerson => Boolean(p))
      : email
        ? [org.personByEmail(email)].filter((p): p is SimPerson => Boolean(p))
        : [...org.people.values()];
    res.json({ items: people });
  };
  router.get('/people', list);
  router.get('/people/', list);
  router.get('/people/:id', (req, res) => {
    res.json(org.person(req.params.id));
  });
}

function roomRoutes(router: Router, { org }: ApiDeps): void {
  router.get('/rooms', (_req, res) => {
    const me = caller(res).person.id;
    res.json({ items: [...org.rooms.values()].filter((room) => org.isMember(room.id, me)) });
  });
  router.post('/rooms', (req, res) => {
    const title = str((req.body as { title?: unknown }).title);
    if (!title) throw badRequest('title is required');
    res.json(org.createRoom(caller(res).person.id, title));
  });
  router.get('/rooms/:id', (req, res) => {
    const room = org.room(req.params.id);
    if (!org.isMember(room.id, caller(res).person.id)) throw notFound('Room');
    res.json(room);
  });
  router.get('/memberships', (req, res) => {
    const me = caller(res).person.id;
    const roomId = str(req.query.roomId);
    const personId = str(req.query.personId);
    const inScope = roomId ? (org.isMember(roomId, me) ? org.membershipsOf(roomId) : []) : [...org.memberships.values()].filter((m) => m.personId === me);
    const items = inScope.filter((m) => !personId || m.personId === personId);
    res.json({ items });
  });
  router.post('/memberships', (req, res) => {
    const body = req.body as { roomId?: unknown; personId?: unknown; personEmail?: unknown };
    const roomId = str(body.roomId);
    if (!roomId || !org.isMember(roomId, caller(res).person.id)) throw notFound('Room');
    const email = str(body.personEmail);
    const person = str(body.personId) ? org.person(str(body.personId) as string) : email ? org.personByEmail(email) : undefined;
    if (!person) throw badRequest('personId or personEmail is required');
    res.json(org.addMember(roomId, person.id, caller(res).person.id));
  });
  router.get('/memberships/:id', (req, res) => {
    const membership = org.memberships.get(req.params.id);
    if (!membership || !org.isMember(membership.roomId, caller(res).person.id)) throw notFound('Membership');
    res.json(membership);
  });
}

function messageRoutes(router: Router, { org }: ApiDeps): void {
  router.post('/messages', rawMultipart, async (req, res) => {
    const sender = caller(res).person.id;
    if (req.is('multipart/form-data')) {
      res.json(await postMultipartMessage(req, org, sender, org.contents));
      return;
    }
    res.json(org.postMessage(sender, req.body as Parameters<SimOrg['postMessage']>[1]));
  });
  contentRoutes(router, org, org.contents, caller);
  router.get('/messages', (req, res) => {
    const me = caller(res).person.id;
    const roomId = str(req.query.roomId);
    if (!roomId || !org.isMember(roomId, me)) throw notFound('Room');
    const items = [...org.messages.values()].filter((m) => m.roomId === roomId && org.canRead(me, m)).reverse();
    res.json({ items });
  });
  router.get('/messages/:id', (req, res) => {
    res.json(org.message(caller(res).person.id, req.params.id));
  });
  router.put('/messages/:id', (req, res) => {
    res.json(org.editMessage(caller(res).person.id, req.params.id, req.body as { roomId: string }));
  });
  router.delete('/messages/:id', (req, res) => {
    org.deleteMessage(caller(res).person.id, req.params.id);
    res.status(204).end();
  });
  router.post('/attachment/actions', (req, res) => {
    const body = req.body as { type?: unknown; messageId?: unknown; inputs?: unknown };
    const messageId = str(body.messageId);
    if (body.type !== 'submit' || !messageId || typeof body.inputs !== 'object' || body.inputs === null) {
      throw badRequest('type "submit", messageId and inputs are required');
    }
    res.status(202).json(org.submitCard(caller(res).person.id, { messageId, inputs: body.inputs as Record<string, unknown> }));
  });
  router.get('/attachment/actions/:id', (req, res) => {
    res.json(org.attachmentAction(caller(res).person.id, req.params.id));
  });
}

/** The webhook `resource` and `event` values Webex accepts (the subset's enums, and the firehose `all`). */
const WEBHOOK_RESOURCES = new Set(['all', 'attachmentActions', 'memberships', 'messages', 'rooms', 'meetings', 'recordings', 'telephony_calls', 'telephony_conference', 'telephony_mwi']);
const WEBHOOK_EVENTS = new Set(['all', 'created', 'updated', 'deleted', 'started', 'ended', 'joined', 'left', 'migrated', 'authorized', 'deauthorized', 'statusChanged']);

/** Creating a webhook needs read access to its resource; a bot has no calling line to watch. */
function requireWebhookScope(res: Response, resource: string): void {
  if (resource === 'telephony_calls' && !caller(res).token.scopes.includes('spark:calls_read')) {
    throw new SimError(403, 'Creating a telephony_calls webhook needs a user token with the spark:calls_read scope');
  }
}

function webhookRoutes(router: Router, { org }: ApiDeps): void {
  const own = (res: Response, id: string): SimWebhook => {
    const webhook = org.webhooks.get(id);
    if (!webhook || webhook.createdBy !== caller(res).person.id) throw notFound('Webhook');
    return webhook;
  };
  const visible = ({ secret: _secret, ...webhook }: SimWebhook): Omit<SimWebhook, 'secret'> => webhook;
  const targetUrlOf = (body: Record<string, unknown>): string => {
    const targetUrl = str(body.targetUrl);
    if (!targetUrl || !/^https?:\/\//.test(targetUrl)) throw badRequest('targetUrl must be an http(s) URL');
    return targetUrl;
  };
  router.get('/webhooks', (_req, res) => {
    const me = caller(res).person.id;
    res.json({ items: [...org.webhooks.values()].filter((w) => w.createdBy === me).map(visible) });
  });
  router.post('/webhooks', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const name = str(body.name);
    const resource = str(body.resource);
    const event = str(body.event);
    if (!name || !resource || !event) throw badRequest('name, targetUrl, resource and event are required');
    if (!WEBHOOK_RESOURCES.has(resource) || !WEBHOOK_EVENTS.has(event)) throw badRequest(`${resource}/${event} is not a webhook Webex offers`);
    const targetUrl = targetUrlOf(body);
    requireWebhookScope(res, resource);
    const filter = str(body.filter);
    const secret = str(body.secret);
    const webhook: SimWebhook = {
      id: webexId('WEBHOOK'),
      name,
      targetUrl,
      resource,
      event,
      ...(filter ? { filter } : {}),
      ...(secret ? { secret } : {}),
      status: 'active',
      created: new Date().toISOString(),
      orgId: caller(res).person.orgId,
      createdBy: caller(res).person.id,
      appId: webexId('APPLICATION', 'simulator'),
      ownedBy: 'creator',
    };
    org.webhooks.set(webhook.id, webhook);
    res.json(visible(webhook));
  });
  router.get('/webhooks/:id', (req, res) => {
    res.json(visible(own(res, req.params.id)));
  });
  router.put('/webhooks/:id', (req, res) => {
    const webhook = own(res, req.params.id);
    const body = req.body as Record<string, unknown>;
    const name = str(body.name);
    if (!name) throw badRequest('name and targetUrl are required');
    const status = body.status === undefined ? webhook.status : body.status;
    if (status !== 'active' && status !== 'inactive') throw badRequest('status must be active or inactive');
    const secret = str(body.secret);
    Object.assign(webhook, { name, targetUrl: targetUrlOf(body), status, ...(secret ? { secret } : {}) });
    res.json(visible(webhook));
  });
  router.delete('/webhooks/:id', (req, res) => {
    org.webhooks.delete(own(res, req.params.id).id);
    res.status(204).end();
  });
}

function callRoutes(router: Router, { telephonyOf }: ApiDeps): void {
  const phones = (res: Response): SimTelephony => telephonyOf(caller(res).person.orgId);
  /** The line a request reaches: the caller's own, or the secondary line `lineOwnerId` names (refused unless on their phone). */
  const line = (res: Response, lineOwnerId: unknown): string => phones(res).lineOf(caller(res).person.id, lineOwnerId);
  const bodyOf = (req: Request): Record<string, unknown> => req.body as Record<string, unknown>;
  router.get('/telephony/calls', (req, res) => {
    requireCalling(res, 'spark:calls_read');
    res.json({ items: phones(res).list(line(res, req.query.lineOwnerId)) });
  });
  router.get('/telephony/calls/:callId', (req, res) => {
    requireCalling(res, 'spark:calls_read');
    res.json(phones(res).get(line(res, req.query.lineOwnerId), req.params.callId));
  });
  router.post('/telephony/calls/park', (req, res) => {
    requireCalling(res, 'spark:calls_write');
    res.json({ parkedAgainst: phones(res).park(caller(res).person.id, bodyOf(req)) });
  });
  router.post('/telephony/calls/retrieve', (req, res) => {
    requireCalling(res, 'spark:calls_write');
    res.status(201).json(phones(res).retrieve(caller(res).person.id, bodyOf(req)));
  });
  router.get('/telephony/config/people/me/settings/availablePreferredAnswerEndpoints', (_req, res) => {
    requireCalling(res, 'spark:telephony_config_read');
    res.json({ endpoints: phones(res).endpoints.of(caller(res).person.id) });
  });
  /** The caller's devices and applications, each with the secondary lines that appear on it (here: on the desk phone). */
  router.get('/telephony/config/people/me/endpoints', (_req, res) => {
    requireCalling(res, 'spark:telephony_config_read');
    const me = caller(res).person;
    const secondaryLines = phones(res).lines.of(me.id).map((l) => ({ id: l.id, memberType: l.memberType }));
    res.json({
      endpoints: phones(res).endpoints.of(me.id).map((endpoint) => ({
        id: endpoint.id,
        type: endpoint.type === 'DEVICE' ? 'CALLING_DEVICE' : 'APPLICATION',
        name: endpoint.name,
        autoAndForcedAnswerEnabled: endpoint.type === 'DEVICE',
        ownerId: me.id,
        ownerType: 'PEOPLE',
        ...(endpoint.type === 'DEVICE' && secondaryLines.length ? { secondaryLines } : {}),
      })),
    });
  });
  /** The caller's own line and each secondary line, with number and extension; refused to people without the feature. */
  router.get('/telephony/config/people/me/settings/contactCenterExtensions', (_req, res) => {
    requireCalling(res, 'spark:telephony_config_read');
    const me = caller(res).person;
    if (phones(res).ccExtensionsRefused.has(me.id)) throw new SimError(403, 'The user is not entitled to this feature');
    const own = { directNumber: me.phoneNumbers[0]?.value ?? '', extension: me.extension ?? '', type: 'PRIMARY', lineOwnerType: 'PEOPLE', lineOwnerId: me.id };
    const secondary = phones(res)
      .lines.of(me.id)
      .map((l) => ({ directNumber: l.phoneNumber ?? '', extension: l.extension ?? '', type: 'SECONDARY', lineOwnerType: l.memberType, lineOwnerId: l.id }));
    res.json({ ccExtensions: [own, ...secondary] });
  });
  router.post('/telephony/calls/dial', (req, res) => {
    requireCalling(res, 'spark:calls_write');
    const call = phones(res).dial(caller(res).person.id, { destination: bodyOf(req).destination });
    res.status(201).json({ callId: call.id, callSessionId: call.callSessionId });
  });
  router.post('/telephony/calls/answer', (req, res) => {
    requireCalling(res, 'spark:calls_write');
    phones(res).answer(line(res, bodyOf(req).lineOwnerId), bodyOf(req).callId);
    res.status(204).end();
  });
  router.post('/telephony/calls/hangup', (req, res) => {
    requireCalling(res, 'spark:calls_write');
    phones(res).hangup(line(res, bodyOf(req).lineOwnerId), bodyOf(req).callId);
    res.status(204).end();
  });
}

/** The bearer-token REST API under `/v1`. */
export function apiRoutes(deps: ApiDeps): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  router.use(authenticate(deps));
  peopleRoutes(router, deps);
  roomRoutes(router, deps);
  messageRoutes(router, deps);
  webhookRoutes(router, deps);
  callRoutes(router, deps);
  router.use((_req, _res, next) => next(notFound('Resource')));
  return router;
}

/** Every refusal in Webex's error shape, with a tracking id and `Retry-After` where it applies. */
export function webexErrorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const error =
    err instanceof SimError
      ? err
      : err instanceof SyntaxError
        ? new SimError(400, 'The request body is not valid JSON')
        : new SimError(500, 'Internal server error');
  const trackingId = `SIM_${randomUUID()}`;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  res.set('TrackingID', trackingId);
  res.status(error.status).json({ message: error.message, errors: [{ description: error.message }], trackingId });
}
