import { cardText, submitButtons, type TestPerson, type World } from '../test/support/world.js';
import type { SimDelivery, SimMessage, SimRoom } from '../src/simulator/model.js';
import type { Window } from './soak-faults.js';

export interface Desk {
  parker: TestPerson;
  retrievers: [TestPerson, TestPerson];
  room: SimRoom;
}

/** A `park` (or `park for @Taker`) a parker typed in the desk's space. */
export interface ParkAsked {
  desk: Desk;
  caller: string;
  callId: string;
  messageId: string;
  at: number;
  forPerson?: TestPerson;
}

/** A tap on a waiting card's Retrieve button. */
export interface TapMade {
  desk: Desk;
  tapper: TestPerson;
  actionId: string;
  caller: string;
  at: number;
}

export interface Violation {
  kind: string;
  detail: string;
}

/** A message the bot posted, as Webex recorded it, and whether it is still there. */
interface Post {
  at: number;
  id: string;
  roomId: string;
  text: string;
  parentId?: string;
  mentioned: string[];
  card: boolean;
  /** The whole request body, to look for a caller's name or a button. */
  body: string;
  live: boolean;
}

export interface Figures {
  parksAsked: number;
  parked: number;
  answeredWithReason: number;
  retrieved: number;
  rangBackOrClosed: number;
  stillWaiting: number;
  refusedWhileExcused: number;
  taps: number;
  tapsActedOn: number;
  callEvents: number;
}

const ok = (d: SimDelivery): boolean => typeof d.status === 'number' && d.status >= 200 && d.status < 300;
const statuses = (ds: SimDelivery[]): string => ds.map((d) => String(d.status)).join(', ');
const short = (id: string): string => id.slice(-8);
/** A moment as the logs write it (UTC, to the millisecond). */
const clock = (at: number): string => new Date(at).toISOString().slice(11, 23);
const clip = (text: string, length = 100): string => (text.length > length ? `${text.slice(0, length)}…` : text);
const mentions = (message: SimMessage, caller: string): boolean => Boolean(message.attachments) && cardText(message).includes(caller);
const SOAK_CALLER = /Soak caller \d+-\d{4}/;
/** How long after the bot read a tap's action its answer may come (Webex slow or failing meanwhile). */
const LATE_ANSWER_MS = 30_000;
/** What a retriever is told when their tap did not ring their phone: never also right after it rang. */
const NOT_RINGING = /cannot find|Someone else is retrieving|already took|phone is ringing with the call|went wrong|No longer parked|Nothing was parked/i;

/**
 * The run against the simulator's own record: every request the people made (a park, a tap) and
 * every call event Webex sent, what the bot answered each delivery, what it asked Webex to do, and
 * what it posted; and, after settling, every card still offering Retrieve against what is parked.
 */
export function checkRun(world: World, parks: ParkAsked[], taps: TapMade[], excusedWindows: Window[]): { violations: Violation[]; figures: Figures } {
  const violations: Violation[] = [];
  const violation = (kind: string, detail: string): void => void violations.push({ kind, detail });
  const figures: Figures = { parksAsked: parks.length, parked: 0, answeredWithReason: 0, retrieved: 0, rangBackOrClosed: 0, stillWaiting: 0, refusedWhileExcused: 0, taps: taps.length, tapsActedOn: 0, callEvents: 0 };
  const { sim } = world;
  const parkRequests = sim.requests.filter((r) => r.method === 'POST' && r.path === '/telephony/calls/park' && r.status === 200);
  const retrieves = sim.requests.filter((r) => r.method === 'POST' && r.path === '/telephony/calls/retrieve');
  const posts = postsOf(world);
  const bodyOf = (r: { body?: unknown }): string => JSON.stringify(r.body ?? '');
  const parkedNumber = (r: { response?: unknown }): string => (r.response as { parkedAgainst?: { number?: string } } | undefined)?.parkedAgainst?.number ?? '';
  const dmRoom = (person: TestPerson): string => world.directSpace(person).id;
  const roomName = (roomId: string): string => {
    const room = sim.org.rooms.get(roomId);
    if (room?.type === 'group') return `"${room.title}"`;
    const person = [...sim.org.memberships.values()].find((m) => m.roomId === roomId && m.personId !== world.botPerson.id);
    return `${person?.personDisplayName ?? 'someone'}'s 1:1`;
  };
  const excused = (ds: SimDelivery[]): boolean => ds.length > 0 && ds.every((d) => excusedWindows.some((w) => d.at >= w.from && d.at <= w.to));
  /** Deliveries of one Webex event: refused on every try is a loss unless each try fell while the spool's disk was full. */
  const refusedEveryTry = (ds: SimDelivery[], what: string): 'acked' | 'excused' | 'refused' => {
    if (ds.some(ok)) return 'acked';
    if (excused(ds)) {
      figures.refusedWhileExcused += 1;
      return 'excused';
    }
    violation('refused on every try', `${what}: Webex gave up after ${ds.length} tries (${statuses(ds)})`);
    return 'refused';
  };

  // Calls Webex reports answered (the retriever's phone connecting), from the call events it sent.
  const answeredCalls = new Set(
    sim.webhooks.deliveries
      .filter((d) => d.resource === 'telephony_calls')
      .map((d) => (JSON.parse(d.body) as { data?: { callId?: string; eventType?: string } }).data)
      .filter((data) => data?.eventType === 'answered')
      .map((data) => data?.callId ?? ''),
  );

  // Every park at Webex was asked for, of that very call.
  const asked = new Set(parks.map((p) => p.callId));
  for (const request of parkRequests) {
    const callId = (request.body as { callId?: string } | undefined)?.callId ?? '';
    if (!asked.has(callId)) violation('parked a call nobody asked to park', `call …${short(callId)} parked on ${parkedNumber(request)} with ${sim.org.people.get(request.personId ?? '')?.displayName ?? 'someone'}'s token`);
  }

  for (const [index, park] of parks.entries()) {
    const { desk } = park;
    const what = `${park.caller} (${park.forPerson ? `park for ${park.forPerson.name}` : 'park'}, message …${short(park.messageId)})`;
    const next = parks.slice(index + 1).find((p) => p.desk === desk)?.at ?? Infinity;
    const deliveries = sim.webhooks.deliveries.filter((d) => d.resource === 'messages' && d.dataId === park.messageId);
    const atWebex = parkRequests.filter((r) => bodyOf(r).includes(park.callId));
    const waitingCards = posts.filter((p) => p.roomId === desk.room.id && p.card && p.body.includes(park.caller) && p.body.includes('"action":"retrieve"'));
    const texts = posts.filter((p) => p.roomId === desk.room.id && !p.card && p.text.startsWith(desk.parker.name) && p.at >= park.at && p.at < next);
    if (texts.length > 1) violation('answered twice', `${what}: ${texts.length} answers: ${texts.map((t) => `"${clip(t.text, 60)}"`).join(' / ')}`);
    if (waitingCards.length && texts.some((t) => /no active call/.test(t.text))) {
      violation('contradictory answers', `${what}: a waiting card (…${short(waitingCards[0]?.id ?? '')}) and "${clip(texts.find((t) => /no active call/.test(t.text))?.text ?? '', 60)}"`);
    }
    if (atWebex.length > 1) violation('parked twice', `${what}: parked ${atWebex.length} times at Webex`);
    if (atWebex.length === 0) {
      if (waitingCards.length) violation('card without a park', `${what}: a card claims a park that did not happen`);
      const delivered = deliveries.length ? refusedEveryTry(deliveries, what) : 'refused';
      if (delivered === 'excused') continue;
      if (texts.length) figures.answeredWithReason += 1;
      else if (delivered === 'acked') violation('acknowledged, never acted on', `${what}: answered 200 (${statuses(deliveries)}) but neither parked nor answered`);
      else if (!deliveries.length) violation('never delivered', `${what}: Webex never delivered it (webhook inactive?)`);
      continue;
    }
    figures.parked += 1;
    if (waitingCards.length !== 1) violation('waiting cards', `${what}: parked once, but ${waitingCards.length} waiting cards were posted`);
    if (park.forPerson) {
      const forId = park.forPerson.id;
      const cardIds = new Set(waitingCards.map((c) => c.id));
      const mentioned = posts.filter((p) => p.parentId && cardIds.has(p.parentId) && p.mentioned.includes(forId));
      if (mentioned.length !== 1) violation(mentioned.length ? 'mentioned twice' : 'not mentioned', `${what}: ${park.forPerson.name} @mentioned ${mentioned.length} times in the card's thread`);
      const privateCards = posts.filter((p) => p.roomId === dmRoom(park.forPerson as TestPerson) && p.card && p.body.includes(park.caller));
      const livePrivate = privateCards.filter((p) => p.live);
      if (livePrivate.length > 1) violation('orphan private card', `${what}: ${livePrivate.length} private cards still in ${park.forPerson.name}'s 1:1 (${livePrivate.map((p) => `…${short(p.id)}`).join(', ')})`);
      if (!privateCards.length) violation('no private card', `${what}: ${park.forPerson.name} never got the private card`);
    }
    // Retrieves of this call: on its number, after it was parked and before the number's next park.
    const parkedAt = atWebex[0]?.at ?? 0;
    const number = parkedNumber(atWebex[0] ?? {});
    const nextPark = parkRequests.filter((r) => parkedNumber(r) === number && r.at > parkedAt).map((r) => r.at)[0] ?? Infinity;
    // Webex accepting a retrieve (201) only rings the retriever's phone: the call is retrieved once that call
    // is answered. One not answered goes back to the slot, or rings back the parker (a true "Rang back").
    const rung = retrieves.filter((r) => r.status === 201 && bodyOf(r).includes(`"${number}"`) && r.at > parkedAt && r.at < nextPark);
    const taken = rung.filter((r) => answeredCalls.has((r.response as { callId?: string } | undefined)?.callId ?? ''));
    if (taken.length > 1) violation('retrieved twice', `${what}: retrieved ${taken.length} times (by ${taken.map((r) => sim.org.people.get(r.personId ?? '')?.displayName).join(', ')})`);
    const live = world.botMessages(desk.room).filter((m) => mentions(m, park.caller));
    if (live.length !== 1) {
      violation('live cards', `${what}: ${live.length} live cards`);
      continue;
    }
    const text = cardText(live[0] as SimMessage);
    const stillParked = [...sim.telephony.parked.values()].some((p) => p.call.id === park.callId || p.call.remoteParty?.name === park.caller);
    if (taken.length === 1) {
      figures.retrieved += 1;
      if (!/Retrieved by/.test(text)) violation('card untrue', `${what}: retrieved at Webex, but the card says: ${clip(text, 80)}`);
    } else if (stillParked) {
      figures.stillWaiting += 1;
      if (!submitButtons(live[0] as SimMessage).length) violation('card untrue', `${what}: still parked at Webex, but the card offers no Retrieve: ${clip(text, 80)}`);
    } else {
      figures.rangBackOrClosed += 1;
      if (/Retrieved by/.test(text)) violation('card untrue', `${what}: not retrieved and no longer parked at Webex, but the card says: ${clip(text, 80)}`);
    }
  }

  // A tap worked on late (its instance paused right after taking it, so another took it over a lease later;
  // or kept in the spool through a database outage) is answered late: by then its tapper may have tapped
  // again, on the next call. The bot reads the tap's action from Webex before it answers, so a tap with no
  // answer and no ring before its tapper's next tap, whose action was last read only after that next tap,
  // is given the first private sentence to its tapper after that read; it is not the next tap's.
  const nextTapAt = (tap: TapMade): number => taps.find((t) => t.tapper === tap.tapper && t.at > tap.at)?.at ?? Infinity;
  const sentencesTo = (tapper: TestPerson, from: number, to: number): Post[] => posts.filter((p) => p.roomId === dmRoom(tapper) && !p.card && p.at >= from && p.at < to);
  const lastRead = (actionId: string): number => Math.max(0, ...sim.requests.filter((r) => r.method === 'GET' && r.path === `/attachment/actions/${actionId}` && r.status === 200).map((r) => r.at));
  const lateAnswers = new Map<string, Post>();
  for (const tap of taps) {
    const next = nextTapAt(tap);
    const read = lastRead(tap.actionId);
    if (read < next || sentencesTo(tap.tapper, tap.at, next).length || retrieves.some((r) => r.personId === tap.tapper.id && r.at >= tap.at && r.at < next)) continue;
    const late = sentencesTo(tap.tapper, read, read + LATE_ANSWER_MS)[0];
    if (late) lateAnswers.set(tap.actionId, late);
  }
  const answeredLate = new Set([...lateAnswers.values()].map((p) => p.id));

  for (const tap of taps) {
    const { tapper } = tap;
    const what = `${tap.caller}: ${tapper.name}'s tap (action …${short(tap.actionId)}, at ${clock(tap.at)})`;
    const next = taps.find((t) => t.tapper === tapper && t.at > tap.at)?.at ?? Infinity;
    const deliveries = sim.webhooks.deliveries.filter((d) => d.resource === 'attachmentActions' && d.dataId === tap.actionId);
    const rang = retrieves.filter((r) => r.personId === tapper.id && r.at >= tap.at && r.at < next);
    // Sentences only: a `park for` card in their 1:1 is the park's answer, not the tap's.
    const late = lateAnswers.get(tap.actionId);
    const dms = [...(late ? [late] : []), ...sentencesTo(tapper, tap.at, next).filter((p) => !answeredLate.has(p.id))];
    const deskChanges = sim.requests.filter((r) => r.tokenKind === 'bot' && r.path.startsWith('/messages') && r.method !== 'GET' && r.at >= tap.at && r.at < Math.min(next, tap.at + 30_000) && bodyOf(r).includes(tap.desk.room.id));
    const delivered = deliveries.length ? refusedEveryTry(deliveries, what) : 'refused';
    if (delivered === 'excused') continue;
    if (rang.length || dms.length || deskChanges.length) figures.tapsActedOn += 1;
    else if (delivered === 'acked') violation('acknowledged, never acted on', `${what}: answered 200 (${statuses(deliveries)}) but no retrieve, no answer, no card change`);
    const accepted = rang.filter((r) => r.status === 201);
    if (accepted.length > 1) violation('answered twice', `${what}: Webex asked ${accepted.length} times to ring ${tapper.name}'s phone (at ${accepted.map((r) => clock(r.at)).join(', ')})`);
    if (dms.length > 1) violation('answered twice', `${what}: ${dms.length} private answers: ${dms.map((p) => `"${clip(p.text, 60)}"`).join(' / ')}`);
    const denial = dms.find((p) => NOT_RINGING.test(p.text));
    if (accepted.length && denial) violation('contradictory answers', `${what}: Webex rang ${tapper.name}'s phone (at ${clock(accepted[0]?.at ?? 0)}), and the bot told them (at ${clock(denial.at)}) "${clip(denial.text, 80)}"`);
  }

  // Call events: each one refused on every try is lost (Webex gives up), unless excused as above.
  const callEvents = new Map<string, SimDelivery[]>();
  for (const d of sim.webhooks.deliveries.filter((x) => x.resource === 'telephony_calls')) callEvents.set(`${d.webhookId}\n${d.body}`, [...(callEvents.get(`${d.webhookId}\n${d.body}`) ?? []), d]);
  figures.callEvents = callEvents.size;
  for (const ds of callEvents.values()) {
    const { createdBy, data } = JSON.parse(ds[0]?.body ?? '{}') as { createdBy?: string; data?: { eventType?: string; callId?: string } };
    refusedEveryTry(ds, `call event "${data?.eventType ?? '?'}" of ${sim.org.people.get(createdBy ?? '')?.displayName ?? 'someone'} (call …${short(data?.callId ?? '')})`);
  }

  // After settling: no card anywhere offers Retrieve for a call Webex no longer has parked.
  const parkedCallers = new Set([...sim.telephony.parked.values()].map((p) => p.call.remoteParty?.name));
  for (const message of sim.org.messages.values()) {
    if (message.personId !== world.botPerson.id || !message.attachments) continue;
    if (!submitButtons(message).some((b) => b.data?.action === 'retrieve')) continue;
    const caller = SOAK_CALLER.exec(cardText(message))?.[0];
    if (!caller || !parkedCallers.has(caller)) violation('Retrieve for a call not parked', `${caller ?? 'a call'}: card …${short(message.id)} in ${roomName(message.roomId)} offers Retrieve, but Webex has it parked nowhere: ${clip(cardText(message), 80)}`);
  }
  return { violations, figures };
}

function postsOf(world: World): Post[] {
  return world.sim.requests
    .filter((r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && r.status === 200)
    .map((r) => {
      const message = r.response as SimMessage;
      return {
        at: r.at,
        id: message.id,
        roomId: message.roomId,
        text: message.text ?? message.markdown ?? '',
        ...(message.parentId ? { parentId: message.parentId } : {}),
        mentioned: message.mentionedPeople ?? [],
        card: Boolean(message.attachments?.length),
        body: JSON.stringify(r.body ?? ''),
        live: world.sim.org.messages.has(message.id),
      };
    });
}
