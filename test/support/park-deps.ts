import { randomBytes } from 'node:crypto';
import type { WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { IdentityApi } from '../../src/webex/identity-api.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { TokenVault } from '../../src/auth/token-vault.js';
import { CallView } from '../../src/calls/call-view.js';
import type { ParkDeps } from '../../src/calls/park-call.js';
import { memoryLogger } from './memory-logger.js';

/**
 * The park use case's own parts against `sim`, with Rita (extension 2001) linked and a store in
 * memory; her call view trusts syncs since `trustedSince`. Parks for someone are not part of these
 * cases: nobody is a member of any space.
 */
export async function parkDepsOn(sim: WebexSimulator, trustedSince: () => number): Promise<{ deps: ParkDeps; store: SqliteStore; rita: string }> {
  const rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' }).id;
  const token = sim.org.issueToken(rita, 'access', ['spark:calls_read', 'spark:calls_write', 'spark:people_read']);
  const { logger } = memoryLogger();
  const http = new WebexHttpClient(sim.apiUrl, logger);
  const identity = new IdentityApi(http, { clientId: 'c', clientSecret: 's', redirectUri: 'r' });
  const store = new SqliteStore(':memory:');
  const vault = new TokenVault(store, new TokenCipher(randomBytes(32)), identity, logger);
  await vault.save(rita, 'Rita', { access_token: token, refresh_token: 'unused', expires_in: 3600 });
  const calling = new CallingApi(http);
  const members = { member: () => Promise.resolve(undefined), people: () => Promise.resolve([]) };
  return { deps: { calling, callView: new CallView({ store, calling, trustedSince }), identity, vault, store, members }, store, rita };
}
