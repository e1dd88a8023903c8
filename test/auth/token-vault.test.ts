import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { IdentityApi } from '../../src/webex/identity-api.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { TokenVault } from '../../src/auth/token-vault.js';
import { NotLinkedError } from '../../src/auth/errors.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('token vault', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let vault: TokenVault;
  let calling: CallingApi;
  let personId: string;
  let now: number;

  /** Links the person the way the OAuth callback does: a real code exchange on the simulator. */
  async function link(identity: IdentityApi, redirectUri: string): Promise<void> {
    const code = sim.oauth.consent({ clientId: [...sim.oauth.integrations.keys()][0] ?? '', redirectUri, scope: 'spark:calls_read spark:calls_write' }, personId);
    await vault.save(personId, 'Rita', await identity.exchangeCode(code, ''));
  }

  beforeEach(async () => {
    sim = await startSimulator();
    personId = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' }).id;
    const redirectUri = 'http://bot.invalid/oauth/callback';
    const integration = sim.oauth.registerIntegration('Park Bot', [redirectUri]);
    const { logger } = memoryLogger();
    const http = new WebexHttpClient(sim.apiUrl, logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 1 });
    const identity = new IdentityApi(http, { clientId: integration.clientId, clientSecret: integration.clientSecret, redirectUri });
    store = new SqliteStore(':memory:');
    now = Date.now();
    vault = new TokenVault(store, new TokenCipher(randomBytes(32)), identity, logger, () => now);
    calling = new CallingApi(http);
    await link(identity, redirectUri);
  });

  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  it('runs an action with the person’s own access token', async () => {
    await vault.withToken(personId, (token) => calling.activeCalls(token));
    assert.equal(sim.requests.at(-1)?.personId, personId);
  });

  it('refuses people who never linked', async () => {
    await assert.rejects(vault.withToken('SOMEONE_ELSE', async () => 'x'), (e) => e instanceof NotLinkedError && e.reason === 'never-linked');
  });

  it('refreshes once when Webex answers 401, and concurrent callers share that one refresh', async () => {
    sim.org.expireIntegrationAccess(personId);
    const exchangesBefore = sim.requests.filter((r) => r.path === '/access_token').length;

    const results = await Promise.all(Array.from({ length: 5 }, () => vault.withToken(personId, (token) => calling.activeCalls(token))));

    assert.equal(results.length, 5);
    assert.equal(sim.requests.filter((r) => r.path === '/access_token').length - exchangesBefore, 1, 'one refresh for five callers');
  });

  it('refreshes before calling when the stored expiry has passed', async () => {
    now += 15 * 24 * 60 * 60 * 1000;
    const before = sim.requests.length;
    await vault.withToken(personId, (token) => calling.activeCalls(token));
    assert.deepEqual(sim.requests.slice(before).map((r) => r.path), ['/access_token', '/telephony/calls']);
  });

  it('asks to link again when the refresh token is refused', async () => {
    sim.org.revokeIntegrationAccess(personId);
    await assert.rejects(vault.withToken(personId, (token) => calling.activeCalls(token)), (e) => e instanceof NotLinkedError && e.reason === 'expired');
  });

  it('forgets everything on unlink', async () => {
    assert.equal(await vault.unlink(personId), true);
    assert.equal(await vault.isLinked(personId), false);
    assert.equal(await vault.unlink(personId), false);
  });
});
