import { strict as assert } from 'node:assert';
import { Handovers } from '../../src/calls/handovers.js';
import type { CallEvent } from '../../src/webex/schemas.js';

const event = (callId: string, name: string): CallEvent =>
  ({ callId, eventType: 'received', eventTimestamp: new Date().toISOString(), state: 'alerting', personality: 'terminator', remoteParty: { name, number: '+15550100', privacyEnabled: false, callType: 'external' } });

describe('handovers: who Webex put through to a retriever, from their own call events', () => {
  it('hands a waiting retrieve the event of its call, whether it comes after or came before', async () => {
    const handovers = new Handovers();
    const waiting = handovers.eventFor('SAM', 'CALL-1', 1000);
    handovers.saw('SAM', event('CALL-OTHER', 'Someone else entirely'));
    handovers.saw('PRIYA', event('CALL-1', 'Not Sam’s call'));
    handovers.saw('SAM', event('CALL-1', 'Acme Corp'));
    assert.equal((await waiting)?.remoteParty?.name, 'Acme Corp');

    handovers.saw('SAM', event('CALL-2', 'Globex'));
    assert.equal((await handovers.eventFor('SAM', 'CALL-2', 1000))?.remoteParty?.name, 'Globex');
  });

  it('gives up after the wait, so the retrieve can ask Webex instead', async () => {
    const handovers = new Handovers();
    const started = Date.now();
    assert.equal(await handovers.eventFor('SAM', 'CALL-3', 50), undefined);
    assert.ok(Date.now() - started < 1000);
  });
});
