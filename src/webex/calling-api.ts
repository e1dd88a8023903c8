import type { WebexHttpClient } from './http-client.js';
import {
  answerEndpointListSchema,
  callListSchema,
  callSchema,
  lineNumbersSchema,
  myEndpointListSchema,
  parkResponseSchema,
  retrieveResponseSchema,
  type AnswerEndpoint,
  type Call,
  type Party,
} from './schemas.js';
import { WebexApiError } from './errors.js';

/** A secondary line on one of the person's devices: its `lineOwnerId` and what kind of line it is. */
export interface SecondaryLine {
  ownerId: string;
  memberType: string;
}

/** A line's number and extension, as Webex gives them (either may be missing). */
export interface LineNumber {
  directNumber?: string;
  extension?: string;
}

export interface RetrieveRequest {
  destination?: string;
  /** The device or application to ring, one of `answerEndpoints`; without it Webex rings as it would anyway. */
  endpointId?: string;
}

export interface ParkRequest {
  callId: string;
  destination?: string;
  isGroupPark?: boolean;
  /** The secondary line the call is on (Webex's `lineOwnerId`); absent for the person's own line. */
  lineOwnerId?: string;
}

/** `?lineOwnerId=…` for a secondary line's calls; nothing for the person's own. */
const onLine = (lineOwnerId: string | undefined): string => (lineOwnerId ? `?lineOwnerId=${encodeURIComponent(lineOwnerId)}` : '');

/** Webex Calling call control, always on behalf of a person with that person's own token. */
export class CallingApi {
  constructor(private readonly http: WebexHttpClient) {}

  /** The user's calls on their own line, or on the secondary line `lineOwnerId`. */
  async activeCalls(userToken: string, lineOwnerId?: string): Promise<Call[]> {
    const { items } = await this.http.request({ method: 'GET', path: `/telephony/calls${onLine(lineOwnerId)}`, token: userToken, schema: callListSchema, safeToRepeat: true });
    return items;
  }

  /** One of the user's calls (on the secondary line `lineOwnerId`, if given), as Webex sees it now. */
  async call(userToken: string, callId: string, lineOwnerId?: string): Promise<Call> {
    return this.http.request({
      method: 'GET',
      path: `/telephony/calls/${encodeURIComponent(callId)}${onLine(lineOwnerId)}`,
      token: userToken,
      schema: callSchema,
      safeToRepeat: true,
    });
  }

  /** The secondary lines on the user's devices (needs `spark:telephony_config_read`), each once. */
  async secondaryLines(userToken: string): Promise<SecondaryLine[]> {
    const { endpoints } = await this.http.request({ method: 'GET', path: '/telephony/config/people/me/endpoints', token: userToken, schema: myEndpointListSchema, safeToRepeat: true });
    const lines = new Map<string, SecondaryLine>();
    for (const line of endpoints.flatMap((endpoint) => endpoint.secondaryLines ?? [])) lines.set(line.id, { ownerId: line.id, memberType: line.memberType });
    return [...lines.values()];
  }

  /**
   * Each of the user's lines' number and extension, by line owner id. Webex refuses it (403, 404) to
   * people without the contact-centre feature: then nothing is known, which is not a failure.
   */
  async lineNumbers(userToken: string): Promise<Map<string, LineNumber>> {
    try {
      const { ccExtensions } = await this.http.request({
        method: 'GET',
        path: '/telephony/config/people/me/settings/contactCenterExtensions',
        token: userToken,
        schema: lineNumbersSchema,
        safeToRepeat: true,
      });
      return new Map(
        ccExtensions.flatMap((line) =>
          line.lineOwnerId ? [[line.lineOwnerId, { ...(line.directNumber ? { directNumber: line.directNumber } : {}), ...(line.extension ? { extension: line.extension } : {}) }] as const] : [],
        ),
      );
    } catch (error) {
      if (error instanceof WebexApiError && (error.kind === 'forbidden' || error.kind === 'not-found')) return new Map();
      throw error;
    }
  }

  /** Parking the same callId twice cannot park twice, so the call may be repeated after a 5xx. */
  async park(userToken: string, request: ParkRequest): Promise<Party> {
    const { parkedAgainst } = await this.http.request({
      method: 'POST',
      path: '/telephony/calls/park',
      token: userToken,
      json: request,
      schema: parkResponseSchema,
      safeToRepeat: true,
    });
    return parkedAgainst;
  }

  /** Rings the user's device with the parked call; repeating it after an ambiguous failure could ring twice. */
  async retrieve(userToken: string, request: RetrieveRequest = {}): Promise<{ callId: string }> {
    return this.http.request({
      method: 'POST',
      path: '/telephony/calls/retrieve',
      token: userToken,
      json: {
        ...(request.destination ? { destination: request.destination } : {}),
        ...(request.endpointId ? { endpointId: request.endpointId } : {}),
      },
      schema: retrieveResponseSchema,
      safeToRepeat: false,
    });
  }

  /** The devices and applications the user's calls can ring on (needs `spark:telephony_config_read`). */
  async answerEndpoints(userToken: string): Promise<AnswerEndpoint[]> {
    const { endpoints } = await this.http.request({
      method: 'GET',
      path: '/telephony/config/people/me/settings/availablePreferredAnswerEndpoints',
      token: userToken,
      schema: answerEndpointListSchema,
      safeToRepeat: true,
    });
    return endpoints;
  }
}
