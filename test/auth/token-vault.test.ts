import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { IdentityApi } from '../../src/webex/identity-api.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { TokenVault, resealAccount } from '../../src/auth/token-vault.js';
import { NotLinkedError } from '../../src/auth/errors.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('token vault', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let vault: TokenVault;
  let calling: CallingApi;
  let personId: string;
  let now: number;
  let identity: IdentityApi;
  let oldKey: Buffer;
  let logs: () => string;

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
    const { logger, text } = memoryLogger();
    logs = text;
    const http = new WebexHttpClient(sim.apiUrl, logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 1 });
    identity = new IdentityApi(http, { clientId: integration.clientId, clientSecret: integration.clientSecret, redirectUri });
    store = new SqliteStore(':memory:');
    now = Date.now();
    oldKey = randomBytes(32);
    vault = new TokenVault(store, new TokenCipher(oldKey), identity, logger, () => now);
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

  it('knows which scopes a link grants, as Webex said when it was made', async () => {
    assert.equal(await vault.grants(personId, 'spark:calls_write'), true);
    assert.equal(await vault.grants(personId, 'spark:telephony_config_read'), false, 'a link made before the bot asked for it');
    await assert.rejects(vault.grants('SOMEONE_ELSE', 'spark:calls_read'), NotLinkedError);
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

  describe('after TOKEN_ENCRYPTION_KEY changed, with the old key in TOKEN_ENCRYPTION_KEYS_PREVIOUS', () => {
    const newKey = randomBytes(32);
    const rotated = (readOnly: Buffer[]) => {
      const { logger } = memoryLogger();
      return new TokenVault(store, new TokenCipher(newKey, readOnly), identity, logger, () => now);
    };

    it('keeps working without linking again, and seals both tokens anew under the new key on use', async () => {
      const before = await store.account(personId);
      await rotated([oldKey]).withToken(personId, (token) => calling.activeCalls(token));
      assert.equal(sim.requests.at(-1)?.personId, personId);
      const after = await store.account(personId);
      assert.ok(before && after);
      assert.notEqual(after.sealedAccessToken, before.sealedAccessToken);
      assert.equal(new TokenCipher(newKey).open(after.sealedAccessToken), new TokenCipher(oldKey).open(before.sealedAccessToken));
      assert.equal(new TokenCipher(newKey).open(after.sealedRefreshToken), new TokenCipher(oldKey).open(before.sealedRefreshToken));
      assert.deepEqual({ ...after, sealedAccessToken: '', sealedRefreshToken: '' }, { ...before, sealedAccessToken: '', sealedRefreshToken: '' }, 'nothing else changes');
      await rotated([]).withToken(personId, (token) => calling.activeCalls(token));
      assert.ok(!logs().includes(new TokenCipher(newKey).open(after.sealedAccessToken)), 'no token in the logs');
    });

    it('refreshes a token sealed with the old key, and saves the new ones under the new key', async () => {
      now += 15 * 24 * 60 * 60 * 1000;
      await rotated([oldKey]).withToken(personId, (token) => calling.activeCalls(token));
      const after = await store.account(personId);
      assert.ok(after);
      assert.doesNotThrow(() => new TokenCipher(newKey).open(after.sealedRefreshToken));
    });

    it('never overwrites tokens a refresh saved meanwhile', async () => {
      const read = await store.account(personId);
      assert.ok(read);
      const refreshed = { ...read, sealedAccessToken: new TokenCipher(newKey).seal('REFRESHED'), sealedRefreshToken: new TokenCipher(newKey).seal('REFRESHED_R') };
      await store.saveAccount(refreshed);
      assert.equal(await resealAccount(store, new TokenCipher(newKey, [oldKey]), read), 'changed');
      assert.equal((await store.account(personId))?.sealedAccessToken, refreshed.sealedAccessToken);
      assert.equal(await resealAccount(store, new TokenCipher(newKey, [oldKey]), refreshed), 'current');
    });

    it('counts a token only the removed old key opens as an expired link', async () => {
      await assert.rejects(
        rotated([]).withToken(personId, (token) => calling.activeCalls(token)),
        (e) => e instanceof NotLinkedError && e.reason === 'expired',
      );
      const account = await store.account(personId);
      assert.ok(account);
      assert.equal(await resealAccount(store, new TokenCipher(newKey), account), 'unreadable');
    });
  });
});
