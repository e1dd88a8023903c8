/** One park flow then one retrieve flow, as Webex clients drive them, with the Webex calls each made. */
import type { World, TestPerson } from '../test/support/world.js';
import { submitButtons } from '../test/support/world.js';
import type { SimLine, SimMessage, SimRequestRecord, SimRoom } from '../src/simulator/model.js';
import { bodyMentions, endpointOf, sequentialRoundTrips, type Timeline } from './measure.js';

export interface Worker {
  parker: TestPerson;
  retriever: TestPerson;
  room: SimRoom;
  /** A secondary line on the parker's phone (the main number): her calls come in on it, when set. */
  line?: SimLine;
}

export interface FlowTimes {
  /** Delivery sent at this time (ms): the zero of the flow's timeline. */
  parkStart: number;
  /** Bot-added latency: the delivery sent → the flow's last Webex call reached Webex. */
  park: number;
  retrieve: number;
  /** Time to card: the delivery sent → Webex answered the flow's last call (the card is up, the old one gone). */
  parkToCard: number;
  retrieveToCard: number;
  /** Round trips the flow waited for one after another, from the timeline of its requests. */
  parkRoundTrips: number;
  retrieveRoundTrips: number;
  parkCalls: SimRequestRecord[];
  retrieveCalls: SimRequestRecord[];
}

let flowCounter = 0;

/** The requests made since the `from`th until Webex answered `end`. */
const requestsUntil = (world: World, from: number, end: SimRequestRecord): SimRequestRecord[] => world.sim.requests.slice(from).filter((r) => r.at <= (end.answeredAt ?? end.at));

/** The round trips on the way to `end`: the requests after the delivery that Webex answered by then. */
const roundTripsTo = (calls: SimRequestRecord[], sentAt: number, ends: SimRequestRecord[], people: Set<string>): number => {
  const last = Math.max(...ends.map((r) => r.answeredAt ?? r.at));
  return sequentialRoundTrips(calls.filter((r) => r.at >= sentAt && (r.answeredAt ?? Infinity) <= last && !chattedByPerson(r, people)));
};

/** A person's pause between seeing something and acting on it: Webex's deliveries so far reached the bot, and a moment more. */
const PERSON_PAUSE_MS = 100;

/**
 * One park flow then one retrieve flow, driven the way Webex clients do. The retrieve ends once the
 * "ringing" card is up and the waiting card gone; the retriever's phone is left ringing and then
 * cleared, since an answer during the flow (the World answers 50 ms after the ring, within a flow at
 * a network's distance) would add a card change of its own. `paced`: at a person's pace, as one at a
 * time: she types "park" once her call's events reached the bot (she answered it and spoke to the
 * caller first), and her colleague taps once the card's events did; under load, each step follows
 * the last at once.
 */
export async function parkAndRetrieve(world: World, timeline: Timeline, worker: Worker, paced: boolean): Promise<FlowTimes> {
  const pause = (): Promise<void> => (paced ? world.delivered(PERSON_PAUSE_MS) : Promise.resolve());
  world.answerRetrieves = false;
  const people = new Set([worker.parker.id, worker.retriever.id]);
  // Of one width, so that no caller's name starts another's (caller 1 and caller 12): cards are told apart by it.
  const caller = `Bench caller ${String((flowCounter += 1)).padStart(7, '0')}`;
  const from = { name: caller, number: '+15550100' };
  if (worker.line) world.sim.telephony.placeIncomingCallOnLine(worker.line.id, from);
  else world.sim.telephony.placeIncomingCall({ toPersonId: worker.parker.id, from });
  await pause();
  const firstPark = world.sim.requests.length;
  const cardPosted = timeline.next(`park card for ${caller}`, (r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && bodyMentions(r, caller));
  const message = await world.say(worker.parker, worker.room, 'park my call');
  const cardRequest = await cardPosted;
  const parkStart = timeline.sentAt.get(message.id) ?? cardRequest.at;
  const parkCalls = requestsUntil(world, firstPark, cardRequest);

  const card = [...world.sim.org.messages.values()].findLast((m: SimMessage) => m.roomId === worker.room.id && JSON.stringify(m.attachments ?? '').includes(caller));
  if (!card) throw new Error('no card');
  await pause();
  const firstRetrieve = world.sim.requests.length;
  const cardDeleted = timeline.next(`deletion of the waiting card for ${caller}`, (r) => r.method === 'DELETE' && decodeURIComponent(r.path) === `/messages/${card.id}`);
  const newCard = timeline.next(`the card replacing the one for ${caller}`, (r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && bodyMentions(r, worker.room.id));
  await world.tap(worker.retriever, card, submitButtons(card)[0]?.data);
  const ends = await Promise.all([cardDeleted, newCard]);
  const action = [...world.sim.org.attachmentActions.values()].findLast((a) => a.messageId === card.id);
  const last = ends.reduce((a, b) => ((a.answeredAt ?? a.at) >= (b.answeredAt ?? b.at) ? a : b));
  const retrieveStart = timeline.sentAt.get(action?.id ?? '') ?? last.at;
  const retrieveCalls = requestsUntil(world, firstRetrieve, last);
  world.sim.telephony.calls.set(worker.retriever.id, []);
  return {
    parkStart,
    park: cardRequest.at - parkStart,
    retrieve: Math.max(...ends.map((r) => r.at)) - retrieveStart,
    parkToCard: (cardRequest.answeredAt ?? cardRequest.at) - parkStart,
    retrieveToCard: (last.answeredAt ?? last.at) - retrieveStart,
    parkRoundTrips: roundTripsTo(parkCalls, parkStart, [cardRequest], people),
    retrieveRoundTrips: roundTripsTo(retrieveCalls, retrieveStart, ends, people),
    parkCalls,
    retrieveCalls,
  };
}

/** A person's own chatting (typing a message, tapping a card), which the bot did not make. */
export const chattedByPerson = (record: SimRequestRecord, people: Set<string>): boolean =>
  record.tokenKind === 'access' && people.has(record.personId ?? '') && ['/messages', '/attachment/actions'].includes(record.path);

/** Calls the bot made (bot or user tokens, not the people's own chatting), by endpoint. */
export function callsByEndpoint(records: SimRequestRecord[], people: Set<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records.filter((r) => !chattedByPerson(r, people))) counts[endpointOf(record)] = (counts[endpointOf(record)] ?? 0) + 1;
  return counts;
}
