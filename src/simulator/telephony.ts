import { randomUUID } from 'node:crypto';
import { webexId } from './ids.js';
import { badRequest, notFound, SimError } from './errors.js';
import type { SimOrg } from './org.js';
import type { SimCall, SimEndpoint, SimLine, SimParkedCall, SimParty, SimPerson } from './model.js';
import { SimEndpoints } from './endpoints.js';
import { SimLines } from './lines.js';

export interface IncomingCall {
  toPersonId: string;
  from?: { name?: string; number?: string; privacyEnabled?: boolean };
  /** Answered at once (the default), or left ringing for the person to answer or decline. */
  answer?: boolean;
}

export interface TelephonyOptions {
  parkExtensions?: string[];
  /** How long a parked call waits before it rings back the parker (Webex's default: 45 s). */
  recallMs?: number;
  /** How long a retrieve rings the retriever before it ends unanswered (modelled: see `retrieve`). */
  noAnswerMs?: number;
  /** The organisation whose people, numbers and park slots these are (the home org by default). */
  orgId?: string;
}

/** An outgoing call from a person's phone; `farEnd` names who answers an outside number. */
export interface OutgoingCall {
  destination?: unknown;
  farEnd?: { name?: string };
}

/** A call event's `eventType` (shared/webex-spec/NOTES.md, "Call events webhook"). */
type CallEventType = 'received' | 'originated' | 'answered' | 'disconnected';

const PARKABLE = new Set(['connected', 'held', 'remoteHeld']);
const DEFAULT_RECALL_MS = 45_000;
const DEFAULT_NO_ANSWER_MS = 30_000;
/** Webex Calling's feature access code for Call Park Retrieve: `*88` then the slot (modelled). */
const PARK_RETRIEVE_CODE = '*88';

/**
 * Webex Calling call control for one organisation: each person's calls, the calls parked against a
 * person or one of the org's call park extensions, and the events Webex announces for them. What
 * it does follows NOTES.md: a call rings (`received`, alerting) before it is `answered`; a retrieve
 * rings the retriever; an unretrieved parked call rings back its parker after the recall time; a
 * parked caller who hangs up is announced to no one. Park numbers belong to the organisation: two
 * organisations each have their own 2001.
 *
 * Modelled, not confirmed by Webex (NOTES.md says nothing of it): a retrieve the retriever declines,
 * or does not answer within `noAnswerMs`, ends on their phone (`deleted`/`disconnected`, never
 * answered) and the caller goes back to the park slot, recall time starting again; and a pick-up
 * from a desk phone is a call the picker places to the slot (see `dial`).
 */
export class SimTelephony {
  readonly calls = new Map<string, SimCall[]>();
  readonly parked = new Map<string, SimParkedCall>();
  readonly parkExtensions: string[];
  readonly orgId: string;
  readonly endpoints: SimEndpoints;
  readonly lines = new SimLines();
  /** People for whom Webex refuses the contact-centre extensions route (they lack that feature). */
  readonly ccExtensionsRefused = new Set<string>();
  recallMs: number;
  noAnswerMs: number;
  private readonly recallTimers = new Map<string, NodeJS.Timeout>();
  /** Retrieves ringing on the retriever's phone: declined or unanswered, the call goes back where it was parked. */
  private readonly ringingRetrieves = new Map<string, { parked: SimParkedCall; timer: NodeJS.Timeout }>();
  /** Calls that ring on one endpoint only (a retrieve that named it), by call id. */
  private readonly callEndpoints = new Map<string, SimEndpoint>();

  constructor(
    private readonly org: SimOrg,
    options: TelephonyOptions = {},
  ) {
    this.parkExtensions = options.parkExtensions ?? ['1000', '1001', '1002', '1003', '1004'];
    this.recallMs = options.recallMs ?? DEFAULT_RECALL_MS;
    this.noAnswerMs = options.noAnswerMs ?? DEFAULT_NO_ANSWER_MS;
    this.orgId = options.orgId ?? org.orgId;
    this.endpoints = new SimEndpoints(org);
  }

  /** An outside caller rings a person. */
  placeIncomingCall(input: IncomingCall): SimCall {
    this.org.person(input.toPersonId);
    const privacyEnabled = input.from?.privacyEnabled ?? false;
    const remoteParty: SimParty = {
      ...(privacyEnabled ? {} : { name: input.from?.name ?? 'Unknown caller', number: input.from?.number ?? '+15550100' }),
      privacyEnabled,
      callType: 'external',
    };
    const call = this.ring(input.toPersonId, 'terminator', remoteParty);
    return input.answer === false ? call : this.answer(input.toPersonId, call.id);
  }

  /**
   * An outside caller rings a secondary line (the main number): the call is on the line, seen by
   * whoever has it on their phone only with its `lineOwnerId`, and (as the bot must assume) it sends
   * no call events. Answered at once unless `answer` is false (then `answer(line.id, callId)`).
   */
  placeIncomingCallOnLine(lineId: string, from: IncomingCall['from'] = {}, answer = true): SimCall {
    if (!this.lines.byId.has(lineId)) throw notFound('Line');
    const privacyEnabled = from.privacyEnabled ?? false;
    const remoteParty: SimParty = {
      ...(privacyEnabled ? {} : { name: from.name ?? 'Unknown caller', number: from.number ?? '+15550100' }),
      privacyEnabled,
      callType: 'external',
    };
    const call = this.ring(lineId, 'terminator', remoteParty);
    return answer ? this.answer(lineId, call.id) : call;
  }

  /**
   * Whose calls a request reaches: the person's own line, or (with `lineOwnerId`) one of the secondary
   * lines on their phone, refused otherwise. Calls are kept by the line's owner id.
   */
  lineOf(personId: string, lineOwnerId: unknown): string {
    return lineOwnerId === undefined ? personId : this.lines.ownedBy(personId, lineOwnerId).id;
  }

  list(personId: string): SimCall[] {
    return this.calls.get(personId) ?? [];
  }

  get(personId: string, callId: string): SimCall {
    const call = this.list(personId).find((c) => c.id === callId);
    if (!call) throw notFound('Call');
    return call;
  }

  /** The person answers a ringing call on their phone. */
  answer(personId: string, callId: unknown): SimCall {
    if (typeof callId !== 'string' || !callId) throw badRequest('callId is required');
    const call = this.get(personId, callId);
    if (call.state !== 'alerting') throw new SimError(409, `A ${call.state} call cannot be answered`);
    clearTimeout(this.ringingRetrieves.get(call.id)?.timer);
    this.ringingRetrieves.delete(call.id);
    const answered = this.replaceCall(personId, { ...call, state: 'connected', answered: new Date().toISOString() });
    this.publishCall(personId, answered, 'updated', 'answered');
    return answered;
  }

  /** The person hangs up, or declines a ringing call. A declined retrieve returns to its park slot. */
  hangup(personId: string, callId: unknown): void {
    if (typeof callId !== 'string' || !callId) throw badRequest('callId is required');
    this.get(personId, callId);
    this.endCall(personId, callId);
    this.returnToPark(callId);
  }

  /**
   * With `lineOwnerId`, the call on that secondary line; with no destination it is parked against
   * the line's owner, and a recall rings that line (modelled: Webex does not document either).
   */
  park(personId: string, input: { callId?: unknown; destination?: unknown; isGroupPark?: unknown; lineOwnerId?: unknown }): SimParty {
    if (typeof input.callId !== 'string' || !input.callId) throw badRequest('callId is required');
    const owner = this.lineOf(personId, input.lineOwnerId);
    const call = this.get(owner, input.callId);
    if (!PARKABLE.has(call.state)) throw new SimError(409, `A ${call.state} call cannot be parked`);
    const parkedAgainst =
      input.isGroupPark === true
        ? this.freeParkExtension()
        : typeof input.destination === 'string' && input.destination
          ? this.resolve(input.destination)
          : this.partyOfLine(owner);
    if (!parkedAgainst.number) throw badRequest('The destination has no number to park against');
    if (this.parked.has(parkedAgainst.number)) {
      throw new SimError(409, `A call is already parked against ${parkedAgainst.number}`);
    }
    this.endCall(owner, call.id);
    const now = new Date().toISOString();
    this.putOnPark(parkedAgainst.number, {
      call,
      parkedBy: personId,
      ...(owner !== personId ? { fromLine: owner } : {}),
      parkedAgainst,
      parkedAt: now,
      recallAt: this.recallTime(),
    });
    return parkedAgainst;
  }

  /**
   * Rings the retriever with the parked call; it connects when they answer. Declined (`hangup`) or
   * not answered within `noAnswerMs`, it ends on their phone and the caller goes back to the slot
   * (modelled: Webex does not document either).
   */
  retrieve(personId: string, input: { destination?: unknown; endpointId?: unknown; lineOwnerId?: unknown }): { callId: string; callSessionId: string } {
    const owner = this.lineOf(personId, input.lineOwnerId);
    const endpoint = input.endpointId === undefined ? undefined : this.endpointOf(personId, input.endpointId);
    const number = typeof input.destination === 'string' && input.destination ? this.resolve(input.destination).number : this.partyOfLine(owner).number;
    const parked = number ? this.takeFromPark(number) : undefined;
    if (!parked) throw notFound('Parked call');
    const call = this.ring(owner, 'clickToDial', parked.call.remoteParty, undefined, endpoint);
    const timer = setTimeout(() => {
      if (this.list(owner).some((c) => c.id === call.id && c.state === 'alerting')) this.hangup(owner, call.id);
    }, this.noAnswerMs);
    timer.unref();
    this.ringingRetrieves.set(call.id, { parked, timer });
    return { callId: call.id, callSessionId: call.callSessionId };
  }

  /** Where the person's call rings: the endpoint its retrieve named, or every one of theirs. */
  ringingOn(personId: string, callId: string): SimEndpoint[] {
    const one = this.callEndpoints.get(callId);
    return one ? [one] : this.endpoints.of(personId);
  }

  /** An endpointId Webex would take for this person: one of their own endpoints. */
  private endpointOf(personId: string, endpointId: unknown): SimEndpoint {
    const endpoint = typeof endpointId === 'string' ? this.endpoints.find(personId, endpointId) : undefined;
    if (!endpoint) throw badRequest('endpointId is not an endpoint of this user');
    return endpoint;
  }

  /**
   * A call placed from the person's phone (POST /telephony/calls/dial, or dialled on a desk phone).
   * To a park slot with a call waiting (its number or extension, or `*88` then it): a pick-up. The
   * picker's `created`/`originated` event names the slot dialled while it connects, then
   * `updated`/`answered` names the parked caller. Modelled, not confirmed: Webex documents neither
   * what a pick-up's events say nor the feature code's form. To an outside number: the far end
   * answers at once. Dialling a colleague is not modelled.
   */
  dial(personId: string, input: OutgoingCall): SimCall {
    if (typeof input.destination !== 'string' || !input.destination) throw badRequest('destination is required');
    const dialled = input.destination.replace(/^tel:/i, '');
    const slot = dialled.startsWith(PARK_RETRIEVE_CODE) ? dialled.slice(PARK_RETRIEVE_CODE.length) : dialled;
    const parked = this.parked.get(slot);
    if (parked) {
      this.takeFromPark(slot);
      const remote: SimParty = { ...parked.parkedAgainst, number: dialled };
      return this.connectOutgoing(personId, remote, parked.call.remoteParty);
    }
    // The feature code, or a call park extension, with nothing parked there.
    if (slot !== dialled || this.parkExtensions.includes(slot)) throw notFound('Parked call');
    if (this.personAt(slot)) throw badRequest('The simulator does not model calls between colleagues');
    const outside: SimParty = { number: dialled, privacyEnabled: false, callType: 'external' };
    return this.connectOutgoing(personId, outside, { ...outside, ...(input.farEnd?.name ? { name: input.farEnd.name } : {}) });
  }

  /** Someone dials the park slot (or `*88` and the slot) from a desk phone: the bot's API never sees it. */
  pickUpFromPhone(personId: string, number: string, dialled: string = number): SimCall {
    if (dialled.replace(PARK_RETRIEVE_CODE, '') !== number) throw badRequest(`${dialled} does not reach ${number}`);
    if (!this.parked.has(number)) throw notFound('Parked call');
    return this.dial(personId, { destination: dialled });
  }

  private connectOutgoing(personId: string, dialledParty: SimParty, answeredBy: SimParty): SimCall {
    const call = this.addCall(personId, { personality: 'originator', state: 'connecting', remoteParty: dialledParty });
    this.publishCall(personId, call, 'created', 'originated');
    const connected = this.replaceCall(personId, { ...call, state: 'connected', remoteParty: answeredBy, answered: new Date().toISOString() });
    this.publishCall(personId, connected, 'updated', 'answered');
    return connected;
  }

  /** The outside caller hangs up: on someone's phone (they see it end), or parked (no one is told). */
  callerHangsUp(where: { parkedOn: string } | { personId: string; callId: string }): void {
    if ('parkedOn' in where) {
      if (!this.takeFromPark(where.parkedOn)) throw notFound('Parked call');
      return;
    }
    this.get(where.personId, where.callId);
    this.endCall(where.personId, where.callId);
    clearTimeout(this.ringingRetrieves.get(where.callId)?.timer);
    this.ringingRetrieves.delete(where.callId);
  }

  /** Nobody retrieved the call in time: it leaves the park slot and rings the parker again. */
  recall(number: string): SimCall {
    const parked = this.takeFromPark(number);
    if (!parked) throw notFound('Parked call');
    return this.ring(parked.fromLine ?? parked.parkedBy, 'terminator', parked.call.remoteParty, { type: 'park', party: parked.parkedAgainst });
  }

  /** Every phone goes idle and every pending recall is cancelled. */
  reset(): void {
    for (const timer of this.recallTimers.values()) clearTimeout(timer);
    for (const { timer } of this.ringingRetrieves.values()) clearTimeout(timer);
    this.recallTimers.clear();
    this.ringingRetrieves.clear();
    this.parked.clear();
    this.calls.clear();
    this.callEndpoints.clear();
  }

  /** A retrieve that ended before it connected: the caller waits on the slot again (or, if a newer call took it, rings back the parker). */
  private returnToPark(callId: string): void {
    const retrieve = this.ringingRetrieves.get(callId);
    if (!retrieve) return;
    clearTimeout(retrieve.timer);
    this.ringingRetrieves.delete(callId);
    const { parked } = retrieve;
    const number = parked.parkedAgainst.number ?? '';
    if (this.parked.has(number)) this.ring(parked.fromLine ?? parked.parkedBy, 'terminator', parked.call.remoteParty, { type: 'park', party: parked.parkedAgainst });
    else this.putOnPark(number, { ...parked, recallAt: this.recallTime() });
  }

  private putOnPark(number: string, parked: SimParkedCall): void {
    this.parked.set(number, parked);
    const delay = Math.max(0, Date.parse(parked.recallAt) - Date.now());
    const timer = setTimeout(() => {
      if (this.parked.get(number) === parked) this.recall(number);
    }, delay);
    timer.unref();
    this.recallTimers.set(number, timer);
  }

  private takeFromPark(number: string): SimParkedCall | undefined {
    const parked = this.parked.get(number);
    clearTimeout(this.recallTimers.get(number));
    this.recallTimers.delete(number);
    this.parked.delete(number);
    return parked;
  }

  private recallTime(): string {
    return new Date(Date.now() + this.recallMs).toISOString();
  }

  private ring(personId: string, personality: SimCall['personality'], remoteParty: SimParty, recall?: SimCall['recall'], endpoint?: SimEndpoint): SimCall {
    const call = this.addCall(personId, { personality, state: 'alerting', remoteParty, ...(recall ? { recall } : {}) });
    if (endpoint) this.callEndpoints.set(call.id, endpoint);
    this.publishCall(personId, call, 'created', 'received');
    return call;
  }

  private addCall(personId: string, fields: Pick<SimCall, 'personality' | 'state' | 'remoteParty' | 'recall'>): SimCall {
    const calls = this.list(personId);
    const call: SimCall = {
      id: webexId('CALL'),
      callSessionId: randomUUID(),
      ...fields,
      appearance: calls.length + 1,
      created: new Date().toISOString(),
      muteCapable: true,
      muted: false,
    };
    this.calls.set(personId, [...calls, call]);
    return call;
  }

  private replaceCall(personId: string, call: SimCall): SimCall {
    this.calls.set(personId, this.list(personId).map((c) => (c.id === call.id ? call : c)));
    return call;
  }

  private endCall(personId: string, callId: string): void {
    const call = this.get(personId, callId);
    this.calls.set(personId, this.list(personId).filter((c) => c.id !== callId));
    this.publishCall(personId, { ...call, state: 'disconnected' }, 'deleted', 'disconnected');
    this.callEndpoints.delete(callId);
  }

  /** Only the person's own webhooks hear of their calls (`ownedBy: creator`). */
  private publishCall(personId: string, call: SimCall, event: 'created' | 'updated' | 'deleted', eventType: CallEventType): void {
    // A virtual line's or workspace's calls send nothing without an admin's webhook interest registration (not modelled).
    const line = this.lines.byId.get(personId);
    if (line && line.memberType !== 'PEOPLE') return;
    const { id: callId, ...fields } = call;
    const now = new Date().toISOString();
    const endpoint = this.callEndpoints.get(callId);
    this.org.publish({
      resource: 'telephony_calls',
      event,
      actorId: personId,
      data: {
        callId,
        ...fields,
        personId,
        eventType,
        eventTimestamp: now,
        ...(eventType === 'disconnected' ? { disconnected: now } : {}),
        ...(endpoint ? { endpointId: endpoint.id, endpointType: endpoint.type } : {}),
      },
      audience: [personId],
    });
  }

  /** Turns any of the documented destination forms into the party a call would be parked against. */
  private resolve(destination: string): SimParty {
    const bare = destination.replace(/^(tel:|sip:)/i, '');
    if (this.parkExtensions.includes(bare)) {
      return { name: `Call Park ${bare}`, number: bare, placeId: webexId('PLACE', `park-${bare}`), privacyEnabled: false, callType: 'location' };
    }
    const line = this.lines.at(bare);
    if (line) return this.partyOfLine(line.id);
    const byEmail = bare.includes('@') ? this.org.personByEmail(bare) : undefined;
    const person = byEmail?.orgId === this.orgId ? byEmail : this.personAt(bare);
    if (!person) throw badRequest(`${destination} is not a valid park destination`);
    return this.partyOf(person);
  }

  /** The person of this organisation with that extension or number. */
  private personAt(number: string): SimPerson | undefined {
    return [...this.org.people.values()].find((p) => p.orgId === this.orgId && (p.extension === number || p.phoneNumbers.some((n) => n.value === number)));
  }

  private freeParkExtension(): SimParty {
    const free = this.parkExtensions.find((ext) => !this.parked.has(ext));
    if (!free) throw new SimError(409, 'Every call park extension in the group is in use');
    return this.resolve(free);
  }

  /** What a call parked against this line (a person's own, or a secondary line's owner) is parked against. */
  private partyOfLine(owner: string): SimParty {
    const line: SimLine | undefined = this.lines.byId.get(owner);
    if (!line || line.memberType === 'PEOPLE') return this.partyOf(this.org.person(owner));
    const number = line.extension ?? line.phoneNumber;
    return {
      name: line.displayName,
      ...(number ? { number } : {}),
      ...(line.memberType === 'PLACE' ? { placeId: line.id } : {}),
      privacyEnabled: false,
      callType: 'location',
    };
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
