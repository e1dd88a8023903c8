import { MissingScopeError, NotLinkedError } from '../auth/errors.js';
import { WebexApiError } from '../webex/errors.js';
import { escapeNote } from '../chat/markdown.js';

/** What the person asked for that failed: a park, a retrieve, or the list of their devices (`ring on`). */
export type FailedAction = 'park' | 'retrieve' | 'ring-on';

/**
 * Turns a failure into one plain sentence for the person in the space. Never a stack trace, a status
 * code on its own, or anything from the request.
 */
export function explainFailure(error: unknown, action: FailedAction): string {
  if (error instanceof NotLinkedError) {
    return 'I need you to link your Webex account first. I have sent you a private message with a link.';
  }
  if (error instanceof MissingScopeError) {
    return 'I need one more permission from Webex to read your devices. I have sent you a private message with a link.';
  }
  if (!(error instanceof WebexApiError)) return 'Something went wrong on my side. Please try again in a moment.';
  if (action === 'ring-on' && error.kind !== 'unauthorized') return explainDevicesFailure(error);
  const verb = action === 'park' ? 'park' : 'retrieve';
  switch (error.kind) {
    case 'unauthorized':
      return 'Webex did not accept your linked account any more. I have sent you a private message to link it again.';
    case 'forbidden':
      return `Webex would not let me ${verb} calls for you. Your account may not have a Webex Calling licence, or call control is not allowed for it. Ask your Webex administrator.`;
    case 'not-found':
      return action === 'park'
        ? 'That call has ended or moved before I could park it.'
        : 'Webex says nothing is parked there any more.';
    case 'conflict':
      return action === 'park'
        ? 'Webex could not park the call there: something is already parked on that number, or the call is in a state that cannot be parked.'
        : 'Webex could not retrieve the call right now because of a conflict. Please try again.';
    case 'locked':
      return `The call is busy with another change right now, so I could not ${verb} it. Please try again in a few seconds.`;
    case 'rate-limited':
      return `Webex is handling too many requests right now, so I could not ${verb} the call. Please try again in a minute.`;
    case 'unavailable':
    case 'network':
    case 'unexpected-response':
      return `Webex is having trouble right now, so I could not ${verb} the call. Please try again in a minute.`;
    case 'bad-request':
      return action === 'park'
        ? `Webex refused that park request: ${escapeNote(error.description)}. Check the number and try again.`
        : `Webex refused that retrieve request: ${escapeNote(error.description)}.`;
  }
}

/** Reading the person's devices (`ring on`) failed at Webex. */
function explainDevicesFailure(error: WebexApiError): string {
  if (error.kind === 'forbidden') {
    return 'Webex would not let me read your devices. Your account may not have a Webex Calling licence, or reading your calling settings is not allowed for it. Ask your Webex administrator.';
  }
  if (error.kind === 'bad-request' || error.kind === 'not-found' || error.kind === 'conflict') return `Webex would not give me your devices: ${escapeNote(error.description)}.`;
  return 'Webex is having trouble right now, so I could not read your devices. Please try again in a minute.';
}

/** The link prompt's first words, when reading the person's devices needs a scope their link lacks. */
export const MISSING_SCOPE_REASON =
  'To choose the phone your retrieved calls ring on, I need one more permission from Webex: reading your calling settings. Parks and retrieves keep working meanwhile.';

/** What people can type, for the help card and its markdown fallback alike. */
export const COMMANDS: { command: string; meaning: string }[] = [
  { command: 'park, park my call', meaning: 'Park your active call and post a card with a Retrieve button' },
  { command: 'park to 1234', meaning: 'Park it on an extension, a number (+12223334444), *73, a tel: or sip: address, or an email' },
  { command: 'group park', meaning: 'Park it on a free extension of your call park group' },
  { command: 'park for @Person note', meaning: 'Park it for someone: they are mentioned and get their own Retrieve button' },
  { command: 'retrieve, retrieve 1234', meaning: 'Take a parked call (or tap Retrieve on its card)' },
  { command: 'parked', meaning: 'List the calls waiting in this space' },
  { command: 'ring on, ring on desk', meaning: 'Choose which of your phones rings when you retrieve a call (or type part of its name)' },
  { command: 'report, report today, report month', meaning: "The desk's figures for calls parked from this space (the last 7 days by default), with a chart" },
  { command: 'report me', meaning: 'Your own figures: the calls you parked and took (in our 1:1 space)' },
  { command: 'desk', meaning: 'The front desk card: park with one tap' },
  { command: 'link, unlink', meaning: 'Connect or disconnect your Webex account' },
];

export const HELP_INTRO = "I park and retrieve your Webex calls so a teammate can pick them up. Here's what you can say:";

export const HELP_TEXT = [
  HELP_INTRO,
  ...COMMANDS.map(({ command, meaning }) => `- ${command.split(', ').map((c) => `\`${c}\``).join(' or ')}: ${meaning}`),
  'In a group space, @mention me first.',
].join('\n');

export const WELCOME_TEXT =
  "Hi, I'm Park Bot. While you're on a call, tap **Park my call** below (or type `park`) and I'll park it here with a **Retrieve** button for your team. Type `help` for everything I can do.";
