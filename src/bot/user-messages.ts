import { NotLinkedError } from '../auth/errors.js';
import { WebexApiError } from '../webex/errors.js';

/**
 * Turns a failure into one plain sentence for the person in the space. Never a stack trace, a status
 * code on its own, or anything from the request.
 */
export function explainFailure(error: unknown, action: 'park' | 'retrieve'): string {
  if (error instanceof NotLinkedError) {
    return 'I need you to link your Webex account first. I have sent you a private message with a link.';
  }
  if (!(error instanceof WebexApiError)) return 'Something went wrong on my side. Please try again in a moment.';
  const verb = action === 'park' ? 'park' : 'retrieve';
  switch (error.kind) {
    case 'unauthorized':
      return 'Webex did not accept your linked account any more. I have sent you a private message to link it again.';
    case 'forbidden':
      return `Webex would not let me ${verb} calls for you. Your account may not have a Webex Calling licence, or call control is not allowed for it. Ask your Webex administrator.`;
    case 'not-found':
      return action === 'park'
        ? 'That call has ended or moved before I could park it.'
        : 'That call is no longer parked there. Someone may have picked it up from a phone, or the caller hung up.';
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
        ? `Webex refused that park request: ${error.description}. Check the number and try again.`
        : `Webex refused that retrieve request: ${error.description}.`;
  }
}

export const HELP_TEXT = [
  "I park and retrieve your Webex calls so a teammate can pick them up. Here's what you can say:",
  '- `park` or `park my call`: park your active call and post a card with a **Retrieve** button',
  '- `park to 1234`: park it on an extension, number (+12223334444), `*73`, `tel:` or `sip:` address, or email',
  '- `group park`: park it on a free extension of your call park group',
  '- `park for @Person note`: park it for someone, who gets a mention',
  '- `retrieve` or `retrieve 1234`: take a parked call (or tap **Retrieve** on its card)',
  '- `parked`: list the calls waiting in this space',
  '- `link` / `unlink`: connect or disconnect your Webex account (I act with your own account, never mine)',
  'In a group space, @mention me first.',
].join('\n');
