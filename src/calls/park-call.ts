import { randomUUID } from 'node:crypto';
import { WebexApiError } from '../webex/errors.js';
import type { CallingApi } from '../webex/calling-api.js';
import type { Call } from '../webex/schemas.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { ParkedCall, PersonRef, Store } from '../storage/store.js';

export interface ParkRequest {
  roomId: string;
  by: PersonRef;
  destination?: string;
  groupPark?: boolean;
  forPerson?: PersonRef;
  note?: string;
  /** Set when the person picked one of several calls from the picker card. */
  callId?: string;
}

export type ParkOutcome =
  | { type: 'parked'; call: ParkedCall }
  | { type: 'no-call' }
  /** Several calls could be meant: the person must pick one. */
  | { type: 'choose'; calls: Call[] };

const PARKABLE_STATES = new Set(['connected', 'held', 'remoteHeld']);

export interface ParkDeps {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
  now?: () => Date;
}

/** Parks the person's active call with their own token and records it as waiting in the space. */
export async function parkCall(deps: ParkDeps, request: ParkRequest): Promise<ParkOutcome> {
  return deps.vault.withToken(request.by.personId, async (token) => {
    const active = (await deps.calling.activeCalls(token)).filter((call) => PARKABLE_STATES.has(call.state));
    const chosen = request.callId ? active.filter((call) => call.id === request.callId) : active;
    if (chosen.length === 0) return { type: 'no-call' };
    if (chosen.length > 1) return { type: 'choose', calls: chosen };
    const call = chosen[0] as Call;

    const parkedAgainst = await deps.calling.park(token, {
      callId: call.id,
      ...(request.groupPark ? { isGroupPark: true } : request.destination ? { destination: request.destination } : {}),
    });
    if (!parkedAgainst.number) {
      throw new WebexApiError('POST /telephony/calls/park', 200, 'parkedAgainst has no number', undefined, undefined, 'unexpected-response');
    }
    const caller = call.remoteParty?.privacyEnabled ? {} : call.remoteParty;
    const record: ParkedCall = {
      id: randomUUID(),
      roomId: request.roomId,
      parkedBy: request.by,
      caller: {
        ...(caller?.name ? { name: caller.name } : {}),
        ...(caller?.number ? { number: caller.number } : {}),
      },
      parkedAgainst: { number: parkedAgainst.number, ...(parkedAgainst.name ? { name: parkedAgainst.name } : {}) },
      ...(request.forPerson ? { forPerson: request.forPerson } : {}),
      ...(request.note ? { note: request.note } : {}),
      state: 'waiting',
      parkedAt: (deps.now?.() ?? new Date()).toISOString(),
    };
    await deps.store.saveParkedCall(record);
    return { type: 'parked', call: record };
  });
}
