import type { WebexHttpClient } from './http-client.js';
import { answerEndpointListSchema, callListSchema, callSchema, parkResponseSchema, retrieveResponseSchema, type AnswerEndpoint, type Call, type Party } from './schemas.js';

export interface RetrieveRequest {
  destination?: string;
  /** The device or application to ring, one of `answerEndpoints`; without it Webex rings as it would anyway. */
  endpointId?: string;
}

export interface ParkRequest {
  callId: string;
  destination?: string;
  isGroupPark?: boolean;
}

/** Webex Calling call control, always on behalf of a person with that person's own token. */
export class CallingApi {
  constructor(private readonly http: WebexHttpClient) {}

  async activeCalls(userToken: string): Promise<Call[]> {
    const { items } = await this.http.request({ method: 'GET', path: '/telephony/calls', token: userToken, schema: callListSchema, safeToRepeat: true });
    return items;
  }

  /** One of the user's calls, as Webex sees it now. */
  async call(userToken: string, callId: string): Promise<Call> {
    return this.http.request({ method: 'GET', path: `/telephony/calls/${encodeURIComponent(callId)}`, token: userToken, schema: callSchema, safeToRepeat: true });
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
