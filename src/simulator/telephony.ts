import { randomUUID } from 'node:crypto';
import { webexId } from './ids.js';
import { badRequest, notFound, SimError } from './errors.js';
import type { SimOrg } from './org.js';
import type { SimCall, SimParkedCall, SimParty, SimPerson } from './model.js';

export interface IncomingCall {
  toPersonId: string;
  from?: { name?: string; number?: string; privacyEnabled?: boolean };
  /** `alerting` rings; the default is an answered, connected call. */
  state?: 'alerting' | 'connected';
}

const PARKABLE = new Set(['connected', 'held', 'remoteHeld']);

/**
 * Webex Calling call control for one organisation: each person's active calls, and the calls parked
 * against a person's extension or one of the org's call park extensions.
 */
export class SimTelephony {
  readonly calls = new Map<string, SimCall[]>();
  readonly parked = new Map<string, SimParkedCall>();
  readonly parkExtensions: string[];

  constructor(
    private readonly org: SimOrg,
    parkExtensions: string[] = ['1000', '1001', '1002', '1003', '1004'],
  ) {
    this.parkExtensions = parkExtensions;
  }

  /** An outside caller rings a person: their device shows a new call. */
  placeIncomingCall(input: IncomingCall): SimCall {
    this.org.person(input.toPersonId);
    const privacyEnabled = input.from?.privacyEnabled ?? false;
    const remoteParty: SimParty = {
      ...(privacyEnabled ? {} : { name: input.from?.name ?? 'Unknown caller', number: input.from?.number ?? '+15550100' }),
      privacyEnabled,
      callType: 'external',
    };
    return this.addCall(input.toPersonId, 'terminator', input.state ?? 'connected', remoteParty);
  }

  list(personId: string): SimCall[] {
    return this.calls.get(personId) ?? [];
  }

  get(personId: string, callId: string): SimCall {
    const call = this.list(personId).find((c) => c.id === callId);
    if (!call) throw notFound('Call');
    return call;
  }

  park(personId: string, input: { callId?: unknown; destination?: unknown; isGroupPark?: unknown }): SimParty {
    if (typeof input.callId !== 'string' || !input.callId) throw badRequest('callId is required');
    const call = this.get(personId, input.callId);
    if (!PARKABLE.has(call.state)) throw new SimError(409, `A ${call.state} call cannot be parked`);
    const parkedAgainst =
      input.isGroupPark === true
        ? this.freeParkExtension()
        : typeof input.destination === 'string' && input.destination
          ? this.resolve(input.destination)
          : this.partyOf(this.org.person(personId));
    if (!parkedAgainst.number) throw badRequest('The destination has no number to park against');
    if (this.parked.has(parkedAgainst.number)) {
      throw new SimError(409, `A call is already parked against ${parkedAgainst.number}`);
    }
    this.removeCall(personId, call.id);
    this.parked.set(parkedAgainst.number, { call, parkedBy: personId, parkedAgainst, parkedAt: new Date().toISOString() });
    return parkedAgainst;
  }

  retrieve(personId: string, input: { destination?: unknown }): { callId: string; callSessionId: string } {
    const number =
      typeof input.destination === 'string' && input.destination
        ? this.resolve(input.destination).number
        : this.partyOf(this.org.person(personId)).number;
    const parked = number ? this.parked.get(number) : undefined;
    if (!number || !parked) throw notFound('Parked call');
    this.parked.delete(number);
    const call = this.addCall(personId, 'originator', 'connected', parked.call.remoteParty);
    return { callId: call.id, callSessionId: call.callSessionId };
  }

  hangup(personId: string, callId: unknown): void {
    if (typeof callId !== 'string' || !callId) throw badRequest('callId is required');
    this.get(personId, callId);
    this.removeCall(personId, callId);
  }

  private addCall(personId: string, personality: SimCall['personality'], state: SimCall['state'], remoteParty: SimParty): SimCall {
    const calls = this.list(personId);
    const created = new Date().toISOString();
    const call: SimCall = {
      id: webexId('CALL'),
      callSessionId: randomUUID(),
      personality,
      state,
      remoteParty,
      appearance: calls.length + 1,
      created,
      ...(state === 'connected' ? { answered: created } : {}),
    };
    this.calls.set(personId, [...calls, call]);
    this.publishCall(personId, call, state === 'connected' ? 'connected' : 'received', 'created');
    return call;
  }

  private removeCall(personId: string, callId: string): void {
    const call = this.get(personId, callId);
    this.calls.set(personId, this.list(personId).filter((c) => c.id !== callId));
    this.publishCall(personId, { ...call, state: 'disconnected' }, 'disconnected', 'deleted');
  }

  private publishCall(personId: string, call: SimCall, eventType: string, event: 'created' | 'deleted'): void {
    this.org.publish({
      resource: 'telephony_calls',
      event,
      actorId: personId,
      data: { ...call, eventType, eventTimestamp: new Date().toISOString(), personId },
      audience: [personId],
    });
  }

  /** Turns any of the documented destination forms into the party a call would be parked against. */
  private resolve(destination: string): SimParty {
    const bare = destination.replace(/^(tel:|sip:)/i, '');
    if (this.parkExtensions.includes(bare)) {
      return { name: `Call Park ${bare}`, number: bare, placeId: webexId('PLACE', `park-${bare}`), privacyEnabled: false, callType: 'location' };
    }
    const person = bare.includes('@')
      ? this.org.personByEmail(bare)
      : [...this.org.people.values()].find((p) => p.extension === bare || p.phoneNumbers.some((n) => n.value === bare));
    if (!person) throw badRequest(`${destination} is not a valid park destination`);
    return this.partyOf(person);
  }

  private freeParkExtension(): SimParty {
    const free = this.parkExtensions.find((ext) => !this.parked.has(ext));
    if (!free) throw new SimError(409, 'Every call park extension in the group is in use');
    return this.resolve(free);
  }

  private partyOf(person: SimPerson): SimParty {
    const number = person.extension ?? person.phoneNumbers[0]?.value;
    return {
      name: person.displayName,
      ...(number ? { number } : {}),
      personId: person.id,
      privacyEnabled: false,
      callType: 'location',
    };
  }
}
