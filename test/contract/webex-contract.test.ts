import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADDITION_MARK, SPEC_FILE, WebexContract, withoutAdditions } from '../support/webex-contract.js';

const SHARED_SPEC = join(__dirname, '..', '..', '..', 'shared', 'webex-spec', 'openapi-subset.json');

const call = {
  id: 'CALL',
  callSessionId: 'SESSION',
  personality: 'terminator',
  state: 'connected',
  remoteParty: { name: 'Acme', number: '+15550100', privacyEnabled: false, callType: 'external' },
  created: '2026-11-23T10:00:00.000Z',
  muteCapable: true,
  muted: false,
};

describe('the Webex API contract the end-to-end tests hold the simulator and the bot to', () => {
  const contract = new WebexContract();

  it('is the same subset as shared/webex-spec, but for the operations and schemas marked as our additions', function () {
    if (!existsSync(SHARED_SPEC)) return this.skip();
    const shared = JSON.parse(readFileSync(SHARED_SPEC, 'utf8')) as unknown;
    assert.deepEqual(withoutAdditions(JSON.parse(readFileSync(SPEC_FILE, 'utf8'))), shared, 'spec/webex-openapi-subset.json drifted from the shared copy');
  });

  it('says where Webex documents each addition', () => {
    const operation = contract.document.paths['/telephony/config/people/me/settings/availablePreferredAnswerEndpoints']?.get as unknown as Record<string, unknown>;
    assert.match(String(operation[ADDITION_MARK]), /Get List Available Preferred Answer Endpoints/);
    assert.match(String((contract.document.components.schemas.PreferredAnswerEndpoint as unknown as Record<string, unknown>)[ADDITION_MARK]), /developer\.webex\.com/);
  });

  it('holds the endpoints list to Webex’s shape', () => {
    const path = '/telephony/config/people/me/settings/availablePreferredAnswerEndpoints';
    const desk = { id: 'DEVICE', type: 'DEVICE', name: 'Cisco 8865 (reception)', isPreferredAnswerEndpoint: false };
    assert.deepEqual(contract.check({ method: 'GET', path, status: 200, response: { endpoints: [desk] } }), []);
    assert.match(contract.check({ method: 'GET', path, status: 200, response: { endpoints: [{ ...desk, type: 'PHONE' }] } })[0] ?? '', /allowed values/);
    assert.match(contract.check({ method: 'GET', path, status: 200, response: {} })[0] ?? '', /endpoints/);
    assert.deepEqual(contract.check({ method: 'POST', path: '/telephony/calls/retrieve', body: { destination: '2001', endpointId: 'DEVICE' }, status: 201, response: { callId: 'C', callSessionId: 'S' } }), []);
  });

  it('accepts what Webex documents', () => {
    assert.deepEqual(contract.check({ method: 'GET', path: '/telephony/calls', status: 200, response: { items: [call] } }), []);
    assert.deepEqual(contract.check({ method: 'POST', path: '/telephony/calls/park', body: { callId: 'CALL', destination: '1001' }, status: 200, response: { parkedAgainst: { number: '1001', privacyEnabled: false, callType: 'location' } } }), []);
    assert.deepEqual(contract.check({ method: 'POST', path: '/telephony/calls/retrieve', body: {}, status: 201, response: { callId: 'NEW', callSessionId: 'S' } }), []);
    assert.deepEqual(contract.check({ method: 'GET', path: '/people/', query: { id: 'A,B' }, status: 200, response: { items: [] } }), []);
    assert.deepEqual(contract.check({ method: 'POST', path: '/telephony/calls/retrieve', body: {}, status: 404, response: { message: 'gone' } }), []);
  });

  it('catches a Call without its required fields, an undocumented status, and a bad request body', () => {
    const { muteCapable: _m, ...withoutMute } = call;
    assert.match(contract.check({ method: 'GET', path: '/telephony/calls', status: 200, response: { items: [withoutMute] } })[0] ?? '', /muteCapable/);
    assert.match(contract.check({ method: 'POST', path: '/attachment/actions', body: { type: 'submit', messageId: 'M', inputs: {} }, status: 200, response: {} })[0] ?? '', /answered 200/);
    assert.match(contract.check({ method: 'POST', path: '/telephony/calls/park', body: { destination: '1001' }, status: 400 })[0] ?? '', /callId/);
    assert.match(contract.check({ method: 'POST', path: '/telephony/calls/retrieve', body: {}, status: 201, response: { callId: 'NEW' } })[0] ?? '', /callSessionId/);
    assert.match(contract.check({ method: 'GET', path: '/messages', query: {}, status: 200, response: { items: [] } })[0] ?? '', /roomId is required/);
    assert.match(contract.check({ method: 'GET', path: '/telephony/parked', status: 200 })[0] ?? '', /not an operation/);
  });

  it('checks cards and the firehose webhook against NOTES.md, where the published spec says otherwise', () => {
    const card = { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.3' } };
    assert.deepEqual(contract.check({ method: 'POST', path: '/messages', body: { roomId: 'R', markdown: 'x', attachments: [card] }, status: 200, response: { id: 'M' } }), []);
    assert.match(contract.check({ method: 'POST', path: '/messages', body: { roomId: 'R', attachments: [{ content: {} }] }, status: 200, response: { id: 'M' } })[0] ?? '', /contentType/);
    assert.deepEqual(contract.check({ method: 'POST', path: '/webhooks', body: { name: 'n', targetUrl: 'https://x', resource: 'all', event: 'all' }, status: 200, response: { id: 'W' } }), []);
    assert.match(contract.check({ method: 'POST', path: '/webhooks', body: { name: 'n', targetUrl: 'https://x', resource: 'calls', event: 'created' }, status: 200, response: { id: 'W' } })[0] ?? '', /resource/);
  });

  it('holds call event deliveries to the Call shape with callId, eventType and eventTimestamp', () => {
    const envelope = { id: 'W', name: 'n', targetUrl: 'https://x', resource: 'telephony_calls', event: 'created', orgId: 'O', createdBy: 'P', appId: 'A', ownedBy: 'creator', status: 'active', created: 'now', actorId: 'P' };
    const { id, ...fields } = call;
    assert.deepEqual(contract.checkDelivery(JSON.stringify({ ...envelope, data: { callId: id, ...fields, eventType: 'received', eventTimestamp: 'now' } })), []);
    const problems = contract.checkDelivery(JSON.stringify({ ...envelope, data: { ...call, eventType: 'received' } }));
    assert.ok(problems.some((p) => /callId/.test(p)) && problems.some((p) => /eventTimestamp/.test(p)), problems.join('; '));
  });
});
