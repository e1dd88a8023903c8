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

/** An OAuth login that cannot complete, with a sentence for the person's browser. */
export class LinkError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'LinkError';
  }
}
