/** One park flow then one retrieve flow, as Webex clients drive them, with the Webex calls each made. */
import type { World, TestPerson } from '../test/support/world.js';
import { submitButtons } from '../test/support/world.js';
import type { SimMessage, SimRequestRecord, SimRoom } from '../src/simulator/model.js';
import { bodyMentions, endpointOf, type Timeline } from './measure.js';

export interface Worker {
  parker: TestPerson;
  retriever: TestPerson;
  room: SimRoom;
}

export interface FlowTimes {
  /** Delivery sent at this time (ms): the zero of the flow's timeline. */
  parkStart: number;
  park: number;
  retrieve: number;
  parkCalls: SimRequestRecord[];
  retrieveCalls: SimRequestRecord[];
}

let flowCounter = 0;

/** One park flow then one retrieve flow, driven the way Webex clients do. */
export async function parkAndRetrieve(world: World, timeline: Timeline, worker: Worker): Promise<FlowTimes> {
  const caller = `Bench caller ${(flowCounter += 1)}`;
  world.sim.telephony.placeIncomingCall({ toPersonId: worker.parker.id, from: { name: caller, number: '+15550100' } });
  const firstPark = timeline.requests.length;
  const cardPosted = timeline.next(`park card for ${caller}`, (r) => r.method === 'POST' && r.path === '/messages' && r.tokenKind === 'bot' && bodyMentions(r, caller));
  const message = await world.say(worker.parker, worker.room, 'park my call');
  const cardRequest = await cardPosted;
  const parkCalls = timeline.requests.slice(firstPark).filter((r) => r.at <= cardRequest.at);
  const park = cardRequest.at - (timeline.sentAt.get(message.id) ?? cardRequest.at);

  const card = [...world.sim.org.messages.values()].findLast((m: SimMessage) => m.roomId === worker.room.id && JSON.stringify(m.attachments ?? '').includes(caller));
  if (!card) throw new Error('no card');
  const firstRetrieve = timeline.requests.length;
  const cardDeleted = timeline.next(`deletion of the waiting card for ${caller}`, (r) => r.method === 'DELETE' && decodeURIComponent(r.path) === `/messages/${card.id}`);
  await world.tap(worker.retriever, card, submitButtons(card)[0]?.data);
  const deleteRequest = await cardDeleted;
  const action = [...world.sim.org.attachmentActions.values()].findLast((a) => a.messageId === card.id);
  const retrieve = deleteRequest.at - (timeline.sentAt.get(action?.id ?? '') ?? deleteRequest.at);
  const retrieveCalls = timeline.requests.slice(firstRetrieve).filter((r) => r.at <= deleteRequest.at);
  world.sim.telephony.calls.set(worker.retriever.id, []);
  return { parkStart: timeline.sentAt.get(message.id) ?? cardRequest.at, park, retrieve, parkCalls, retrieveCalls };
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
