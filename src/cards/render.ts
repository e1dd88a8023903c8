import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';
import type { AnswerEndpoint, Call } from '../webex/schemas.js';
import type { ParkedCall, PersonRef, RingChoice } from '../storage/store.js';
import { isClosed, type ClosedState } from '../calls/lifecycle.js';
import { escapeName, escapeNote, visibleName } from '../chat/markdown.js';
import { CARD_MAX_BYTES, LIST_MAX_ITEMS, MESSAGE_TEXT_MAX_BYTES, utf8Bytes } from '../chat/limits.js';
import { WEBEX_DEFAULT } from '../calls/ring-choice.js';
import { lineLabel, type LineCall } from '../calls/lines.js';

/** Card templates are JSON files in the project's `cards/` folder, one per card. */
export const CARDS_DIR = join(__dirname, '..', '..', 'cards');

export type CardName = 'parked-call' | 'ringing-call' | 'closed-call' | 'call-picker' | 'parked-list' | 'link-account' | 'desk' | 'help' | 'ring-on' | 'report';

/** Webex's Buttons and Cards guide: "Cards may include up to five buttons (actions)", nested ones included. */
export const MAX_CARD_ACTIONS = 5;

/** What the bot posts: an Adaptive Card, and markdown for clients that cannot show it. */
export interface RenderedCard {
  card: Record<string, unknown>;
  fallback: string;
}

/**
 * Parsed once per card: building a Template parses every `${…}` expression, which cost ~5 ms a card
 * (bench/README.md); expanding a built one costs ~0.1 ms.
 */
const templates = new Map<CardName, Template>();

function template(name: CardName): Template {
  let built = templates.get(name);
  if (!built) {
    built = new Template(JSON.parse(readFileSync(join(CARDS_DIR, `${name}.json`), 'utf8')) as unknown);
    templates.set(name, built);
  }
  return built;
}

/** Each call expands a fresh copy: two messages rendered at once never share an object. */
export function expand(name: CardName, data: Record<string, unknown>): Record<string, unknown> {
  return template(name).expand({ $root: data }) as Record<string, unknown>;
}

const shownPerson = (person: PersonRef): PersonRef => ({ ...person, name: escapeName(person.name) });
const shownParty = (party: ParkedCall['caller']): ParkedCall['caller'] => ({
  ...(party.name ? { name: escapeName(party.name) } : {}),
  ...(party.number ? { number: escapeName(party.number) } : {}),
});

/**
 * The call as it may be shown: every string that came from outside (caller ids, names, the note, the
 * park number's name) shortened and escaped, so a caller-ID name cannot add a link or a mention to a
 * card or its fallback, nor make it longer than Webex takes. Card text and fallbacks are both markdown.
 */
function shown(call: ParkedCall): ParkedCall {
  return {
    ...call,
    caller: shownParty(call.caller),
    parkedBy: shownPerson(call.parkedBy),
    parkedAgainst: {
      ...call.parkedAgainst,
      number: escapeName(call.parkedAgainst.number),
      ...(call.parkedAgainst.name ? { name: escapeName(call.parkedAgainst.name) } : {}),
    },
    ...(call.forPerson ? { forPerson: shownPerson(call.forPerson) } : {}),
    ...(call.retrievedBy ? { retrievedBy: shownPerson(call.retrievedBy) } : {}),
    ...(call.ringingFor ? { ringingFor: shownPerson(call.ringingFor) } : {}),
    ...(call.pickedUpBy ? { pickedUpBy: shownPerson(call.pickedUpBy) } : {}),
    ...(call.handedOver ? { handedOver: shownParty(call.handedOver) } : {}),
    ...(call.note ? { note: escapeNote(call.note) } : {}),
    ...(call.ringingOn ? { ringingOn: escapeName(call.ringingOn) } : {}),
    ...(call.line ? { line: shownLine(call.line) } : {}),
  };
}

/** The line a call came in on: its name, number and extension are all Webex's (an admin's) text. */
function shownLine(line: NonNullable<ParkedCall['line']>): NonNullable<ParkedCall['line']> {
  return {
    ...line,
    ...(line.name ? { name: escapeName(line.name) } : {}),
    ...(line.directNumber ? { directNumber: escapeName(line.directNumber) } : {}),
    ...(line.extension ? { extension: escapeName(line.extension) } : {}),
  };
}

/** " on Cisco 8865 (reception)" when the retriever chose the device it rang on; nothing otherwise. */
const onDevice = (call: ParkedCall): string => (call.ringingOn ? ` on ${call.ringingOn}` : '');

export function callerLabel(caller: ParkedCall['caller']): string {
  if (caller.name && caller.number) return `${caller.name} (${caller.number})`;
  return caller.name ?? caller.number ?? 'Private caller';
}

/** The caller as a message says it: name and number each shortened and escaped. */
export const callerInMarkdown = (caller: ParkedCall['caller']): string => callerLabel(shownParty(caller));

function parkedAgainstLabel(call: ParkedCall): string {
  const { name, number } = call.parkedAgainst;
  return name && name !== number ? `${number} (${name})` : number;
}

/** " for Sam Sales", or nothing when the call is for no one in particular. */
const forText = (call: ParkedCall): string => (call.forPerson ? ` for ${call.forPerson.name}` : '');

/** Adaptive Card TIME() wants RFC 3339 without fractions of a second. */
export const cardTime = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

function callFields(call: ParkedCall): Record<string, unknown> {
  return {
    parkId: call.id,
    caller: callerLabel(call.caller),
    parkedAgainst: call.parkedAgainst.number,
    parkedAgainstLabel: parkedAgainstLabel(call),
    parkedBy: call.parkedBy.name,
    parkedAt: cardTime(call.parkedAt),
    forPerson: call.forPerson?.name ?? '',
    forText: forText(call),
    note: call.note ?? '',
    cameInOn: call.line ? lineLabel(call.line) : '',
  };
}

export function waitingCard(parked: ParkedCall): RenderedCard {
  const call = shown(parked);
  return {
    card: expand('parked-call', callFields(call)),
    fallback:
      `Call from ${callerLabel(call.caller)}${call.line ? ` (on ${lineLabel(call.line)})` : ''} parked on **${call.parkedAgainst.number}**${forText(call)} by ${call.parkedBy.name}. ` +
      `Type \`retrieve ${call.parkedAgainst.number}\` to take it.`,
  };
}

interface ClosedWording {
  headline: string;
  detail: string;
  color: 'Good' | 'Warning' | 'Attention' | 'Default';
  /** What the Closed fact is called on the card. */
  closedLabel: string;
}

/** What each end of a parked call's life says, on its card and to someone who taps an old card. */
function closedWording(call: ParkedCall & { state: ClosedState }): ClosedWording {
  const number = call.parkedAgainst.number;
  switch (call.state) {
    case 'retrieved': {
      const recorded = callerLabel(call.caller);
      const handed = call.handedOver ? callerLabel(call.handedOver) : recorded;
      return {
        headline: `Retrieved by ${call.retrievedBy?.name ?? 'someone'}${onDevice(call)}`,
        detail: handed === recorded ? '' : `Webex handed over ${handed}, not ${recorded}: another call had been parked on ${number}.`,
        color: 'Good',
        closedLabel: 'Retrieved',
      };
    }
    case 'picked-up':
      return { headline: `Picked up by ${call.pickedUpBy?.name ?? 'someone'}`, detail: 'Taken from a phone, not from this card.', color: 'Good', closedLabel: 'Picked up' };
    case 'rang-back':
      return {
        headline: `Rang back to ${call.parkedBy.name}`,
        detail: 'Nobody picked it up within the recall time, so Webex rang the person who parked it.',
        color: 'Warning',
        closedLabel: 'Rang back',
      };
    case 'gone':
      // Webex says only that nothing is there: the reason is named only when an event gives one.
      return {
        headline: 'No longer parked',
        detail: `Webex says nothing is parked on ${number} any more. I was not told what became of the call.`,
        color: 'Attention',
        closedLabel: 'Checked',
      };
    case 'superseded':
      return {
        headline: `No longer parked on ${number}`,
        detail: `Another call was parked on ${number} after this one, so this one was no longer there.`,
        color: 'Attention',
        closedLabel: 'Replaced',
      };
    case 'expired':
      return {
        headline: 'No longer tracked',
        detail: `Nobody retrieved it within ${duration(call.waitedSeconds ?? 0)}, so I stopped showing it. Webex has not told me what became of it; if it is still parked, type \`retrieve ${number}\`.`,
        color: 'Default',
        closedLabel: 'Stopped',
      };
  }
}

/** `30 minutes`, `1 minute`, `45 seconds`. */
function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes >= 1) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/** Webex rings the retriever's phone: no Retrieve button, and nothing claimed until they answer. */
function ringingCard(parked: ParkedCall): RenderedCard {
  const call = shown(parked);
  const who = call.ringingFor?.name ?? 'someone';
  const phone = call.ringingOn ? `${who}${onDevice(call)}` : `${who}'s phone`;
  return {
    card: expand('ringing-call', { ...callFields(call), ringingFor: who, ringingPhone: phone, ringingSince: cardTime(call.ringingSince ?? new Date().toISOString()) }),
    fallback: `Ringing ${who}${onDevice(call)}… with the call from ${callerLabel(call.caller)} parked on ${call.parkedAgainst.number}: retrieved once they answer.`,
  };
}

/** The card a parked call shows now: waiting with a Retrieve button, ringing the retriever, or how its life ended. */
export function parkedCallCard(parked: ParkedCall): RenderedCard {
  if (parked.state === 'ringing') return ringingCard(parked);
  if (!isClosed(parked)) return waitingCard(parked);
  const call = { ...shown(parked), state: parked.state };
  const wording = closedWording(call);
  const caller = callerLabel(call.state === 'retrieved' && call.handedOver ? call.handedOver : call.caller);
  return {
    card: expand('closed-call', {
      ...callFields(call),
      ...wording,
      caller,
      closedAt: cardTime(call.closedAt ?? call.retrievedAt ?? new Date().toISOString()),
    }),
    fallback: `${wording.headline}: the call from ${caller} that was parked on ${call.parkedAgainst.number}.${wording.detail ? ` ${wording.detail}` : ''}`,
  };
}

/** For the retriever whose phone did not connect with the call: it is still parked, and where. */
export function stillParkedNotice(parked: ParkedCall): string {
  const call = shown(parked);
  return (
    `The call from ${callerLabel(call.caller)} is still parked on **${call.parkedAgainst.number}**: your phone did not connect with it ` +
    '(declined, not answered, or it ended first). Its card has a Retrieve button again.'
  );
}

/** One sentence for someone who taps the card of a call whose life has ended. */
export function closedSummary(parked: ParkedCall): string {
  const call = shown(parked);
  if (!isClosed(call)) return `The call on ${call.parkedAgainst.number} is still waiting.`;
  if (call.state === 'retrieved') return `${call.retrievedBy?.name ?? 'Someone'} already took the call from ${call.parkedAgainst.number}.`;
  const { headline, detail } = closedWording(call);
  return `The call from ${callerLabel(call.caller)}: ${headline}. ${detail}`;
}

/** How far past Webex's limit on text or our card budget (src/chat/limits.ts) a card is: at most 1 fits. */
const fullness = ({ card, fallback }: RenderedCard): number => Math.max(utf8Bytes(fallback) / MESSAGE_TEXT_MAX_BYTES, utf8Bytes(JSON.stringify(card)) / CARD_MAX_BYTES);

/**
 * A card listing the first of `items`: at most `max`, fewer when even shortened names would not fit
 * (`render` is given the ones it lists, and says how many more there are). What still does not fit
 * with one row is left to the send guard to refuse.
 */
function listCard<T>(items: T[], render: (listed: T[]) => RenderedCard, max: number = LIST_MAX_ITEMS): RenderedCard {
  let count = Math.min(items.length, max);
  let rendered = render(items.slice(0, count));
  for (let full = fullness(rendered); count > 1 && full > 1; full = fullness(rendered)) {
    count = Math.max(1, Math.min(count - 1, Math.floor(count / full)));
    rendered = render(items.slice(0, count));
  }
  return rendered;
}

/**
 * The calls waiting longest, each with its own Retrieve button while they fit in Webex's five actions;
 * more than that, a choice of call and one Retrieve button. Past `LIST_MAX_ITEMS` the rest are counted,
 * with the number of the first of them to type (`retrieve 3010`): every call is still a tap or a
 * command away, in a message Webex takes.
 */
export function parkedListCard(parked: ParkedCall[]): RenderedCard {
  const title = parked.length === 1 ? '1 call is waiting in this space' : `${parked.length} calls are waiting in this space`;
  return listCard(parked, (listed) => {
    const calls = listed.map(shown);
    const next = parked[listed.length];
    const more = next
      ? `${parked.length - listed.length} more ${parked.length - listed.length === 1 ? 'is' : 'are'} waiting, not listed here: type \`retrieve ${escapeName(next.parkedAgainst.number)}\` (or the number of the one you want) to take one.`
      : '';
    return {
      card: expand('parked-list', { title, more, calls: calls.map(callFields), buttonEach: calls.length <= MAX_CARD_ACTIONS }),
      fallback: `${title}: ${calls.map((c) => `${callerLabel(c.caller)} on ${c.parkedAgainst.number}`).join('; ')}.${more ? ` ${more}` : ''}`,
    };
  });
}

/** What the picker's submit carries besides the chosen callId: the rest of the original command. */
export interface ParkChoiceContext {
  destination?: string;
  groupPark?: boolean;
  forPersonId?: string;
  note?: string;
}

/**
 * Which call to park. `beganLater`: the person asked before any of these calls began (a park carried
 * out after linking, or replayed), so the call asked about has ended; the card goes to them privately.
 */
export function callPickerCard(calls: LineCall[], context: ParkChoiceContext, beganLater = false): RenderedCard {
  // Calls on several lines: each choice says which line it is on.
  const acrossLines = calls.some((call) => call.line);
  return listCard(calls, (listed) => {
    const choices = listed.map((call) => ({
      id: call.id,
      // A choice's title is plain text, not markdown: only what cannot be seen is taken out.
      label: `${callerLabel(call.remoteParty?.privacyEnabled ? {} : pickParty(call))} (${call.state})${acrossLines ? ` on ${call.line ? visibleName(lineLabel(call.line)) : 'your own line'}` : ''}`,
    }));
    const ended = 'The call you asked me to park has ended, so I parked nothing.';
    const question = !beganLater
      ? `You have ${calls.length} calls. Which one should I park?`
      : `${ended} ${calls.length === 1 ? 'You are on a call that began after you asked: should I park it?' : `You are on ${calls.length} calls that began after you asked: which one should I park?`} Its card will stay in this private chat.`;
    const more = calls.length > listed.length ? `${calls.length - listed.length} more are not listed: park or end one of these to see them.` : '';
    return {
      card: expand('call-picker', {
        question,
        more,
        firstCallId: choices[0]?.id ?? '',
        calls: choices,
        submit: { action: 'park', ...context },
      }),
      fallback: beganLater
        ? `${ended} Open this message in a Webex app to park the call you are on now.`
        : `You have ${calls.length} calls. Open this message in a Webex app to choose which one to park.`,
    };
  });
}

function pickParty(call: Call): ParkedCall['caller'] {
  const party = call.remoteParty;
  return { ...(party?.name ? { name: visibleName(party.name) } : {}), ...(party?.number ? { number: visibleName(party.number) } : {}) };
}

export function linkAccountCard(url: string, reason: string): RenderedCard {
  return {
    card: expand('link-account', { url, reason }),
    fallback: `${reason} Link your Webex account so I can park and retrieve calls as you: [Login with Webex](${url}) (works once, for 15 minutes).`,
  };
}

/**
 * The front desk: park the tapper's own call with one tap, for themselves, for someone in the space
 * (`people`, bots left out; none in a 1:1), or on the call park group; or list what waits.
 */
export function deskCard(people: PersonRef[]): RenderedCard {
  // Everyone Webex lists for the space (up to 100) while the card stays within the budget.
  return listCard(
    people,
    (listed) => ({
      card: expand('desk', {
        people: listed.map((person) => ({ personId: person.personId, name: visibleName(person.name) })),
        more: people.length > listed.length ? `${people.length - listed.length} more people are not listed: type \`park for @Person\`.` : '',
      }),
      fallback: 'Front desk: type `park` during a call to park it, `park for @Person` to park it for someone, `group park`, or `parked` to see what waits.',
    }),
    people.length,
  );
}

/** The commands, as a card, with the same list in markdown for clients without cards. */
export function helpCard(intro: string, commands: { command: string; meaning: string }[], fallback: string): RenderedCard {
  return { card: expand('help', { intro, commands }), fallback };
}

/** Where the person's retrieved calls ring, for a sentence: "**Cisco 8865 (reception)**", escaped. */
export const ringsOnText = (choice: RingChoice | undefined): string => (choice ? `**${escapeName(choice.name)}**` : "wherever Webex rings you (Webex's default)");

/**
 * The person's devices as Webex lists them, to choose where the calls they retrieve ring: Webex's
 * default first, then each device (the first `LIST_MAX_ITEMS`, their current choice among them), their
 * current choice selected. `reason` says why they see it again.
 */
export function ringOnCard(endpoints: AnswerEndpoint[], current: RingChoice | undefined, reason = ''): RenderedCard {
  const chosen = endpoints.find((endpoint) => endpoint.id === current?.endpointId);
  // In Webex's order; the current choice moved to the top only if it would not be listed otherwise.
  const ordered = chosen && endpoints.indexOf(chosen) >= LIST_MAX_ITEMS ? [chosen, ...endpoints.filter((endpoint) => endpoint !== chosen)] : endpoints;
  return listCard(ordered, (listed) => {
    const choices = [
      { title: "Webex's default (wherever Webex rings you)", value: WEBEX_DEFAULT },
      // A choice's title is plain text, not markdown: only what cannot be seen is taken out.
      ...listed.map((endpoint) => ({ title: visibleName(endpoint.name) || (endpoint.type === 'APPLICATION' ? 'An application' : 'A device'), value: endpoint.id })),
    ];
    const more = endpoints.length > listed.length ? ` ${endpoints.length - listed.length} more are not listed: type \`ring on\` and part of a device's name.` : '';
    return {
      card: expand('ring-on', { reason: escapeNote(reason), more: more.trim(), current: ringsOnText(current), choices, selected: chosen?.id ?? WEBEX_DEFAULT }),
      fallback: `${reason ? `${escapeNote(reason)} ` : ''}Calls you retrieve ring ${current ? 'on ' : ''}${ringsOnText(current)}. Type \`ring on\` and part of a device's name to change it: ${listed.map((e) => escapeName(e.name)).join('; ') || 'Webex lists no devices for you'}.${more}`,
    };
  });
}
