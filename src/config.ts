import { z } from 'zod';

const PUBLIC_WEBEX_API = 'https://webexapis.com/v1';

const url = (what: string) =>
  z
    .string({ error: `is required: ${what}` })
    .trim()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), { error: 'must be an http(s) URL' })
    .transform((value) => value.replace(/\/+$/, ''));

const required = (what: string) => z.string({ error: `is required: ${what}` }).trim().min(1, { error: `is required: ${what}` });

const encryptionKey = z
  .string({ error: 'is required: 32 random bytes, base64 (make one with `openssl rand -base64 32`)' })
  .trim()
  .transform((value, ctx) => {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32 || key.toString('base64') !== value) {
      ctx.addIssue({ code: 'custom', message: 'must be exactly 32 bytes, base64-encoded (make one with `openssl rand -base64 32`)' });
      return z.NEVER;
    }
    return key;
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
  WEBHOOK_SECRET: required('a random string Webex signs webhook deliveries with').refine((s) => s.length >= 16, {
    error: 'must be at least 16 characters',
  }),
  WEBEX_CLIENT_ID: required("the integration's Client ID"),
  WEBEX_CLIENT_SECRET: required("the integration's Client Secret"),
  TOKEN_ENCRYPTION_KEY: encryptionKey,
  DATABASE_URL: databaseUrl,
  EVENT_LEASE_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).positive().max(3600).default(30),
  PARKED_CALL_MAX_WAIT_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).positive().max(24 * 60).default(30),
  CLOSED_CALL_RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).positive().max(3650).default(30),
  WEBHOOK_CHECK_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).positive().max(24 * 60).default(10),
  UPKEEP_REQUESTS_PER_MINUTE: z.coerce.number({ error: 'must be a number of requests' }).positive().max(100_000).default(120),
  MAX_SPACES_IN_MEMORY: z.coerce.number({ error: 'must be a number of spaces' }).int().min(10).max(100_000).default(1000),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .refine((value) => /^(true|false|\d+|[\w.:/, -]+)$/.test(value), { error: 'must be false, true, a number of proxies, or addresses/subnets such as loopback' }),
  METRICS_TOKEN: z.string().trim().min(16, { error: 'must be at least 16 characters' }).optional(),
  SPOOL_DIR: z.string().trim().min(1).default('./data/spool'),
  REQUEST_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).positive().max(600).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  botToken: string;
  webexApiUrl: string;
  webexU2cUrl?: string;
  publicUrl: string;
  port: number;
  webhookSecret: string;
  oauth: { clientId: string; clientSecret: string; redirectUri: string };
  tokenEncryptionKey: Buffer;
  database: DatabaseSetting;
  /** How long an instance holds an event before another instance replays it. */
  eventLeaseMs: number;
  /** How long a parked call is shown as waiting, and how long closed ones are kept. */
  parkedCalls: { maxWaitMs: number; retentionMs: number };
  /** How often people's call-events webhooks are checked. */
  webhookCheckMs: number;
  /** Webex requests a minute, across instances, for people's webhook checks and token renewals. */
  upkeepRequestsPerMinute: number;
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
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
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
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
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
    database: toDatabaseSetting(v.DATABASE_URL),
    eventLeaseMs: v.EVENT_LEASE_SECONDS * 1000,
    parkedCalls: { maxWaitMs: v.PARKED_CALL_MAX_WAIT_MINUTES * 60_000, retentionMs: v.CLOSED_CALL_RETENTION_DAYS * 24 * 60 * 60_000 },
    webhookCheckMs: v.WEBHOOK_CHECK_MINUTES * 60_000,
    upkeepRequestsPerMinute: v.UPKEEP_REQUESTS_PER_MINUTE,
    maxSpacesInMemory: v.MAX_SPACES_IN_MEMORY,
    trustProxy: v.TRUST_PROXY === 'true' ? true : v.TRUST_PROXY === 'false' ? false : /^\d+$/.test(v.TRUST_PROXY) ? Number(v.TRUST_PROXY) : v.TRUST_PROXY,
    ...(v.METRICS_TOKEN ? { metricsToken: v.METRICS_TOKEN } : {}),
    requestTimeoutMs: v.REQUEST_TIMEOUT_SECONDS * 1000,
    spoolDir: v.SPOOL_DIR,
    logLevel: v.LOG_LEVEL,
  };
}
