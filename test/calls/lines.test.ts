import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { PersonLines, lineLabel } from '../../src/calls/lines.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('A person’s secondary lines, read with their own token', () => {
  let sim: WebexSimulator;
  let store: SqliteStore;
  let lines: PersonLines;
  let rita: string;

  beforeEach(async () => {
    sim = await startSimulator();
    store = new SqliteStore(':memory:');
    lines = new PersonLines({ calling: new CallingApi(new WebexHttpClient(sim.apiUrl, memoryLogger().logger)), cache: store });
    rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' }).id;
  });
  afterEach(async () => {
    await store.close();
    await sim.close();
  });

  const token = (scopes = ['spark:calls_read', 'spark:telephony_config_read']): string => sim.org.issueToken(rita, 'access', scopes);

  it('reads each line once with its number, keeps them with her, and names a line by its kind until a park names it', async () => {
    const main = sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', phoneNumber: '+14085550000', sharedWith: [rita] });

    const read = await lines.read(rita, token());

    assert.deepEqual(read, [{ ownerId: main.id, memberType: 'VIRTUAL_LINE', directNumber: '+14085550000', extension: '8000' }]);
    assert.equal(lineLabel(read[0] ?? assert.fail()), 'Virtual line +14085550000');
    assert.deepEqual((await lines.known(rita))?.lines, read);
    await lines.learnName(rita, main.id, 'Main line');
    await lines.read(rita, token());
    assert.equal(lineLabel((await lines.known(rita))?.lines[0] ?? assert.fail()), 'Main line +14085550000', 'a name learned is kept across reads');
  });

  it('names the line by what is known when Webex refuses its numbers', async () => {
    sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', sharedWith: [rita] });
    sim.telephony.ccExtensionsRefused.add(rita);

    const [line] = await lines.read(rita, token());

    assert.equal(lineLabel(line ?? assert.fail()), 'Virtual line');
  });

  it('lets a park go on with her own line when Webex fails to list her lines, and asks again next time', async () => {
    sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', sharedWith: [rita] });
    sim.outages.push({ status: 500, until: Date.now() + 60_000, pathPrefix: '/telephony/config' });

    assert.deepEqual(await lines.of(rita, token()), { lines: [], readNow: true });
    assert.equal(await lines.known(rita), undefined, 'nothing cached: the next park asks again');
  });

  it('remembers that a link without spark:telephony_config_read cannot read them, so a park does not ask each time', async () => {
    sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', sharedWith: [rita] });

    assert.deepEqual(await lines.read(rita, token(['spark:calls_read'])), []);
    const asked = sim.requests.length;
    assert.deepEqual(await lines.of(rita, token(['spark:calls_read'])), { lines: [], readNow: false });
    assert.equal(sim.requests.length, asked);
    assert.equal((await lines.known(rita))?.refused, true);
  });
});
