import { createHash } from 'node:crypto';
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
 * How log lines name a person, space, message, call, webhook or anything made from their ids (event
 * keys): a stable short hash, the same on every line and instance, never the Webex id itself.
 */
export const pseudonym = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 12);

/** Webex ids are base64 of `ciscospark://…`, so they all start alike, whatever they name. */
const WEBEX_ID = /Y2lzY29zcGFyazov[A-Za-z0-9+/_-]*={0,2}/g;

/**
 * The last line of defence for ids, as redaction is for tokens: an id that reached a log line anyway
 * (inside an error message, say) is written as its pseudonym.
 */
export const withoutWebexIds = (line: string): string => line.replace(WEBEX_ID, (id) => `id:${pseudonym(id)}`);

/**
 * JSON lines for machines (log collectors, tests); for a person watching a terminal, the same
 * records as readable coloured lines. Redaction, and pseudonyms for any Webex id, happen before either
 * is written.
 */
export function createLogger(level: string, destination: DestinationStream = process.stdout, readable = destination === process.stdout && process.stdout.isTTY): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      level,
      base: { service: 'webex-park-bot' },
      redact: { paths, censor: '[redacted]' },
      hooks: { streamWrite: withoutWebexIds },
      formatters: { level: (label) => ({ level: label }) },
    },
    readable ? pretty({ destination, sync: true, colorize: destination === process.stdout, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' }) : destination,
  );
}
