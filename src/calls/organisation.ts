import type { ParkedCall } from '../storage/store.js';
import { WebexApiError } from '../webex/errors.js';

/** Who belongs to which organisation, as Webex says of each person (`GET /people/{id}`, `orgId`). */
export interface Organisations {
  orgOf(personId: string): Promise<string | undefined>;
}

/** Someone asking to act on a call: who, and their organisation as Webex named it with them, if it did. */
export interface Asker {
  personId: string;
  orgId?: string | undefined;
}

/**
 * Park numbers belong to an organisation: another company's person in the space asking for "2001"
 * would be handed their own organisation's 2001, while our caller keeps waiting. So a call is acted
 * on only for people of the organisation it was parked in. Both sides come from what Webex says of
 * the people (never from a webhook envelope, whose `orgId` is the webhook owner's). Whatever cannot
 * be known is refused: a call of unknown organisation is nobody's to take.
 */
export class OrganisationCheck {
  private readonly known = new Map<string, Promise<string | undefined>>();

  constructor(private readonly organisations: Organisations) {}

  async mayAct(asker: Asker, call: ParkedCall): Promise<boolean> {
    const [theirs, calls] = await Promise.all([asker.orgId ?? this.orgOf(asker.personId), this.callOrg(call)]);
    return theirs !== undefined && theirs === calls;
  }

  /** The calls of `calls` that `asker` may act on. */
  async filter(asker: Asker, calls: ParkedCall[]): Promise<ParkedCall[]> {
    const allowed = await Promise.all(calls.map((call) => this.mayAct(asker, call)));
    return calls.filter((_call, index) => allowed[index]);
  }

  /**
   * Records made before the organisation was kept at park have none: the parker's organisation is
   * theirs, since a park is made with the parker's own token on their own line, so Webex is asked
   * who they are. A parker Webex no longer knows leaves the call's organisation unknown.
   */
  private callOrg(call: ParkedCall): Promise<string | undefined> {
    return call.orgId ? Promise.resolve(call.orgId) : this.orgOf(call.parkedBy.personId);
  }

  /** One question to Webex per person for the whole request. */
  private orgOf(personId: string): Promise<string | undefined> {
    let found = this.known.get(personId);
    if (!found) {
      found = this.organisations.orgOf(personId).catch((error: unknown) => {
        if (error instanceof WebexApiError && error.kind === 'not-found') return undefined;
        throw error;
      });
      this.known.set(personId, found);
    }
    return found;
  }
}
