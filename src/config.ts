import { z } from 'zod';
import { keyWeakness, secretWeakness } from './secret-strength.js';

const PUBLIC_WEBEX_API = 'https://webexapis.com/v1';

const url = (what: string) =>
  z
    .string({ error: `is required: ${what}` })
    .trim()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), { error: 'must be an http(s) URL' })
    .transform((value) => value.replace(/\/+$/, ''));

const required = (what: string) => z.string({ error: `is required: ${what}` }).trim().min(1, { error: `is required: ${what}` });

const MAKE_KEY = 'make one with `openssl rand -base64 32`';
const MAKE_SECRET = 'make one with `openssl rand -hex 32`';

/** 32 random bytes in base64, not constant or patterned. Exported for the previous keys kept while rotating. */
export const encryptionKey = z
  .string({ error: `is required: 32 random bytes, base64 (${MAKE_KEY})` })
  .trim()
  .transform((value, ctx) => {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32 || key.toString('base64') !== value) {
      ctx.addIssue({ code: 'custom', message: `must be exactly 32 bytes, base64-encoded (${MAKE_KEY})` });
      return z.NEVER;
    }
    const weakness = keyWeakness(key);
    if (weakness) {
      ctx.addIssue({ code: 'custom', message: `${weakness} (${MAKE_KEY})` });
      return z.NEVER;
    }
    return key;
  });

/**
 * Keys that still open stored tokens but never seal new ones: comma-separated, each like
 * TOKEN_ENCRYPTION_KEY. Not held to the strength check: rotating away from a weak key must be possible.
 */
const readOnlyKeys = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const keys: Buffer[] = [];
    for (const [index, part] of value.split(',').map((p) => p.trim()).filter(Boolean).entries()) {
      const key = Buffer.from(part, 'base64');
      if (key.length !== 32 || key.toString('base64') !== part) {
        ctx.addIssue({ code: 'custom', message: `key ${index + 1} must be exactly 32 bytes, base64-encoded like TOKEN_ENCRYPTION_KEY` });
      } else if (keys.some((k) => k.equals(key))) {
        ctx.addIssue({ code: 'custom', message: `key ${index + 1} is listed twice` });
      } else keys.push(key);
    }
    return keys;
  });

/** A webhook secret: 32 characters or more, not a typed pattern. Exported for the previous secrets kept while rotating. */
export const webhookSecret = required(`a random string Webex signs webhook deliveries with (${MAKE_SECRET})`).superRefine((value, ctx) => {
  const weakness = secretWeakness(value);
  if (weakness) ctx.addIssue({ code: 'custom', message: `${weakness} (${MAKE_SECRET})` });
});

const databaseUrl = z
  .string()
  .trim()
  .default('sqlite:./data/parkbot.db')
  .refine((value) => /^sqlite:.+/.test(value) || (/^postgres(ql)?:\/\/.+/.test(value) && URL.canParse(value)), {
    error: 'must look like sqlite:./data/parkbot.db or postgres://user:password@host:5432/parkbot',
  });

export type DatabaseSetting = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const toDatabaseSetting = (value: string): DatabaseSetting =>
  value.startsWith('sqlite:') ? { kind: 'sqlite', path: value.slice('sqlite:'.length) } : { kind: 'postgres', url: value };

/** DATABASE_URL alone, for the operations scripts (backup) that need nothing else. */
export function databaseSetting(env: NodeJS.ProcessEnv = process.env): DatabaseSetting {
  const parsed = databaseUrl.safeParse(env.DATABASE_URL || undefined);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `DATABASE_URL ${issue.message}`));
  return toDatabaseSetting(parsed.data);
}

const schema = z.object({
  WEBEX_BOT_TOKEN: required("the bot's access token from developer.webex.com > My Webex Apps"),
  WEBEX_API_URL: url('the Webex REST API base').default(PUBLIC_WEBEX_API),
  WEBEX_U2C_URL: url('the Webex service catalog URL').optional(),
  PUBLIC_URL: url('the address Webex and browsers reach this bot at, e.g. https://parkbot.example.com'),
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65535).default(3000),
  WEBHOOK_SECRET: webhookSecret,
  WEBEX_CLIENT_ID: required("the integration's Client ID"),
  WEBEX_CLIENT_SECRET: required("the integration's Client Secret"),
  TOKEN_ENCRYPTION_KEY: encryptionKey,
  TOKEN_ENCRYPTION_KEYS_PREVIOUS: readOnlyKeys.optional(),
  TOKEN_ENCRYPTION_KEY_NEXT: encryptionKey.optional(),
  // Not held to the strength check either: it is the secret being rotated away from.
  WEBHOOK_SECRET_PREVIOUS: z.string().trim().min(16, { error: 'must be at least 16 characters, like WEBHOOK_SECRET' }).optional(),
  WEBHOOK_SECRET_NEXT: webhookSecret.optional(),
  WEBHOOK_SECRET_GRACE_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).positive().max(7 * 24 * 60).default(60),
  DATABASE_URL: databaseUrl,
  EVENT_LEASE_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).positive().max(3600).default(30),
  PARKED_CALL_MAX_WAIT_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).positive().max(24 * 60).default(30),
  CLOSED_CALL_RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).positive().max(3650).default(30),
  REPORT_RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).positive().max(3650).default(400),
  REPORT_SHOW_PEOPLE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  WEBHOOK_CHECK_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).positive().max(24 * 60).default(10),
  UPKEEP_REQUESTS_PER_MINUTE: z.coerce.number({ error: 'must be a number of requests' }).positive().max(100_000).default(120),
  // At most 25 s: a recall onto a secondary line must change its card within 30 s.
  LINE_POLL_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(1).max(25).default(10),
  MAX_SPACES_IN_MEMORY: z.coerce.number({ error: 'must be a number of spaces' }).int().min(10).max(100_000).default(1000),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .refine((value) => /^(true|false|\d+|[\w.:/, -]+)$/.test(value), { error: 'must be false, true, a number of proxies, or addresses/subnets such as loopback' }),
  METRICS_TOKEN: z.string().trim().min(16, { error: 'must be at least 16 characters' }).optional(),
  SPOOL_DIR: z.string().trim().min(1).default('./data/spool'),
  MAX_CONNECTIONS: z.coerce.number({ error: 'must be a number of connections' }).int().min(16).max(1_000_000).optional(),
  MAX_CONNECTIONS_PER_CLIENT: z.coerce.number({ error: 'must be a number of connections' }).int().min(4).max(100_000).default(100),
  REQUEST_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).positive().max(600).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * A key or secret being rotated must differ from the ones beside it, or the rotation does nothing.
 * Checked on the raw values so these problems are listed along with every other one (base64 keys
 * are compared as text: only the canonical spelling of a key is accepted).
 */
function rotationProblems(env: Record<string, string | undefined>): string[] {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  const key = value('TOKEN_ENCRYPTION_KEY');
  const previousKeys = value('TOKEN_ENCRYPTION_KEYS_PREVIOUS')?.split(',').map((k) => k.trim()) ?? [];
  const nextKey = value('TOKEN_ENCRYPTION_KEY_NEXT');
  const secret = value('WEBHOOK_SECRET');
  const previousSecret = value('WEBHOOK_SECRET_PREVIOUS');
  const nextSecret = value('WEBHOOK_SECRET_NEXT');
  const problems: string[] = [];
  if (key && previousKeys.includes(key)) problems.push('TOKEN_ENCRYPTION_KEYS_PREVIOUS must not list TOKEN_ENCRYPTION_KEY itself: it holds the keys used before it');
  if (nextKey && nextKey === key) problems.push('TOKEN_ENCRYPTION_KEY_NEXT is TOKEN_ENCRYPTION_KEY itself: it is the key that will replace it');
  if (nextKey && previousKeys.includes(nextKey)) problems.push('TOKEN_ENCRYPTION_KEY_NEXT is also in TOKEN_ENCRYPTION_KEYS_PREVIOUS');
  if (previousSecret && previousSecret === secret) problems.push('WEBHOOK_SECRET_PREVIOUS is WEBHOOK_SECRET itself: it is the secret WEBHOOK_SECRET replaced');
  if (nextSecret && nextSecret === secret) problems.push('WEBHOOK_SECRET_NEXT is WEBHOOK_SECRET itself: it is the secret that will replace it');
  if (nextSecret && nextSecret === previousSecret) problems.push('WEBHOOK_SECRET_NEXT is also WEBHOOK_SECRET_PREVIOUS');
  return problems;
}

export interface Config {
  botToken: string;
  webexApiUrl: string;
  webexU2cUrl?: string;
  publicUrl: string;
  port: number;
  webhookSecret: string;
  oauth: { clientId: string; clientSecret: string; redirectUri: string };
  tokenEncryptionKey: Buffer;
  /** Keys that still open stored tokens but never seal: the previous ones, then the next one. */
  tokenReadOnlyKeys: Buffer[];
  /** Other webhook secrets accepted: the previous one during its grace period, the next one always. */
  webhookSecretRotation: { previous?: string; next?: string; graceMs: number };
  database: DatabaseSetting;
  /** How long an instance holds an event before another instance replays it. */
  eventLeaseMs: number;
  /** How long a parked call is shown as waiting, and how long closed ones are kept. */
  parkedCalls: { maxWaitMs: number; retentionMs: number };
  /** `report`: how long the per-space hourly tallies are kept, and whether a space's report counts calls taken per person. */
  report: ReportSettings;
  /** How often people's call-events webhooks are checked. */
  webhookCheckMs: number;
  /** Webex requests a minute, across instances, for people's webhook checks and token renewals. */
  upkeepRequestsPerMinute: number;
  /** How often a secondary line with a call parked from it waiting is asked about (no events come for it). */
  linePollMs: number;
  /** How many spaces the framework keeps in memory; quieter ones are rediscovered when they speak. */
  maxSpacesInMemory: number;
  /** Express's `trust proxy`: which hops' X-Forwarded-For to believe (rate limits key on the client). */
  trustProxy: boolean | number | string;
  /** When set, /metrics answers only requests bearing it. */
  metricsToken?: string;
  /** How long a request (headers and body) may take to arrive. */
  requestTimeoutMs: number;
  /** Where deliveries are kept on local disk while the database is unavailable. */
  spoolDir: string;
  /** Open connections allowed per client address and in all (in all: from the open-file limit when unset). */
  connections: { perClient: number; total?: number };
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
}

export interface ReportSettings {
  retentionMs: number;
  showPeople: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The bot cannot start; fix these settings (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the settings once; every problem is reported together, each naming its variable. */
export function createConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`)), ...rotationProblems(present)];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const v = parsed.data;
  return {
    botToken: v.WEBEX_BOT_TOKEN,
    webexApiUrl: v.WEBEX_API_URL,
    ...(v.WEBEX_U2C_URL ? { webexU2cUrl: v.WEBEX_U2C_URL } : {}),
    publicUrl: v.PUBLIC_URL,
    port: v.PORT,
    webhookSecret: v.WEBHOOK_SECRET,
    oauth: { clientId: v.WEBEX_CLIENT_ID, clientSecret: v.WEBEX_CLIENT_SECRET, redirectUri: `${v.PUBLIC_URL}/oauth/callback` },
    tokenEncryptionKey: v.TOKEN_ENCRYPTION_KEY,
    tokenReadOnlyKeys: [...(v.TOKEN_ENCRYPTION_KEYS_PREVIOUS ?? []), ...(v.TOKEN_ENCRYPTION_KEY_NEXT ? [v.TOKEN_ENCRYPTION_KEY_NEXT] : [])],
    webhookSecretRotation: {
      ...(v.WEBHOOK_SECRET_PREVIOUS ? { previous: v.WEBHOOK_SECRET_PREVIOUS } : {}),
      ...(v.WEBHOOK_SECRET_NEXT ? { next: v.WEBHOOK_SECRET_NEXT } : {}),
      graceMs: v.WEBHOOK_SECRET_GRACE_MINUTES * 60_000,
    },
    database: toDatabaseSetting(v.DATABASE_URL),
    eventLeaseMs: v.EVENT_LEASE_SECONDS * 1000,
    parkedCalls: { maxWaitMs: v.PARKED_CALL_MAX_WAIT_MINUTES * 60_000, retentionMs: v.CLOSED_CALL_RETENTION_DAYS * 24 * 60 * 60_000 },
    report: { retentionMs: v.REPORT_RETENTION_DAYS * 24 * 60 * 60_000, showPeople: v.REPORT_SHOW_PEOPLE === 'true' },
    webhookCheckMs: v.WEBHOOK_CHECK_MINUTES * 60_000,
    upkeepRequestsPerMinute: v.UPKEEP_REQUESTS_PER_MINUTE,
    linePollMs: v.LINE_POLL_SECONDS * 1000,
    maxSpacesInMemory: v.MAX_SPACES_IN_MEMORY,
    trustProxy: v.TRUST_PROXY === 'true' ? true : v.TRUST_PROXY === 'false' ? false : /^\d+$/.test(v.TRUST_PROXY) ? Number(v.TRUST_PROXY) : v.TRUST_PROXY,
    ...(v.METRICS_TOKEN ? { metricsToken: v.METRICS_TOKEN } : {}),
    requestTimeoutMs: v.REQUEST_TIMEOUT_SECONDS * 1000,
    spoolDir: v.SPOOL_DIR,
    connections: { perClient: v.MAX_CONNECTIONS_PER_CLIENT, ...(v.MAX_CONNECTIONS ? { total: v.MAX_CONNECTIONS } : {}) },
    logLevel: v.LOG_LEVEL,
  };
}
