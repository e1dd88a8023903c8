import { strict as assert } from 'node:assert';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';

/** Webex's secondary lines (the main number on a receptionist's phone), reached with `lineOwnerId`. */
describe('simulator: secondary lines', () => {
  let sim: WebexSimulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });

  const api = async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${sim.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : null });
    return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };

  it('keeps a call on the main line invisible without lineOwnerId, sends no call event, and parks it against the line with it', async () => {
    const rita = sim.org.addPerson({ displayName: 'Rita Lines', email: 'rita.lines@example.com', extension: '2101' });
    const sam = sim.org.addPerson({ displayName: 'Sam Lines', email: 'sam.lines@example.com', extension: '2102' });
    const rToken = sim.org.issueToken(rita.id, 'access', ['spark:calls_read', 'spark:calls_write', 'spark:telephony_config_read']);
    const sToken = sim.org.issueToken(sam.id, 'access', ['spark:calls_read', 'spark:calls_write', 'spark:telephony_config_read']);
    const line = sim.telephony.lines.add({ displayName: 'Main line', extension: '1000', phoneNumber: '+14085550000', sharedWith: [rita.id] });
    const events: unknown[] = [];
    sim.org.on('event', (event: { resource: string }) => event.resource === 'telephony_calls' && events.push(event));

    const call = sim.telephony.placeIncomingCallOnLine(line.id, { name: 'Acme', number: '+15550100' });

    assert.deepEqual((await api(rToken, 'GET', '/telephony/calls')).json.items, [], 'not on her own line');
    const listed = await api(rToken, 'GET', `/telephony/calls?lineOwnerId=${encodeURIComponent(line.id)}`);
    assert.deepEqual((listed.json.items as { id: string }[]).map((c) => c.id), [call.id]);
    assert.equal((await api(sToken, 'GET', `/telephony/calls?lineOwnerId=${encodeURIComponent(line.id)}`)).status, 400, 'Sam does not have the line');
    assert.equal((await api(sToken, 'POST', '/telephony/calls/park', { callId: call.id, lineOwnerId: line.id })).status, 400);
    assert.equal((await api(rToken, 'POST', '/telephony/calls/park', { callId: call.id })).status, 404, 'without lineOwnerId Webex does not know the call');

    const parked = await api(rToken, 'POST', '/telephony/calls/park', { callId: call.id, lineOwnerId: line.id });
    assert.equal(parked.status, 200);
    assert.deepEqual(parked.json.parkedAgainst, { name: 'Main line', number: '1000', privacyEnabled: false, callType: 'location' });
    assert.deepEqual(events, [], 'no call events for a virtual line');

    const endpoints = await api(rToken, 'GET', '/telephony/config/people/me/endpoints');
    assert.deepEqual((endpoints.json.endpoints as { secondaryLines?: unknown }[]).flatMap((e) => e.secondaryLines ?? []), [{ id: line.id, memberType: 'VIRTUAL_LINE' }]);
    const cc = await api(rToken, 'GET', '/telephony/config/people/me/settings/contactCenterExtensions');
    assert.deepEqual((cc.json.ccExtensions as { type: string; directNumber: string }[]).map((e) => `${e.type} ${e.directNumber}`), ['PRIMARY ', 'SECONDARY +14085550000']);
    sim.telephony.ccExtensionsRefused.add(rita.id);
    assert.equal((await api(rToken, 'GET', '/telephony/config/people/me/settings/contactCenterExtensions')).status, 403);

    // Nobody retrieves it: it rings the main line again, not Rita's own line.
    const recall = sim.telephony.recall('1000');
    assert.deepEqual(sim.telephony.list(line.id).map((c) => c.id), [recall.id]);
    assert.equal(recall.recall?.party.number, '1000');
    assert.deepEqual(sim.telephony.list(rita.id), []);

    // A colleague retrieves from the line's number to their own phone.
    sim.telephony.answer(line.id, recall.id);
    await api(rToken, 'POST', '/telephony/calls/park', { callId: recall.id, lineOwnerId: line.id });
    const retrieved = await api(sToken, 'POST', '/telephony/calls/retrieve', { destination: '1000' });
    assert.equal(retrieved.status, 201);
    assert.equal(sim.telephony.list(sam.id)[0]?.remoteParty.name, 'Acme');
  });
});
