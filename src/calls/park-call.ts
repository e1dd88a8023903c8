import { createHash } from 'node:crypto';
import { WebexApiError } from '../webex/errors.js';
import type { CallingApi } from '../webex/calling-api.js';
import type { IdentityApi } from '../webex/identity-api.js';
import type { Call } from '../webex/schemas.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, PersonRef, Store } from '../storage/store.js';
import { move, moveAll, sameSlot } from './lifecycle.js';
import { parkable, type CallView, type Candidates } from './call-view.js';
import { LINES_SIDE_BY_SIDE, sideBySide, type Line, type LineCall, type PersonLines } from './lines.js';

/**
 * A call Webex dates this much after the request still counts as up when the person asked: Webex's
 * messaging and calling clocks may disagree a little. Small on purpose: a call begun within it is
 * one the person answered and asked about in the same couple of seconds, and erring the other way
 * only means a live park is offered as a private choice.
 */
export const ASKED_SKEW_MS = 2_000;

export interface ParkRequest {
  /** Derived from the event that asked (`parkIdFor`): a replay of that event finds the same record. */
  parkId: string;
  roomId: string;
  by: PersonRef;
  /** The parker's organisation, as Webex named it with the person; asked of Webex when not known. */
  orgId?: string;
  destination?: string;
  groupPark?: boolean;
  /** Who the call is for: it must be a member of the space, and Webex says their name. */
  forPersonId?: string;
  note?: string;
  /** Set when the person picked one of several calls from the picker card. */
  callId?: string;
  /**
   * When the person asked (ISO 8601): the message's or card tap's `created`, as Webex dated it. Only a
   * call already up then may be parked by this request, however much later it is carried out.
   */
  askedAt: string;
}

export type ParkOutcome =
  /** `superseded`: older calls the bot showed on the same number, now closed (that number was free). */
  | { type: 'parked'; call: ParkedCall; superseded: ParkedCall[] }
  | { type: 'no-call' }
  /** Several calls could be meant: the person must pick one. */
  | { type: 'choose'; calls: LineCall[] }
  /**
   * The calls the person has now all began after they asked (carried out later: after linking, or
   * replayed): none is the call asked about, so nothing was parked and the person must pick privately.
   */
  | { type: 'began-later'; calls: LineCall[] }
  /** A group park was under way when the bot stopped; Webex parked the call, but where is not known. */
  | { type: 'parked-somewhere'; call: ParkedCall }
  /** The person it was for is not a member of the space: nothing was parked. */
  | { type: 'not-in-space' }
  /**
   * The person it was for is in another organisation than the parker: they could never take the call
   * (a park number is the parker's organisation's), so nothing was parked.
   */
  | { type: 'other-organisation'; forPerson: PersonRef }
  /** This event's park failed earlier, and the person was told then (a replay of it). */
  | { type: 'not-parked'; call: ParkedCall };

/** Who is in a space, as Webex says (the bot's own view of its spaces). */
export interface SpaceMembers {
  /** A member who is not a bot, with their organisation when Webex names it. */
  member(roomId: string, personId: string): Promise<(PersonRef & { orgId?: string }) | undefined>;
  /** Everyone in the space but bots. */
  people(roomId: string): Promise<PersonRef[]>;
}

export interface ParkDeps {
  calling: CallingApi;
  callView: CallView;
  members: SpaceMembers;
  identity: IdentityApi;
  vault: TokenVault;
  store: Store;
  /** The person's secondary lines (the main number on her phone); none when absent. */
  lines?: PersonLines;
  now?: () => Date;
}

/** The same event always gets the same park id (a UUID-shaped hash of its key). */
export function parkIdFor(eventKey: string): string {
  const hex = createHash('sha256').update(eventKey).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Parks the person's active call with their own token and records it as waiting in the space. The
 * record is written as `parking` before Webex is asked, so a run cut short by a crash can tell, when
 * the event is replayed, whether the park happened.
 */
export async function parkCall(deps: ParkDeps, request: ParkRequest): Promise<ParkOutcome> {
  const earlier = await deps.store.parkedCall(request.parkId);
  if (earlier?.notParked) return { type: 'not-parked', call: earlier };
  if (earlier && earlier.state !== 'parking') return { type: 'parked', call: earlier, superseded: [] };
  const personId = request.by.personId;
  return deps.vault.withToken(personId, async (token) => {
    if (earlier) {
      const active = earlier.line ? await deps.calling.activeCalls(token, earlier.line.ownerId) : await deps.callView.listed(personId, token);
      return closingOnFailure(deps, earlier, () => resumePark(deps, token, earlier, active, request));
    }
    // Lookups that do not depend on each other go side by side: one round trip, not three.
    const [member, found, orgId] = await Promise.all([
      request.forPersonId ? deps.members.member(request.roomId, request.forPersonId) : undefined,
      askedAbout(deps, token, request),
      request.orgId ?? deps.identity.me(token).then((me) => me.orgId),
    ]);
    if (request.forPersonId && !member) return { type: 'not-in-space' };
    const forPerson = member && { personId: member.personId, name: member.name };
    if (forPerson && member.orgId && orgId && member.orgId !== orgId) return { type: 'other-organisation', forPerson };
    if (found.calls.length === 0) return found.later.length > 0 ? { type: 'began-later', calls: found.later } : { type: 'no-call' };
    if (found.calls.length > 1) return { type: 'choose', calls: found.calls };
    const call = found.calls[0] as LineCall;
    const record = newRecord({ ...request, ...(orgId ? { orgId } : {}) }, call, deps.now?.() ?? new Date(), forPerson);
    await deps.store.saveParkedCall(record);
    return closingOnFailure(deps, record, () => (found.fromView ? parkFromView(deps, token, record, request) : parkAndRecord(deps, token, record, request)));
  });
}

/** The calls a park may take, and those up now that began after it was asked (`later`): never taken by it. */
interface AskedAbout extends Candidates {
  calls: LineCall[];
  later: LineCall[];
}

/**
 * The calls this request may park, across her own line and each secondary line on her phone: the one
 * picked from the picker, or those already up when the person asked. A park carried out later than
 * asked (after linking; or replayed from the spool, the inbox after a crash, or a lease that ran out)
 * must not take a call that began since. Her own line's call view is used only when it names one call
 * known to be up then and no line has another; anything else is Webex's lists' to say (there,
 * `created` is always given). A secondary line sends no events, so it is always listed: side by side
 * with her own line, so a person without one waits no longer than before.
 */
async function askedAbout(deps: ParkDeps, token: string, request: ParkRequest): Promise<AskedAbout> {
  const personId = request.by.personId;
  const { lines, readNow } = deps.lines ? await deps.lines.of(personId, token) : { lines: [], readNow: true };
  const [own, listedLines] = await Promise.all([deps.callView.candidates(personId, token, request.callId), listLines(deps, token, lines, request.callId)]);
  const { calls: onLines, refused } = listedLines;
  const split = upWhenAsked(request, [...own.calls, ...onLines]);
  const viewNamedIt = own.fromView && split.calls.length === 1 && split.later.length === 0 && split.calls[0]?.line === undefined;
  if (!own.fromView || viewNamedIt) return withLinesAdded({ ...split, fromView: viewNamedIt });
  return withLinesAdded({ ...upWhenAsked(request, [...(await deps.callView.listed(personId, token)), ...onLines]), fromView: false });

  /**
   * Nothing found on the lines known, or Webex refused one of them: an admin may have changed the lines
   * on her phone since they were read. They are read again (not when just read), and any new line
   * listed: only a park that would otherwise say "no call", or that met a line taken away, waits for it.
   */
  async function withLinesAdded(found: AskedAbout): Promise<AskedAbout> {
    if ((!refused && (found.calls.length > 0 || found.later.length > 0)) || readNow || !deps.lines) return found;
    const known = new Set(lines.map((line) => line.ownerId));
    const added = (await deps.lines.read(personId, token)).filter((line) => !known.has(line.ownerId));
    if (added.length === 0) return found;
    const more = upWhenAsked(request, (await listLines(deps, token, added, request.callId)).calls);
    if (more.calls.length === 0 && more.later.length === 0) return found;
    return { calls: [...found.calls, ...more.calls], later: [...found.later, ...more.later], fromView: false };
  }
}

/**
 * The parkable calls on each secondary line (only the picked one, if any), each knowing its line.
 * `refused`: Webex refused a line as not hers (taken off her phone since her lines were read): it has
 * no call of hers, and is no reason to fail a park of a call on another line.
 */
async function listLines(deps: ParkDeps, token: string, lines: Line[], chosenId: string | undefined): Promise<{ calls: LineCall[]; refused: boolean }> {
  let refused = false;
  const listed = await sideBySide(lines, LINES_SIDE_BY_SIDE, async (line) => {
    try {
      return (await deps.calling.activeCalls(token, line.ownerId)).map((call): LineCall => ({ ...call, line }));
    } catch (error) {
      if (!(error instanceof WebexApiError && (error.kind === 'bad-request' || error.kind === 'forbidden' || error.kind === 'not-found'))) throw error;
      refused = true;
      return [];
    }
  });
  return { calls: parkable(listed.flat(), chosenId), refused };
}

/** `calls` split into those up when the person asked and those that began later; a picked call was chosen as it is. */
function upWhenAsked(request: ParkRequest, calls: LineCall[]): { calls: LineCall[]; later: LineCall[] } {
  if (request.callId !== undefined) return { calls, later: [] };
  const askedAt = Date.parse(request.askedAt);
  // A call Webex does not date cannot be shown to have been up: it is offered, never taken.
  const wasUp = (call: LineCall): boolean => call.created !== undefined && Date.parse(call.created) <= askedAt + ASKED_SKEW_MS;
  return { calls: calls.filter(wasUp), later: calls.filter((call) => !wasUp(call)) };
}

/**
 * The call view named the call, and Webex's answer to the park confirms it. Webex not knowing the
 * call (ended without an event reaching the bot), or refusing it in its state, may mean the view was
 * wrong: Webex's own list then decides, once. A list naming the same single call means the view was
 * right, and Webex's refusal stands. So does a refusal of a repeat whose first try Webex may have
 * acted on (its answer lost): the call may be gone because it is parked, and is not "no call", nor a
 * reason to park another.
 */
async function parkFromView(deps: ParkDeps, token: string, record: ParkedCall, request: ParkRequest): Promise<ParkOutcome> {
  try {
    return await parkAndRecord(deps, token, record, request);
  } catch (error) {
    if (!(error instanceof WebexApiError && (error.kind === 'not-found' || error.kind === 'conflict')) || error.afterUnclearTry) throw error;
    const { calls: listed, later } = upWhenAsked(request, await deps.callView.listed(request.by.personId, token, request.callId));
    const [only] = listed;
    if (listed.length === 1 && only?.id === record.callId) throw error;
    if (listed.length !== 1 || !only) {
      // Another run of this event recorded its outcome first (it parked the call): that is the answer, not "no call".
      if (!(await move(deps.store, record, { type: 'not-parked', reason: 'no-call' }, deps.now?.() ?? new Date()))) return recordedOutcome(deps, record, error);
      if (listed.length === 0) return later.length > 0 ? { type: 'began-later', calls: later } : { type: 'no-call' };
      return { type: 'choose', calls: listed };
    }
    const retargeted = await move(deps.store, record, { type: 'another-call', callId: only.id, caller: callerOf(only) }, deps.now?.() ?? new Date());
    // Moved on meanwhile (this event replayed elsewhere): that run parks, not this one.
    if (!retargeted) throw error;
    return parkAndRecord(deps, token, retargeted, request);
  }
}

/**
 * Webex failed the park (after bounded retries) or refused it: the record gets its outcome now
 * rather than staying `parking`. A 5xx other than 503 leaves it unclear whether Webex parked the
 * call; if it did, the call rings back the person who parked it after the recall time, as any park.
 */
async function closingOnFailure(deps: ParkDeps, record: ParkedCall, park: () => Promise<ParkOutcome>): Promise<ParkOutcome> {
  try {
    return await park();
  } catch (error) {
    // A 401 is not final: the vault refreshes the token and runs the park again.
    if (!(error instanceof WebexApiError) || error.kind === 'unauthorized') throw error;
    // Another run of this event recorded its outcome first (it parked the call): that is the answer, not this failure.
    if (!(await move(deps.store, record, { type: 'not-parked', reason: error.kind }, deps.now?.() ?? new Date()))) return recordedOutcome(deps, record, error);
    throw error;
  }
}

/**
 * What the record says of a park whose outcome another run of the same event recorded first, so one
 * park gets one answer (the card that run posts); `error` when it says nothing yet.
 */
async function recordedOutcome(deps: ParkDeps, record: ParkedCall, error: unknown): Promise<ParkOutcome> {
  const now = await deps.store.parkedCall(record.id);
  if (now?.notParked) return { type: 'not-parked', call: now };
  if (now && now.state !== 'parking') return { type: 'parked', call: now, superseded: [] };
  throw error;
}

async function parkAndRecord(deps: ParkDeps, token: string, record: ParkedCall, request: ParkRequest): Promise<ParkOutcome> {
  const againstLine = !request.groupPark && !request.destination;
  const parkedAgainst = await deps.calling.park(token, {
    callId: record.callId ?? '',
    ...(request.groupPark ? { isGroupPark: true } : request.destination ? { destination: request.destination } : {}),
    ...(record.line ? { lineOwnerId: record.line.ownerId } : {}),
  });
  if (!parkedAgainst.number) {
    throw new WebexApiError('POST /telephony/calls/park', 200, 'parkedAgainst has no number', undefined, undefined, 'unexpected-response');
  }
  // Parked against the secondary line itself (modelled: Webex does not document where): Webex named the line.
  const line = record.line && againstLine && parkedAgainst.name && !record.line.name ? { ...record.line, name: parkedAgainst.name } : undefined;
  if (line?.name) await deps.lines?.learnName(record.parkedBy.personId, line.ownerId, line.name);
  return recordParked(
    deps,
    record,
    {
      number: parkedAgainst.number,
      ...(parkedAgainst.name ? { name: parkedAgainst.name } : {}),
      ...(parkedAgainst.personId ? { personId: parkedAgainst.personId } : {}),
      ...(parkedAgainst.placeId ? { placeId: parkedAgainst.placeId } : {}),
    },
    line,
  );
}

/**
 * The event is being replayed after a crash between "Webex, park this" and recording the answer.
 * The call still on the phone: park it now. Gone: Webex parked it, against the destination asked for
 * or, by default, the parker's own line.
 */
async function resumePark(deps: ParkDeps, token: string, record: ParkedCall, active: Call[], request: ParkRequest): Promise<ParkOutcome> {
  if (active.some((call) => call.id === record.callId)) return parkAndRecord(deps, token, record, request);
  if (request.groupPark) return { type: 'parked-somewhere', call: record };
  if (request.destination) return recordParked(deps, record, { number: request.destination });
  if (record.line) {
    // Parked against the line it was on (modelled), which has the number or extension Webex gave.
    const number = record.line.extension ?? record.line.directNumber;
    return number ? recordParked(deps, record, { number, ...(record.line.name ? { name: record.line.name } : {}) }) : { type: 'parked-somewhere', call: record };
  }
  const me = await deps.identity.me(token);
  const ownLine = me.extension ?? me.phoneNumbers?.[0]?.value;
  if (!ownLine) return { type: 'parked-somewhere', call: record };
  return recordParked(deps, record, { number: ownLine, name: me.displayName });
}

async function recordParked(deps: ParkDeps, record: ParkedCall, parkedAgainst: ParkedCall['parkedAgainst'], line?: ParkedCall['line']): Promise<ParkOutcome> {
  const now = deps.now?.() ?? new Date();
  const call = (await move(deps.store, record, { type: 'parked', parkedAgainst, ...(line ? { line } : {}) }, now)) ?? {
    ...record,
    state: 'waiting' as const,
    parkedAgainst,
    ...(line ? { line } : {}),
  };
  return { type: 'parked', call, superseded: await supersedeOlder(deps, call, now) };
}

/**
 * Webex just parked a call on this number, so nothing the bot showed there before is still parked
 * there: those records close, and an old card can never take the new call.
 */
async function supersedeOlder(deps: ParkDeps, call: ParkedCall, now: Date): Promise<ParkedCall[]> {
  const older = (await deps.store.parkedOnNumber(call.parkedAgainst.number, ['waiting'])).filter(
    (other) => other.id !== call.id && other.parkedAt <= call.parkedAt && sameSlot(other.parkedAgainst, call.parkedAgainst),
  );
  return moveAll(deps.store, older, { type: 'superseded', byParkId: call.id }, now);
}

/** Who is on the call, as far as Webex says (nothing when they withheld it). */
function callerOf(call: Call): ParkedCall['caller'] {
  const caller = call.remoteParty?.privacyEnabled ? {} : call.remoteParty;
  return {
    ...(caller?.name ? { name: caller.name } : {}),
    ...(caller?.number ? { number: caller.number } : {}),
  };
}

function newRecord(request: ParkRequest, call: LineCall, now: Date, forPerson: PersonRef | undefined): ParkedCall {
  return {
    id: request.parkId,
    roomId: request.roomId,
    callId: call.id,
    ...(call.line ? { line: call.line } : {}),
    parkedBy: request.by,
    ...(request.orgId ? { orgId: request.orgId } : {}),
    caller: callerOf(call),
    parkedAgainst: { number: '' },
    ...(forPerson ? { forPerson } : {}),
    ...(request.note ? { note: request.note } : {}),
    state: 'parking',
    parkedAt: now.toISOString(),
  };
}
