/** What went wrong, in the terms the bot reacts to; one per Webex status family. */
export type WebexErrorKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'locked'
  | 'rate-limited'
  | 'unavailable'
  | 'unexpected-response'
  | 'network';

export function kindForStatus(status: number): WebexErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 423) return 'locked';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'unavailable';
  return 'bad-request';
}

/**
 * One error type for every failed Webex call. It carries what an operator needs to follow the
 * failure up with Webex (endpoint, status, trackingId) and never the token or request body.
 */
export class WebexApiError extends Error {
  readonly kind: WebexErrorKind;
  /**
   * An earlier try of the same request failed without saying whether Webex acted on it (a 5xx other
   * than 503, no answer): this answer may be about what that try did (a park repeated after its answer
   * was lost finds the call gone, because it is parked).
   */
  afterUnclearTry = false;

  constructor(
    readonly endpoint: string,
    readonly status: number | undefined,
    readonly description: string,
    readonly trackingId?: string,
    readonly retryAfterSeconds?: number,
    kind?: WebexErrorKind,
  ) {
    super(`${endpoint} failed${status ? ` with ${status}` : ''}: ${description}`);
    this.name = 'WebexApiError';
    this.kind = kind ?? (status === undefined ? 'network' : kindForStatus(status));
  }

  /** The fields worth a log line. */
  toLog(): Record<string, unknown> {
    return { endpoint: this.endpoint, status: this.status, kind: this.kind, trackingId: this.trackingId, description: this.description };
  }
}

/** Webex failing for now (5xx, no answer, rate limits): the same request later may well work. */
export function isPassing(error: unknown): error is WebexApiError {
  return error instanceof WebexApiError && (error.kind === 'unavailable' || error.kind === 'network' || error.kind === 'rate-limited' || error.kind === 'locked');
}
