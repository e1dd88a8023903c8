import type { WebexApiError } from './errors.js';

/**
 * When to try a Webex call again. 429 and 423 wait what `Retry-After` says (bounded); 5xx and network
 * failures back off exponentially. Everything else is final.
 */
export interface RetryPolicy {
  maxAttempts: number;
  /** A Retry-After longer than this is not waited for: the user is told to try later instead. */
  maxRetryAfterMs: number;
  baseBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, maxRetryAfterMs: 10_000, baseBackoffMs: 300 };

/**
 * How long to wait before attempt `attempt + 1`, or undefined when the error is final.
 * A request that is not safe to repeat (a retrieve rings the user's phone) is retried only when Webex
 * said it did not act on it: 429, 423 or 503.
 */
export function retryDelayMs(policy: RetryPolicy, error: WebexApiError, attempt: number, safeToRepeat: boolean): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  if (error.kind === 'rate-limited' || error.kind === 'locked') {
    const waitMs = (error.retryAfterSeconds ?? 1) * 1000;
    return waitMs <= policy.maxRetryAfterMs ? waitMs : undefined;
  }
  const notActedOn = error.status === 503;
  if ((error.kind === 'unavailable' || error.kind === 'network') && (safeToRepeat || notActedOn)) {
    return policy.baseBackoffMs * 2 ** (attempt - 1);
  }
  return undefined;
}
