/** A Webex-style refusal: the HTTP layer turns it into `{ message, errors, trackingId }` with this status. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

export const notFound = (what: string): SimError => new SimError(404, `${what} not found`);
export const badRequest = (why: string): SimError => new SimError(400, why);
