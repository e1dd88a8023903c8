import { webexId } from './ids.js';
import { badRequest } from './errors.js';
import type { SimLine } from './model.js';

export interface NewLine {
  displayName: string;
  extension?: string;
  phoneNumber?: string;
  /** People whose phones the line appears on. */
  sharedWith: string[];
  /** A virtual line by default; a colleague's line (`PEOPLE`) takes their person id as `id`. */
  memberType?: SimLine['memberType'];
  id?: string;
}

/**
 * One organisation's secondary lines. Webex documents `lineOwnerId` as "the ID of a user, workspace,
 * or virtual line for which there is a secondary line on a device owned by the user invoking the API":
 * any other id is refused, as is a line not on the caller's phone.
 */
export class SimLines {
  readonly byId = new Map<string, SimLine>();

  add(input: NewLine): SimLine {
    const memberType = input.memberType ?? 'VIRTUAL_LINE';
    const line: SimLine = {
      id: input.id ?? webexId(memberType === 'PLACE' ? 'PLACE' : 'VIRTUAL_LINE'),
      memberType,
      displayName: input.displayName,
      ...(input.extension ? { extension: input.extension } : {}),
      ...(input.phoneNumber ? { phoneNumber: input.phoneNumber } : {}),
      sharedWith: [...input.sharedWith],
    };
    this.byId.set(line.id, line);
    return line;
  }

  of(personId: string): SimLine[] {
    return [...this.byId.values()].filter((line) => line.sharedWith.includes(personId));
  }

  /** The line a request names, which must be on the caller's phone (never their own line by this route). */
  ownedBy(personId: string, lineOwnerId: unknown): SimLine {
    if (typeof lineOwnerId !== 'string' || !lineOwnerId) throw badRequest('lineOwnerId must be a non-empty string');
    const line = this.byId.get(lineOwnerId);
    if (!line?.sharedWith.includes(personId)) throw badRequest('lineOwnerId is not a secondary line on a device of this user');
    return line;
  }

  /** The line with this extension or number, if any. */
  at(number: string): SimLine | undefined {
    return [...this.byId.values()].find((line) => line.extension === number || line.phoneNumber === number);
  }
}
