import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Anything that could carry a credential is censored wherever it appears in a log object, as a last
 * line of defence: the code itself never hands a token to the logger.
 */
const REDACTED_KEYS = [
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'authorization',
  'Authorization',
  'code',
  'code_verifier',
  'client_secret',
  'secret',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      level,
      base: { service: 'webex-park-bot' },
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
