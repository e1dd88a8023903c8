import { createHash, randomBytes } from 'node:crypto';
import { badRequest, SimError } from './errors.js';
import type { SimOrg } from './org.js';
import type { SimAuthorizationCode, SimIntegration } from './model.js';

const ACCESS_TTL_MS = 14 * 24 * 60 * 60 * 1000;
const REFRESH_TTL_MS = 90 * 24 * 60 * 60 * 1000;
const CODE_TTL_MS = 5 * 60 * 1000;

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
  token_type: 'Bearer';
  scope: string;
}

/** The Webex OAuth authorization server: integrations, consent, codes and the token endpoint. */
export class SimOAuth {
  readonly integrations = new Map<string, SimIntegration>();
  private readonly codes = new Map<string, SimAuthorizationCode>();

  constructor(private readonly org: SimOrg) {}

  registerIntegration(name: string, redirectUris: string[]): SimIntegration {
    const integration: SimIntegration = {
      clientId: `C${randomBytes(16).toString('hex')}`,
      clientSecret: randomBytes(24).toString('hex'),
      redirectUris,
      name,
    };
    this.integrations.set(integration.clientId, integration);
    return integration;
  }

  /** Checks an authorize request before the consent page is shown; throws what Webex would refuse. */
  validate(request: AuthorizeRequest): SimIntegration {
    const integration = this.integrations.get(request.clientId);
    if (!integration) throw badRequest('Unknown client_id');
    if (!integration.redirectUris.includes(request.redirectUri)) throw badRequest('redirect_uri is not registered');
    if (!request.scope.trim()) throw badRequest('scope is required');
    if (request.codeChallenge && request.codeChallengeMethod !== 'S256') throw badRequest('Only S256 is supported');
    return integration;
  }

  /** The person pressed Accept on the consent page: a code for the integration's redirect URI. */
  consent(request: AuthorizeRequest, personId: string): string {
    this.validate(request);
    this.org.person(personId);
    const code = randomBytes(20).toString('hex');
    this.codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      personId,
      scopes: request.scope.split(/\s+/).filter(Boolean),
      ...(request.codeChallenge ? { codeChallenge: request.codeChallenge } : {}),
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    return code;
  }

  exchange(form: Record<string, string | undefined>): TokenResponse {
    const integration = this.integrations.get(form.client_id ?? '');
    if (!integration || integration.clientSecret !== form.client_secret) throw new SimError(401, 'Invalid client credentials');
    if (form.grant_type === 'authorization_code') return this.exchangeCode(integration, form);
    if (form.grant_type === 'refresh_token') return this.refresh(integration, form.refresh_token);
    throw badRequest('Unsupported grant_type');
  }

  private exchangeCode(integration: SimIntegration, form: Record<string, string | undefined>): TokenResponse {
    const code = this.codes.get(form.code ?? '');
    this.codes.delete(form.code ?? '');
    if (!code || code.expiresAt <= Date.now() || code.clientId !== integration.clientId) {
      throw badRequest('Invalid or expired authorization code');
    }
    if (code.redirectUri !== form.redirect_uri) throw badRequest('redirect_uri does not match');
    if (code.codeChallenge) {
      const verifier = form.code_verifier ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge) {
        throw badRequest('code_verifier does not match the code_challenge');
      }
    }
    const refreshToken = this.org.issueToken(code.personId, 'refresh', code.scopes, REFRESH_TTL_MS, integration.clientId);
    return this.grant(code.personId, code.scopes, integration.clientId, refreshToken);
  }

  private refresh(integration: SimIntegration, refreshToken: string | undefined): TokenResponse {
    const token = refreshToken ? this.org.tokens.get(refreshToken) : undefined;
    if (!refreshToken || !token || token.kind !== 'refresh' || token.expiresAt <= Date.now() || token.clientId !== integration.clientId) {
      throw badRequest('Invalid or expired refresh token');
    }
    return this.grant(token.personId, token.scopes, integration.clientId, refreshToken);
  }

  private grant(personId: string, scopes: string[], clientId: string, refreshToken: string): TokenResponse {
    return {
      access_token: this.org.issueToken(personId, 'access', scopes, ACCESS_TTL_MS, clientId),
      expires_in: ACCESS_TTL_MS / 1000,
      refresh_token: refreshToken,
      refresh_token_expires_in: REFRESH_TTL_MS / 1000,
      token_type: 'Bearer',
      scope: scopes.join(' '),
    };
  }
}
