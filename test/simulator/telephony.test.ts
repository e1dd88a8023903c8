import { strict as assert } from 'node:assert';
import { SimOrg } from '../../src/simulator/org.js';
import { SimTelephony } from '../../src/simulator/telephony.js';
import { SimError } from '../../src/simulator/errors.js';

describe('simulator: Webex Calling call control', () => {
  let org: SimOrg;
  let phones: SimTelephony;
  let rita: string;
  let sam: string;

  beforeEach(() => {
    org = new SimOrg();
    phones = new SimTelephony(org);
    rita = org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' }).id;
    sam = org.addPerson({ displayName: 'Sam', email: 'sam@example.com', extension: '2002', phoneNumber: '+12223334444' }).id;
  });

  const status = (fn: () => unknown): number | undefined => {
    try {
      fn();
    } catch (error) {
      return error instanceof SimError ? error.status : -1;
    }
    return undefined;
  };

  it('parks against the parker by default and hands the caller to whoever retrieves', () => {
    const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
    assert.deepEqual(phones.park(rita, { callId: call.id }), { name: 'Rita', number: '2001', personId: rita, privacyEnabled: false, callType: 'location' });
    assert.deepEqual(phones.list(rita), []);
    const retrieved = phones.retrieve(sam, { destination: '2001' });
    assert.equal(phones.list(sam)[0]?.id, retrieved.callId);
    assert.equal(phones.list(sam)[0]?.remoteParty.name, 'Acme');
  });

  it('resolves every documented destination form', () => {
    for (const destination of ['2002', '+12223334444', 'tel:+12223334444', 'sam@example.com', 'sip:sam@example.com']) {
      const call = phones.placeIncomingCall({ toPersonId: rita });
      assert.equal(phones.park(rita, { callId: call.id, destination }).personId, sam, destination);
      phones.retrieve(sam, {});
    }
    const call = phones.placeIncomingCall({ toPersonId: rita });
    assert.equal(phones.park(rita, { callId: call.id, destination: '1003' }).number, '1003');
  });

  it('group park picks a free call park extension and ignores the destination', () => {
    const first = phones.placeIncomingCall({ toPersonId: rita });
    const second = phones.placeIncomingCall({ toPersonId: rita });
    assert.equal(phones.park(rita, { callId: first.id, isGroupPark: true, destination: '2002' }).number, '1000');
    assert.equal(phones.park(rita, { callId: second.id, isGroupPark: true }).number, '1001');
  });

  it('refuses what Webex refuses', () => {
    const ringing = phones.placeIncomingCall({ toPersonId: rita, state: 'alerting' });
    assert.equal(status(() => phones.park(rita, {})), 400, 'no callId');
    assert.equal(status(() => phones.park(rita, { callId: 'nope' })), 404, 'not my call');
    assert.equal(status(() => phones.park(sam, { callId: ringing.id })), 404, 'someone else’s call');
    assert.equal(status(() => phones.park(rita, { callId: ringing.id })), 409, 'a ringing call');
    const call = phones.placeIncomingCall({ toPersonId: rita });
    assert.equal(status(() => phones.park(rita, { callId: call.id, destination: 'nobody@example.com' })), 400);
    phones.park(rita, { callId: call.id, destination: '1000' });
    const another = phones.placeIncomingCall({ toPersonId: rita });
    assert.equal(status(() => phones.park(rita, { callId: another.id, destination: '1000' })), 409, 'already occupied');
    assert.equal(status(() => phones.retrieve(sam, { destination: '1001' })), 404, 'nothing parked there');
  });

  it('hides a private caller’s name and number', () => {
    const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Secret', privacyEnabled: true } });
    assert.deepEqual(call.remoteParty, { privacyEnabled: true, callType: 'external' });
  });
});
