import type { WebexHttpClient } from './http-client.js';
import { personSchema, tokenResponseSchema, type Person, type TokenResponse } from './schemas.js';

export interface OAuthClientSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** Who a token belongs to, and the OAuth token endpoint (`/access_token`) of the integration. */
export class IdentityApi {
  constructor(
    private readonly http: WebexHttpClient,
    private readonly oauth: OAuthClientSettings,
  ) {}

  async me(userToken: string): Promise<Person> {
    return this.http.request({ method: 'GET', path: '/people/me', token: userToken, schema: personSchema, safeToRepeat: true });
  }

  async exchangeCode(code: string, codeVerifier: string): Promise<TokenResponse> {
    return this.tokenRequest({
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
      redirect_uri: this.oauth.redirectUri,
    });
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  private async tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
    return this.http.request({
      method: 'POST',
      path: '/access_token',
      form: { ...form, client_id: this.oauth.clientId, client_secret: this.oauth.clientSecret },
      schema: tokenResponseSchema,
      // A code is single-use; a repeated exchange would fail anyway and hide the first answer.
      safeToRepeat: false,
    });
  }
}
