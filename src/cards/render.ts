import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';
import type { Call } from '../webex/schemas.js';
import type { ParkedCall } from '../storage/store.js';

/** Card templates are JSON files in the project's `cards/` folder, one per card. */
export const CARDS_DIR = join(__dirname, '..', '..', 'cards');

export type CardName = 'parked-call' | 'retrieved-call' | 'call-picker' | 'parked-list' | 'link-account';

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
function expand(name: CardName, data: Record<string, unknown>): Record<string, unknown> {
  return template(name).expand({ $root: data }) as Record<string, unknown>;
}

export function callerLabel(caller: ParkedCall['caller']): string {
  if (caller.name && caller.number) return `${caller.name} (${caller.number})`;
  return caller.name ?? caller.number ?? 'Private caller';
}

function parkedAgainstLabel(call: ParkedCall): string {
  const { name, number } = call.parkedAgainst;
  return name && name !== number ? `${number} (${name})` : number;
}

/** " for Sam Sales", or nothing when the call is for no one in particular. */
const forText = (call: ParkedCall): string => (call.forPerson ? ` for ${call.forPerson.name}` : '');

/** Adaptive Card TIME() wants RFC 3339 without fractions of a second. */
const cardTime = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

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
  };
}

export function waitingCard(call: ParkedCall): RenderedCard {
  return {
    card: expand('parked-call', callFields(call)),
    fallback:
      `Call from ${callerLabel(call.caller)} parked on **${call.parkedAgainst.number}**${forText(call)} by ${call.parkedBy.name}. ` +
      `Type \`retrieve ${call.parkedAgainst.number}\` to take it.`,
  };
}

export function retrievedCard(call: ParkedCall): RenderedCard {
  const by = call.retrievedBy?.name ?? 'someone';
  return {
    card: expand('retrieved-call', {
      ...callFields(call),
      retrievedBy: by,
      retrievedAt: cardTime(call.retrievedAt ?? new Date().toISOString()),
    }),
    fallback: `${by} retrieved the call from ${callerLabel(call.caller)} (was parked on ${call.parkedAgainst.number}).`,
  };
}

export function parkedListCard(calls: ParkedCall[]): RenderedCard {
  const title = calls.length === 1 ? '1 call is waiting in this space' : `${calls.length} calls are waiting in this space`;
  return {
    card: expand('parked-list', { title, calls: calls.map(callFields) }),
    fallback: `${title}: ${calls.map((c) => `${callerLabel(c.caller)} on ${c.parkedAgainst.number}`).join('; ')}.`,
  };
}

/** What the picker's submit carries besides the chosen callId: the rest of the original command. */
export interface ParkChoiceContext {
  destination?: string;
  groupPark?: boolean;
  forPersonId?: string;
  forPersonName?: string;
  note?: string;
}

export function callPickerCard(calls: Call[], context: ParkChoiceContext): RenderedCard {
  const choices = calls.map((call) => ({
    id: call.id,
    label: `${callerLabel(call.remoteParty?.privacyEnabled ? {} : pickParty(call))} (${call.state})`,
  }));
  return {
    card: expand('call-picker', {
      count: calls.length,
      firstCallId: choices[0]?.id ?? '',
      calls: choices,
      submit: { action: 'park', ...context },
    }),
    fallback: `You have ${calls.length} calls. Open this message in a Webex app to choose which one to park.`,
  };
}

function pickParty(call: Call): ParkedCall['caller'] {
  const party = call.remoteParty;
  return { ...(party?.name ? { name: party.name } : {}), ...(party?.number ? { number: party.number } : {}) };
}

export function linkAccountCard(url: string, reason: string): RenderedCard {
  return {
    card: expand('link-account', { url, reason }),
    fallback: `${reason} Link your Webex account so I can park and retrieve calls as you: [Login with Webex](${url}) (works once, for 15 minutes).`,
  };
}
