import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { IdentityApi } from '../../src/webex/identity-api.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { TokenVault } from '../../src/auth/token-vault.js';
import { LinkFlow } from '../../src/auth/link-flow.js';
import { LinkError } from '../../src/auth/errors.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('link flow (OAuth with PKCE)', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let flow: LinkFlow;
  let vault: TokenVault;
  let now: number;
  let rita: string;
  let sam: string;
  const redirectUri = 'http://bot.invalid/oauth/callback';

  beforeEach(async () => {
    sim = await startSimulator();
    rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' }).id;
    sam = sim.org.addPerson({ displayName: 'Sam', email: 'sam@example.com', extension: '2002' }).id;
    const integration = sim.oauth.registerIntegration('Park Bot', [redirectUri]);
    const { logger } = memoryLogger();
    const identity = new IdentityApi(new WebexHttpClient(sim.apiUrl, logger), { clientId: integration.clientId, clientSecret: integration.clientSecret, redirectUri });
    store = new SqliteStore(':memory:');
    now = Date.now();
    vault = new TokenVault(store, new TokenCipher(randomBytes(32)), identity, logger, () => now);
    flow = new LinkFlow({ publicUrl: 'http://bot.invalid', webexApiUrl: sim.apiUrl, clientId: integration.clientId, redirectUri }, store, identity, vault, logger, () => now);
  });

  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  /** What Webex hands back to the callback after `personId` accepts on the consent page. */
  async function consentAs(personId: string, linkUrl: string): Promise<{ state: string; code: string }> {
    const state = new URL(linkUrl).searchParams.get('state') ?? '';
    const authorize = new URL(await flow.authorizeUrl(state));
    const code = sim.oauth.consent(
      {
        clientId: authorize.searchParams.get('client_id') ?? '',
        redirectUri: authorize.searchParams.get('redirect_uri') ?? '',
        scope: authorize.searchParams.get('scope') ?? '',
        codeChallenge: authorize.searchParams.get('code_challenge') ?? '',
        codeChallengeMethod: 'S256',
      },
      personId,
    );
    return { state, code };
  }

  it('links the person who asked, with the tokens sealed', async () => {
    const { state, code } = await consentAs(rita, (await flow.linkFor(rita)).url);
    assert.deepEqual(await flow.complete(state, code), { personId: rita, displayName: 'Rita', stateId: state });
    assert.equal(await vault.isLinked(rita), true);
    const account = await store.account(rita);
    assert.match(account?.sealedAccessToken ?? '', /^v1\./);
  });

  it('refuses and stores nothing when someone else signs in with the link', async () => {
    const { state, code } = await consentAs(sam, (await flow.linkFor(rita)).url);
    await assert.rejects(flow.complete(state, code), (e) => e instanceof LinkError && /different Webex user/.test(e.userMessage));
    assert.equal(await vault.isLinked(rita), false);
    assert.equal(await vault.isLinked(sam), false);
  });

  it('lets each link be used once', async () => {
    const { state, code } = await consentAs(rita, (await flow.linkFor(rita)).url);
    await flow.complete(state, code);
    await assert.rejects(flow.complete(state, code), LinkError);
    await assert.rejects(flow.authorizeUrl(state), LinkError);
  });

  it('expires a link after 15 minutes', async () => {
    const url = (await flow.linkFor(rita)).url;
    now += 15 * 60 * 1000 + 1;
    await assert.rejects(flow.authorizeUrl(new URL(url).searchParams.get('state') ?? ''), /expired/);
  });

  it('fails the exchange when the PKCE verifier does not match the challenge, and keeps the link usable', async () => {
    const url = (await flow.linkFor(rita)).url;
    const state = new URL(url).searchParams.get('state') ?? '';
    const code = sim.oauth.consent({ clientId: [...sim.oauth.integrations.keys()][0] ?? '', redirectUri, scope: 'spark:calls_read', codeChallenge: 'not-the-challenge', codeChallengeMethod: 'S256' }, rita);
    await assert.rejects(flow.complete(state, code), /Webex did not accept this sign-in/);
    assert.equal(await vault.isLinked(rita), false);
    assert.ok(await flow.authorizeUrl(state), 'the link was not used up by a code Webex refused');
  });
});
