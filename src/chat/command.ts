import { checkDestination } from './destination.js';

export interface Mention {
  personId: string;
  name: string;
}

export type Command =
  | { kind: 'park'; destination?: string; groupPark?: true; forPerson?: Mention; note?: string }
  | { kind: 'retrieve'; destination?: string }
  | { kind: 'parked' }
  | { kind: 'desk' }
  /** Where the calls this person retrieves ring: the list of their devices, or the one `device` names. */
  | { kind: 'ring-on'; device?: string }
  | { kind: 'link' }
  | { kind: 'unlink' }
  | { kind: 'help' }
  /** The desk's figures for a period (default the last 7 days), or with `me` the person's own (1:1 only). */
  | { kind: 'report'; period: 'today' | 'week' | 'month'; me?: true }
  /** The words were understood but cannot be acted on; `reason` says what to type instead. */
  | { kind: 'invalid'; reason: string }
  | { kind: 'unknown' };

export const MAX_COMMAND_LENGTH = 500;

const PARK_WORDS = /^park(?: (?:my|the|this) call| call)?$/;
const GROUP_PARK = /^(?:group park|park group|park (?:my |the )?call (?:to|in) (?:the )?group)$/;

/**
 * Reads what a person typed (the bot's own @mention already removed) as one command. `mentions` are
 * the other people @mentioned in the message, in order.
 */
export function parseCommand(input: string, mentions: Mention[] = []): Command {
  if (input.length > MAX_COMMAND_LENGTH) return { kind: 'invalid', reason: 'That message is too long for me. Type "help" to see what I can do.' };
  const text = input.trim().replace(/\s+/g, ' ');
  const words = text.toLowerCase().replace(/[.!?]+$/, '');

  if (text === '?' || /^(?:help|hi|hello|commands)$/.test(words)) return { kind: 'help' };
  if (/^(?:parked|list|waiting|list parked(?: calls)?|parked calls)$/.test(words)) return { kind: 'parked' };
  if (/^(?:desk|front desk|buttons|menu)$/.test(words)) return { kind: 'desk' };
  if (/^(?:link|login|connect)(?: my account)?$/.test(words)) return { kind: 'link' };
  if (/^(?:unlink|logout|disconnect)(?: my account)?$/.test(words)) return { kind: 'unlink' };
  const report = /^(?:report|stats|insights)(?: (me|mine|my calls))?(?: (today|week|month|this week|this month))?$/.exec(words);
  if (report) {
    const period = (report[2]?.replace('this ', '') ?? 'week') as 'today' | 'week' | 'month';
    return report[1] ? { kind: 'report', period, me: true } : { kind: 'report', period };
  }
  if (GROUP_PARK.test(words)) return { kind: 'park', groupPark: true };
  if (PARK_WORDS.test(words)) return { kind: 'park' };

  const parkTo = /^park(?: (?:my|the|this) call| call)? (?:to|on|at) (.+)$/i.exec(text.replace(/[.!?]+$/, ''));
  if (parkTo?.[1]) return withDestination(parkTo[1], (destination) => ({ kind: 'park', destination }));

  const parkFor = /^park(?: (?:my|the|this) call| call)? for (.+)$/i.exec(text);
  if (parkFor?.[1]) return parkForPerson(parkFor[1], mentions);

  const ringOn = /^ring on(?: (.+?))?[.!?]*$/i.exec(text);
  if (ringOn) return ringOn[1] ? { kind: 'ring-on', device: ringOn[1] } : { kind: 'ring-on' };

  const retrieve = /^(?:retrieve|unpark|pick up|pickup)(?: (.+?))?[.!?]*$/i.exec(text);
  if (retrieve) return retrieve[1] ? withDestination(retrieve[1], (destination) => ({ kind: 'retrieve', destination })) : { kind: 'retrieve' };

  return { kind: 'unknown' };
}

function withDestination(raw: string, make: (destination: string) => Command): Command {
  const check = checkDestination(raw);
  return check.ok ? make(check.destination) : { kind: 'invalid', reason: check.reason };
}

/** `park for @Sam back in 5` → the call is for Sam, with the note "back in 5". */
function parkForPerson(rest: string, mentions: Mention[]): Command {
  const mention = mentions.find((m) => rest.toLowerCase().startsWith(m.name.toLowerCase()));
  if (!mention) {
    return { kind: 'invalid', reason: 'Tell me who the call is for with an @mention, for example: park for @Sam Jones' };
  }
  const note = rest.slice(mention.name.length).replace(/^[\s,:;-]+/, '').trim();
  return { kind: 'park', forPerson: mention, ...(note ? { note } : {}) };
}
