import type express from 'express';
import type { Logger } from '../logger.js';

/** What no route answered: JSON like every other answer. */
export const notFound: express.RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'Not found' });
};

/** Every error answer is JSON with a reason a caller can act on: never a stack trace or a file path. */
export function jsonErrors(logger: Logger): express.ErrorRequestHandler {
  const reasons: Record<string, string> = {
    'entity.too.large': 'The request body is too large',
    'encoding.unsupported': 'The request body is in an encoding this server does not accept',
    'entity.parse.failed': 'The request body is not valid JSON',
    'request.aborted': 'The request was cut off before its body arrived',
  };
  return (error: unknown, _req, res, _next) => {
    const { status, type } = error as { status?: unknown; type?: unknown };
    const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    if (code >= 500) logger.error({ event: 'http-error', error: error instanceof Error ? error.message : 'unknown' }, 'A request failed');
    const reason = (typeof type === 'string' && reasons[type]) || (code < 500 ? 'The request could not be read' : 'Something went wrong on our side');
    if (!res.headersSent) res.status(code).json({ error: reason });
  };
}
