import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Webex's own structure for every operation the bot uses (spec/webex-openapi-subset.json, a copy of
 * shared/webex-spec/openapi-subset.json). The subset keeps OpenAPI's paths and components but writes
 * each request body and each response as a bare JSON Schema, so Ajv validates against JSON pointers
 * into the document rather than through an OpenAPI middleware.
 */
export const SPEC_FILE = join(__dirname, '..', '..', 'spec', 'webex-openapi-subset.json');

/**
 * An operation or schema the bot uses that the shared subset lacks is added to the vendored copy with
 * this field, saying where Webex documents it; everything else is the shared subset to the letter.
 */
export const ADDITION_MARK = 'x-parkbot-addition';

/** The vendored subset as shared/webex-spec has it: every operation and schema marked as ours taken out. */
export function withoutAdditions(document: unknown): unknown {
  type Spec = { paths: Record<string, Record<string, object>>; components: { schemas: Record<string, object> } };
  const { paths, components, ...rest } = document as Spec;
  const shared = (record: Record<string, object>): Record<string, object> => Object.fromEntries(Object.entries(record).filter(([, value]) => !(ADDITION_MARK in value)));
  const sharedPaths: Record<string, object> = {};
  for (const [path, operations] of Object.entries(paths)) {
    const kept = shared(operations);
    if (Object.keys(kept).length) sharedPaths[path] = kept;
  }
  return { ...rest, paths: sharedPaths, components: { ...components, schemas: shared(components.schemas) } };
}

/** Reached by the bot but documented outside the subset (NOTES.md: OAuth 2). */
const OUTSIDE_THE_SUBSET = new Set(['GET /authorize', 'POST /authorize', 'POST /access_token']);

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: { type?: string };
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

interface SpecDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
}

/** One request as the simulator saw and answered it. */
export interface Exchange {
  method: string;
  /** Relative to the API base, e.g. `/telephony/calls/park`. */
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  status: number;
  response?: unknown;
}

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * Where Webex's published OpenAPI and its documented behaviour part (NOTES.md), the NOTES shape is
 * checked instead and the field is taken out before the subset's schema sees the value:
 * - the subset's `Attachment` describes file attachments; a card is `{ contentType, content }`
 *   ("Messaging": one card per message);
 * - the subset's webhook enums leave out the firehose `resource: all, event: all` ("Messaging").
 */
function documentedDepartures(value: unknown): { rest: unknown; problems: string[] } {
  if (!value || typeof value !== 'object') return { rest: value, problems: [] };
  const record = { ...(value as Record<string, unknown>) };
  const problems: string[] = [];
  if (Array.isArray(record.attachments)) {
    const attachments = record.attachments as { contentType?: unknown; content?: unknown }[];
    if (attachments.length > 1) problems.push('more than one attachment');
    for (const attachment of attachments) {
      if (attachment.contentType !== CARD_CONTENT_TYPE || typeof attachment.content !== 'object' || attachment.content === null) {
        problems.push(`attachment is not { contentType: "${CARD_CONTENT_TYPE}", content: {…} }`);
      }
    }
    delete record.attachments;
  }
  if (record.resource === 'all' && record.event === 'all') {
    // Checked as any other webhook would be, field for field.
    record.resource = 'messages';
    record.event = 'created';
  }
  if (Array.isArray(record.items)) {
    const items = record.items.map((item) => documentedDepartures(item));
    items.forEach((item) => problems.push(...item.problems));
    record.items = items.map((item) => item.rest);
  }
  return { rest: record, problems };
}

const pointer = (...parts: string[]): string => `webex#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');

export class WebexContract {
  readonly document: SpecDocument;
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp; params: number }[];

  constructor(file = SPEC_FILE) {
    this.document = JSON.parse(readFileSync(file, 'utf8')) as SpecDocument;
    this.ajv.addSchema(this.document, 'webex');
    this.ajv.addSchema(this.callEventSchema(), 'call-event');
    // A literal path (`/people/me`) wins over a template that would also match it (`/people/{personId}`).
    this.templates = Object.keys(this.document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      .sort((a, b) => a.params - b.params);
  }

  /** Every way `exchange` departs from the subset; empty when it conforms. */
  check(exchange: Exchange): string[] {
    const method = exchange.method.toUpperCase();
    // The SDK asks for `/people/?id=…`; Webex treats the trailing slash as the same path.
    const path = exchange.path.length > 1 ? exchange.path.replace(/\/+$/, '') : exchange.path;
    const where = `${method} ${path}`;
    if (OUTSIDE_THE_SUBSET.has(where)) return [];
    const template = this.templates.find((t) => t.pattern.test(path) && this.document.paths[t.template]?.[method.toLowerCase()]);
    if (!template) return [`${where}: not an operation of the Webex API subset`];
    const operation = this.document.paths[template.template]?.[method.toLowerCase()] as Operation;
    const base = [`paths`, template.template, method.toLowerCase()];
    const problems: string[] = [];

    for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
      const value = exchange.query?.[parameter.name];
      if (value === undefined) {
        if (parameter.required) problems.push(`${where}: query parameter ${parameter.name} is required`);
      } else if (!queryValueFits(value, parameter.schema.type)) {
        problems.push(`${where}: query parameter ${parameter.name}=${JSON.stringify(value)} is not a ${parameter.schema.type ?? 'value'}`);
      }
    }
    if (operation.requestBody && exchange.body !== undefined) {
      problems.push(...this.validate(pointer(...base, 'requestBody'), exchange.body).map((p) => `${where}: request body ${p}`));
    }
    const status = String(exchange.status);
    // 0: the client went away (a bot killed on purpose) before any answer was sent.
    if (status === '0') return problems;
    if (!(status in operation.responses)) {
      problems.push(`${where}: answered ${status}, which the operation does not document (${Object.keys(operation.responses).join(', ')})`);
    } else if (operation.responses[status]) {
      if (exchange.response === undefined) problems.push(`${where}: answered ${status} without the documented body`);
      else problems.push(...this.validate(pointer(...base, 'responses', status), exchange.response).map((p) => `${where}: ${status} body ${p}`));
    }
    return problems;
  }

  /** A webhook delivery's envelope (the subset's `Webhook`) and, for call events, its `data`. */
  checkDelivery(body: string): string[] {
    const delivery = JSON.parse(body) as { resource?: string; data?: unknown };
    const problems: string[] = [];
    const envelope = this.validator(pointer('components', 'schemas', 'Webhook'));
    if (!envelope(delivery)) problems.push(`delivery envelope ${describeErrors(envelope.errors)}`);
    for (const field of ['id', 'name', 'targetUrl', 'resource', 'event', 'orgId', 'createdBy', 'appId', 'ownedBy', 'status', 'created', 'actorId', 'data']) {
      if (!(field in (delivery as object))) problems.push(`delivery envelope lacks ${field}`);
    }
    if (delivery.resource === 'telephony_calls') {
      const data = this.validator('call-event');
      if (!data(delivery.data)) problems.push(`telephony_calls data ${describeErrors(data.errors)}`);
    }
    return problems;
  }

  private validate(ref: string, value: unknown): string[] {
    const { rest, problems } = documentedDepartures(value);
    const validate = this.validator(ref);
    return validate(rest) ? problems : [...problems, describeErrors(validate.errors)];
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    return validate;
  }

  /**
   * A call event's `data` (NOTES.md, "Call events webhook"): the subset's `Call`, except that the
   * call's id is `callId`, plus `eventType` and `eventTimestamp`.
   */
  private callEventSchema(): Record<string, unknown> {
    const call = this.document.components.schemas.Call;
    if (!call) throw new Error('the subset has no Call schema');
    // Copied out of the document, its `#/components/…` references must name the document.
    const { id: _id, ...properties } = JSON.parse(JSON.stringify(call.properties).replace(/"#\/components\//g, '"webex#/components/')) as Record<string, unknown>;
    return {
      type: 'object',
      properties: {
        ...properties,
        callId: { type: 'string' },
        eventType: { type: 'string' },
        eventTimestamp: { type: 'string' },
        disconnected: { type: 'string' },
        completedElsewhere: { type: 'boolean' },
        personId: { type: 'string' },
        endpointId: { type: 'string' },
        endpointType: { type: 'string' },
      },
      required: [...(call.required ?? []).map((field) => (field === 'id' ? 'callId' : field)), 'eventType', 'eventTimestamp'],
    };
  }
}

function queryValueFits(value: unknown, type: string | undefined): boolean {
  if (typeof value !== 'string') return type === 'array' && Array.isArray(value);
  if (type === 'number') return value.trim() !== '' && Number.isFinite(Number(value));
  if (type === 'boolean') return value === 'true' || value === 'false';
  return true;
}
