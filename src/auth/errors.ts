/** The person has no usable Webex account link: they must (re)link before the bot can act for them. */
export class NotLinkedError extends Error {
  constructor(
    readonly personId: string,
    readonly reason: 'never-linked' | 'expired',
  ) {
    super(reason === 'never-linked' ? 'No linked Webex account' : 'The linked Webex account needs to be linked again');
    this.name = 'NotLinkedError';
  }
}

/**
 * The person's link was made before the bot asked for `scope`: what needs it waits until they link
 * again; everything else goes on working with the link they have.
 */
export class MissingScopeError extends Error {
  constructor(
    readonly personId: string,
    readonly scope: string,
  ) {
    super(`The linked Webex account does not grant ${scope}`);
    this.name = 'MissingScopeError';
  }
}

/** An OAuth login that cannot complete, with a sentence for the person's browser. */
export class LinkError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'LinkError';
  }
}
