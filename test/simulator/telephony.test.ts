import { strict as assert } from 'node:assert';
import { SimOrg } from '../../src/simulator/org.js';
import { SimTelephony } from '../../src/simulator/telephony.js';
import { SimError } from '../../src/simulator/errors.js';
import type { SimEvent } from '../../src/simulator/org.js';
import sinon from 'sinon';

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
    const ringing = phones.placeIncomingCall({ toPersonId: rita, answer: false });
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

  describe('call events, as NOTES.md describes them', () => {
    let events: SimEvent[];
    const seen = (personId: string): string[] =>
      events.filter((e) => e.audience.includes(personId)).map((e) => `${e.event}/${String(e.data.eventType)}/${String(e.data.state)}`);

    beforeEach(() => {
      events = [];
      org.on('event', (event) => events.push(event));
    });

    it('rings before it connects, names the call callId, and carries the required Call fields', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
      assert.deepEqual(seen(rita), ['created/received/alerting', 'updated/answered/connected']);
      const data = events[1]?.data ?? {};
      assert.equal(data.callId, call.id);
      assert.equal('id' in data, false);
      assert.equal(typeof data.eventTimestamp, 'string');
      assert.equal(data.muteCapable, true);
      assert.equal(data.muted, false);
      assert.deepEqual(data.remoteParty, { name: 'Acme', number: '+15550100', privacyEnabled: false, callType: 'external' });
    });

    it('rings the retriever with the parked caller, and connects only when answered', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
      phones.park(rita, { callId: call.id });
      assert.deepEqual(seen(rita).at(-1), 'deleted/disconnected/disconnected', 'the parker sees the call leave');
      const { callId } = phones.retrieve(sam, { destination: '2001' });
      assert.deepEqual(seen(sam), ['created/received/alerting']);
      assert.equal(phones.get(sam, callId).remoteParty.name, 'Acme');
      phones.answer(sam, callId);
      assert.deepEqual(seen(sam), ['created/received/alerting', 'updated/answered/connected']);
      assert.equal(phones.parked.size, 0);
    });

    it('gives each calling user a desk phone and the app, and rings only the endpoint a retrieve names', () => {
      const endpoints = phones.endpoints.of(sam);
      assert.deepEqual(
        endpoints.map(({ type, name, isPreferredAnswerEndpoint }) => ({ type, name, isPreferredAnswerEndpoint })),
        [
          { type: 'DEVICE', name: "Cisco 8865 (Sam's desk)", isPreferredAnswerEndpoint: false },
          { type: 'APPLICATION', name: 'Webex Desktop Application', isPreferredAnswerEndpoint: false },
        ],
      );
      assert.notEqual(phones.endpoints.of(rita)[0]?.id, endpoints[0]?.id, 'each person’s own');
      const desk = endpoints[0]?.id ?? '';
      const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
      phones.park(rita, { callId: call.id });

      const { callId } = phones.retrieve(sam, { destination: '2001', endpointId: desk });
      assert.deepEqual(phones.ringingOn(sam, callId).map((e) => e.id), [desk], 'only the desk phone rings');
      phones.answer(sam, callId);
      const samsEvents = events.filter((e) => e.audience.includes(sam));
      assert.deepEqual(samsEvents.map((e) => e.data.endpointId), [desk, desk], 'its call events say which endpoint');
      assert.deepEqual(samsEvents.map((e) => e.data.endpointType), ['DEVICE', 'DEVICE']);
    });

    it('rings every endpoint without an endpointId, and refuses one that is not the retriever’s', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita });
      phones.park(rita, { callId: call.id });
      const ritasDesk = phones.endpoints.of(rita)[0]?.id;
      assert.equal(status(() => phones.retrieve(sam, { destination: '2001', endpointId: ritasDesk })), 400, 'someone else’s phone');
      const [desk] = phones.endpoints.of(sam);
      phones.endpoints.remove(sam, desk?.id ?? '');
      assert.equal(status(() => phones.retrieve(sam, { destination: '2001', endpointId: desk?.id })), 400, 'a removed phone');
      assert.ok(phones.parked.has('2001'), 'a refused retrieve leaves the call parked');
      const { callId } = phones.retrieve(sam, { destination: '2001' });
      assert.deepEqual(phones.ringingOn(sam, callId), phones.endpoints.of(sam));
      assert.equal(events.at(-1)?.data.endpointId, undefined);
    });

    it('puts a declined retrieve back where it was parked (modelled)', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita });
      phones.park(rita, { callId: call.id, destination: '1002' });
      const { callId } = phones.retrieve(sam, { destination: '1002' });
      phones.hangup(sam, callId);
      assert.deepEqual(seen(sam), ['created/received/alerting', 'deleted/disconnected/disconnected']);
      assert.equal(events.at(-1)?.data.answered, undefined, 'it never connected');
      assert.ok(phones.parked.has('1002'));
    });

    it('ends a retrieve nobody answers after the ring time, and parks the caller again (modelled)', () => {
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        phones.noAnswerMs = 20_000;
        const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
        phones.park(rita, { callId: call.id, destination: '1002' });
        phones.retrieve(sam, { destination: '1002' });
        clock.tick(19_000);
        assert.equal(phones.list(sam)[0]?.state, 'alerting');
        clock.tick(1_000);
        assert.deepEqual(phones.list(sam), []);
        assert.deepEqual(seen(sam), ['created/received/alerting', 'deleted/disconnected/disconnected']);
        assert.ok(phones.parked.has('1002'));
      } finally {
        clock.restore();
      }
    });

    it('rings the parker back after the recall time, saying where it was parked', () => {
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        phones.recallMs = 45_000;
        const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
        phones.park(rita, { callId: call.id, destination: '1001' });
        clock.tick(44_000);
        assert.ok(phones.parked.has('1001'));
        clock.tick(1_000);
        assert.equal(phones.parked.has('1001'), false);
        const recall = events.at(-1);
        assert.equal(`${recall?.event}/${String(recall?.data.eventType)}`, 'created/received');
        assert.equal(recall?.data.personality, 'terminator');
        assert.equal(recall?.data.state, 'alerting');
        const { type, party } = recall?.data.recall as { type: string; party: { number: string; callType: string } };
        assert.deepEqual([type, party.number, party.callType], ['park', '1001', 'location']);
      } finally {
        clock.restore();
      }
    });

    it('tells no one when a parked caller hangs up; the next retrieve finds nothing', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita });
      phones.park(rita, { callId: call.id });
      const before = events.length;
      phones.callerHangsUp({ parkedOn: '2001' });
      assert.equal(events.length, before);
      assert.equal(status(() => phones.retrieve(sam, { destination: '2001' })), 404);
    });

    it('lets someone pick a parked call up from a desk phone: a call to the slot that connects to the caller (modelled)', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
      phones.park(rita, { callId: call.id });
      phones.pickUpFromPhone(sam, '2001');
      assert.deepEqual(seen(sam), ['created/originated/connecting', 'updated/answered/connected']);
      const [dialling, connected] = events.filter((e) => e.audience.includes(sam)).map((e) => e.data.remoteParty as { number?: string; name?: string });
      assert.equal(dialling?.number, '2001', 'while it connects, the call names the slot dialled');
      assert.deepEqual([connected?.name, connected?.number], ['Acme', '+15550100'], 'connected, it names the parked caller');
      assert.equal(phones.list(sam)[0]?.remoteParty.name, 'Acme');
      assert.equal(phones.parked.size, 0);

      const again = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
      phones.park(rita, { callId: again.id, destination: '1003' });
      phones.pickUpFromPhone(sam, '1003', '*881003');
      assert.equal(events.filter((e) => e.audience.includes(sam)).map((e) => (e.data.remoteParty as { number?: string }).number).at(-2), '*881003', 'with the retrieve code, as dialled');
      assert.equal(status(() => phones.dial(sam, { destination: '*881004' })), 404, 'nothing parked there');
    });

    it('dials an outside number: the far end answers, and no park slot is touched', () => {
      const call = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme', number: '+15550100' } });
      phones.park(rita, { callId: call.id });
      phones.dial(sam, { destination: '+15550100', farEnd: { name: 'Acme main line' } });
      assert.deepEqual(seen(sam), ['created/originated/connecting', 'updated/answered/connected']);
      assert.equal(phones.list(sam)[0]?.remoteParty.name, 'Acme main line');
      assert.ok(phones.parked.has('2001'), 'the parked caller still waits');
    });

    it('keeps each organisation’s park slots and people apart', () => {
      const otherOrg = org.addOrganisation();
      const theirs = new SimTelephony(org, { orgId: otherOrg });
      const bob = org.addPerson({ displayName: 'Bob', email: 'bob@other.example', extension: '2001', orgId: otherOrg }).id;
      const mine = phones.placeIncomingCall({ toPersonId: rita, from: { name: 'Acme' } });
      phones.park(rita, { callId: mine.id });
      const his = theirs.placeIncomingCall({ toPersonId: bob, from: { name: 'Acme' } });
      assert.equal(theirs.park(bob, { callId: his.id }).personId, bob, 'their 2001 is Bob');
      assert.equal(status(() => theirs.park(bob, { callId: his.id, destination: 'rita@example.com' })), 404, 'the call is parked already');
      assert.ok(phones.parked.has('2001') && theirs.parked.has('2001'));
    });
  });
});
