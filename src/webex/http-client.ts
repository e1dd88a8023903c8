import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as undiciRequest, type FormData } from 'undici';
import type { z } from 'zod';
import { WebexApiError } from './errors.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import type { Logger } from '../logger.js';
import { assertCurrent } from '../fence.js';

export interface WebexRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the API base, e.g. `/telephony/calls/park`. */
  path: string;
  /** The bearer token the call is made with; the OAuth token endpoint takes none. */
  token?: string;
  json?: unknown;
  form?: Record<string, string>;
  /** A `multipart/form-data` body (a message with a file); undici sets its content type and boundary. */
  multipart?: FormData;
  /** The answer is checked against this before anyone inside the bot sees it. */
  schema: z.ZodType<T>;
  /** False for calls with an effect that must not happen twice. */
  safeToRepeat: boolean;
}

/** How long Webex may take to start answering, and then to go silent mid-answer. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * What a request is called in metrics and logs: its method and path with ids and the query left out.
 * Ids in a label would make a metric series per space and person, which grows without bound.
 */
export function endpointOf(method: string, path: string): string {
  return `${method} ${(path.split('?')[0] ?? '').replace(/\/[A-Za-z0-9+=_%-]{40,}/g, '/{id}')}`;
}

/** Told about every answered (or failed) request: endpoint, status or "network", and seconds taken. */
export type RequestObserver = (endpoint: string, status: string, seconds: number) => void;

/**
 * The only place that speaks HTTP to the Webex REST API, over undici's keep-alive connections. Its
 * `request` rather than `fetch`: a fifth of the CPU and a sixth of the garbage collections per call,
 * measured by `npm run bench` (fetch builds web streams and Request/Response objects the bot never uses).
 */
export class WebexHttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly logger: Logger,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly observe: RequestObserver = () => undefined,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  async request<T>(request: WebexRequest<T>): Promise<T> {
    let unclear = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once(request);
      } catch (error) {
        if (!(error instanceof WebexApiError)) throw error;
        error.afterUnclearTry = unclear;
        const delay = retryDelayMs(this.retryPolicy, error, attempt, request.safeToRepeat);
        this.logger.warn({ ...error.toLog(), attempt, retryInMs: delay }, 'Webex API call failed');
        if (delay === undefined) throw error;
        // Webex may have acted on it: only a 503 says it did not.
        unclear ||= (error.kind === 'unavailable' || error.kind === 'network') && error.status !== 503;
        await sleep(delay);
      }
    }
  }

  private async once<T>(request: WebexRequest<T>): Promise<T> {
    // Work for an event that another instance took over meanwhile changes nothing at Webex (src/fence.ts);
    // checked before every try, as a pause may come between two.
    if (request.method !== 'GET') await assertCurrent();
    const endpoint = endpointOf(request.method, request.path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    let body: string | FormData | undefined;
    if (request.multipart) {
      body = request.multipart;
    } else if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    } else if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const started = performance.now();
    const took = (): number => (performance.now() - started) / 1000;
    let status: number;
    let answerHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await undiciRequest(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: body ?? null,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      ({ statusCode: status, headers: answerHeaders } = response);
      text = await response.body.text();
    } catch (error) {
      this.observe(endpoint, 'network', took());
      throw new WebexApiError(endpoint, undefined, error instanceof Error ? error.message : 'network error');
    }
    this.observe(endpoint, String(status), took());
    const payload = parseJson(text);
    const header = (name: string): string | undefined => [answerHeaders[name]].flat()[0];
    const trackingId = header('trackingid') ?? stringField(payload, 'trackingId');
    if (status < 200 || status > 299) {
      const retryAfter = Number(header('retry-after') ?? NaN);
      throw new WebexApiError(
        endpoint,
        status,
        describe(payload) ?? STATUS_CODES[status] ?? `HTTP ${status}`,
        trackingId,
        Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
      );
    }
    const parsed = request.schema.safeParse(payload ?? {});
    if (!parsed.success) {
      throw new WebexApiError(endpoint, status, `unexpected response: ${parsed.error.issues[0]?.message ?? 'invalid'}`, trackingId, undefined, 'unexpected-response');
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringField(payload: unknown, key: string): string | undefined {
  const value = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Webex puts the reason in `errors[0].description` or `message`; OAuth errors use `error_description`. */
function describe(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const errors = (payload as { errors?: { description?: unknown }[] }).errors;
  const first = Array.isArray(errors) && typeof errors[0]?.description === 'string' ? errors[0].description : undefined;
  return first ?? stringField(payload, 'message') ?? stringField(payload, 'error_description');
}
