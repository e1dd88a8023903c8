import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/**
 * JSON lines for machines (log collectors, tests); for a person watching a terminal, the same
 * records as readable coloured lines. Redaction happens before either is written.
 */
export function createLogger(level: string, destination: DestinationStream = process.stdout, readable = destination === process.stdout && process.stdout.isTTY): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      level,
      base: { service: 'webex-park-bot' },
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    readable ? pretty({ destination, sync: true, colorize: destination === process.stdout, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' }) : destination,
  );
}
