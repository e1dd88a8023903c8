import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConfig } from '../../src/config.js';

const ROOT = join(__dirname, '..', '..');
const compose = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
const caddyfile = readFileSync(join(ROOT, 'deploy', 'Caddyfile'), 'utf8');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** The settings .env must give every replica (compose.yaml cannot). */
const minimalSettings = {
  WEBEX_BOT_TOKEN: 'token',
  PUBLIC_URL: 'https://parkbot.example.com',
  WEBHOOK_SECRET: randomBytes(32).toString('hex'),
  WEBEX_CLIENT_ID: 'id',
  WEBEX_CLIENT_SECRET: 'secret',
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/**
 * The block under a key of compose.yaml, by its path of keys (`services`, `bot`, `environment`),
 * as `key: value` pairs. Only block style with two-space indentation, which compose.yaml keeps to.
 */
function block(path: string[]): Map<string, string> {
  let lines = compose.split('\n');
  path.forEach((key, depth) => {
    const indent = '  '.repeat(depth);
    const start = lines.findIndex((line) => line === `${indent}${key}:` || line.startsWith(`${indent}${key}: `));
    if (start < 0) throw new Error(`compose.yaml has no ${path.slice(0, depth + 1).join('.')}`);
    const end = lines.findIndex((line, i) => i > start && line.trim() !== '' && !line.startsWith(`${indent}  `));
    lines = lines.slice(start + 1, end < 0 ? undefined : end);
  });
  const indent = '  '.repeat(path.length);
  const pairs = lines.filter((line) => line.startsWith(indent) && /^\w/.test(line.slice(indent.length)));
  return new Map(pairs.map((line) => /^\s*([\w-]+):\s*(.*)$/.exec(line)?.slice(1, 3) as [string, string]));
}

/** compose's `${NAME:?message}` and `${NAME}`, filled in from `values`. */
const interpolate = (text: string, values: Record<string, string>): string =>
  text.replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, (_, name: string) => values[name] ?? '').replace(/^"(.*)"$/, '$1');

/** Caddy's path matcher: exact, or `*` standing for anything (slashes too). */
const caddyMatches = (pattern: string, path: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(path);

describe('compose.yaml and the Caddyfile', () => {
  it('gives every bot replica settings the bot accepts: PostgreSQL, the proxy trusted, the port Caddy dials', () => {
    const environment = block(['services', 'bot', 'environment']);
    const documented = readFileSync(join(ROOT, '.env.example'), 'utf8');
    for (const name of environment.keys()) assert.match(documented, new RegExp(`^#? ?${name}=`, 'm'), `${name} is a setting (.env.example)`);

    const settings = Object.fromEntries([...environment].map(([name, value]) => [name, interpolate(value, { POSTGRES_PASSWORD: 'a1b2c3' })]));
    const config = createConfig({ ...minimalSettings, ...settings });
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://parkbot:a1b2c3@postgres:5432/parkbot' });
    assert.equal(config.trustProxy, 1);
    assert.equal(config.port, 3000);
    assert.match(caddyfile, new RegExp(`dynamic a bot ${config.port}\\b`), 'Caddy dials every bot replica on that port');
  });

  it('runs several replicas from .env, after PostgreSQL is healthy', () => {
    const bot = block(['services', 'bot']);
    assert.equal(bot.get('env_file'), '.env');
    assert.ok(Number(block(['services', 'bot', 'deploy']).get('replicas')) >= 2);
    assert.equal(block(['services', 'bot', 'depends_on', 'postgres']).get('condition'), 'service_healthy');
    assert.match(block(['services', 'postgres', 'healthcheck']).get('test') ?? '', /pg_isready/);
    assert.equal(bot.has('ports'), false, 'the bot publishes no port: only the proxy is reachable');
  });

  it("keeps each replica's delivery spool on a volume of its own, in the folder the image gives the bot", () => {
    const workdir = /^WORKDIR (\S+)$/m.exec(dockerfile.split(/^FROM .* AS runtime$/m)[1] ?? '')?.[1] ?? '';
    const spool = posix.join(workdir, createConfig(minimalSettings).spoolDir);
    const volumes = /^ {2}bot:\n(?: {4}.*\n|\n)*? {4}volumes:\n((?: {6}- .*\n)+)/m.exec(compose)?.[1] ?? '';
    assert.match(volumes, new RegExp(`^ {6}- ${spool}$`, 'm'), `an anonymous volume at ${spool}, one per replica`);
    assert.match(dockerfile, new RegExp(`mkdir -p ${spool} && chown -R node:node ${posix.dirname(spool)}`), 'the folder exists in the image, owned by the bot');
  });

  it('lets through only the webhooks and "Login with Webex", keeping health and metrics inside', () => {
    const matcher = /@public\s+path\s+([^\n]+)/.exec(caddyfile)?.[1]?.trim().split(/\s+/) ?? [];
    const exposed = (path: string): boolean => matcher.some((pattern) => caddyMatches(pattern, path));
    for (const path of ['/webhook', '/webhook/calls/0123abcd', '/oauth/start', '/oauth/callback']) assert.ok(exposed(path), `${path} is public`);
    for (const path of ['/healthz', '/readyz', '/metrics', '/playground', '/', '/webhooks']) assert.equal(exposed(path), false, `${path} stays internal`);
    assert.match(caddyfile, /^\{\$PUBLIC_URL\} \{/m, 'the site is PUBLIC_URL, so its certificate is for the address Webex uses');
    assert.match(block(['services', 'proxy', 'environment']).get('PUBLIC_URL') ?? '', /^\$\{PUBLIC_URL/);
  });
});
