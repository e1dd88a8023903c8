import { strict as assert } from 'node:assert';
import { OrganisationCheck } from '../../src/calls/organisation.js';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { MessagingApi } from '../../src/webex/messaging-api.js';
import type { ParkedCall } from '../../src/storage/store.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('OrganisationCheck: who may act on a parked call', () => {
  let sim: WebexSimulator;
  let messaging: MessagingApi;
  let rita: string;
  let sam: string;
  let olga: string;
  let partnerOrg: string;

  before(async () => {
    sim = await startSimulator();
    const bot = sim.org.addPerson({ displayName: 'Park Bot', email: 'parkbot@webex.bot', type: 'bot' });
    rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' }).id;
    sam = sim.org.addPerson({ displayName: 'Sam', email: 'sam@example.com', extension: '2002' }).id;
    partnerOrg = sim.addOrganisation().orgId;
    olga = sim.org.addPerson({ displayName: 'Olga', email: 'olga@partner.example', extension: '2001', orgId: partnerOrg }).id;
    const http = new WebexHttpClient(sim.apiUrl, memoryLogger().logger, { maxAttempts: 1, maxRetryAfterMs: 0, baseBackoffMs: 1 });
    messaging = new MessagingApi(http, sim.org.issueToken(bot.id, 'bot', []));
  });

  after(async () => sim?.close());

  const parkedBy = (personId: string, orgId?: string): ParkedCall => ({
    id: 'park-1',
    roomId: 'room-1',
    parkedBy: { personId, name: 'Someone' },
    ...(orgId ? { orgId } : {}),
    caller: { name: 'Acme' },
    parkedAgainst: { number: '2001' },
    state: 'waiting',
    parkedAt: new Date().toISOString(),
  });
  const peopleLookups = (): number => sim.requests.filter((r) => r.path.startsWith('/people/')).length;

  it('compares the asker’s organisation with the one recorded at park, without asking Webex', async () => {
    const check = new OrganisationCheck(messaging);
    const before = peopleLookups();
    assert.equal(await check.mayAct({ personId: sam, orgId: sim.org.orgId }, parkedBy(rita, sim.org.orgId)), true);
    assert.equal(await check.mayAct({ personId: olga, orgId: partnerOrg }, parkedBy(rita, sim.org.orgId)), false);
    assert.equal(peopleLookups(), before);
  });

  it('asks Webex who the asker is when their organisation was not named with them', async () => {
    const check = new OrganisationCheck(messaging);
    assert.equal(await check.mayAct({ personId: olga }, parkedBy(rita, sim.org.orgId)), false);
    assert.equal(await check.mayAct({ personId: sam }, parkedBy(rita, sim.org.orgId)), true);
  });

  it('takes the parker’s organisation, as Webex says, for a record made before organisations were kept', async () => {
    const check = new OrganisationCheck(messaging);
    const before = peopleLookups();
    assert.equal(await check.mayAct({ personId: olga, orgId: partnerOrg }, parkedBy(rita)), false);
    assert.equal(await check.mayAct({ personId: sam, orgId: sim.org.orgId }, parkedBy(rita)), true);
    assert.equal(peopleLookups() - before, 1, 'Rita is looked up once for the whole request');
  });

  it('lets nobody take an old record whose parker Webex no longer knows', async () => {
    const check = new OrganisationCheck(messaging);
    const gone = parkedBy('Y2lzY29zcGFyazovL3VzL1BFT1BMRS9nb25l');
    assert.equal(await check.mayAct({ personId: sam, orgId: sim.org.orgId }, gone), false);
    assert.equal(await check.mayAct({ personId: olga, orgId: partnerOrg }, gone), false);
  });

  it('keeps, of several calls, those of the asker’s organisation', async () => {
    const check = new OrganisationCheck(messaging);
    const ours = parkedBy(rita, sim.org.orgId);
    const theirs = { ...parkedBy(olga, partnerOrg), id: 'park-2' };
    assert.deepEqual(await check.filter({ personId: olga, orgId: partnerOrg }, [ours, theirs]), [theirs]);
    assert.deepEqual(await check.filter({ personId: sam, orgId: sim.org.orgId }, [ours, theirs]), [ours]);
  });
});
