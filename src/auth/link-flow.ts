import { createHash, randomBytes } from 'node:crypto';
import { LinkError } from './errors.js';
import type { TokenVault } from './token-vault.js';
import type { IdentityApi } from '../webex/identity-api.js';
import type { TokenResponse } from '../webex/schemas.js';
import { WebexApiError } from '../webex/errors.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../logger.js';

/** Also what a link sent before the person's `unlink` answers: unlinking withdraws every link made for them. */
const USED_UP = 'This link is no longer valid: it has expired or was already used, or you unlinked your account after it was sent. Send "link" to the bot for a new one.';

/** Reading a person's own calling settings: the devices their calls ring on (`ring on`). */
export const TELEPHONY_CONFIG_READ = 'spark:telephony_config_read';
export const CALLING_SCOPES = `spark:calls_read spark:calls_write spark:people_read ${TELEPHONY_CONFIG_READ}`;
const LINK_TTL_MS = 15 * 60 * 1000;

export interface LinkFlowSettings {
  publicUrl: string;
  webexApiUrl: string;
  clientId: string;
  redirectUri: string;
}

/**
 * "Login with Webex": a link made for one person, an authorize redirect with PKCE, and a callback that
 * accepts the tokens only when they belong to that same person.
 */
export class LinkFlow {
  constructor(
    private readonly settings: LinkFlowSettings,
    private readonly store: Store,
    private readonly identity: IdentityApi,
    private readonly vault: TokenVault,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The address to send privately to the person, and its state id; it works once, for 15 minutes. */
  async linkFor(personId: string): Promise<{ url: string; stateId: string }> {
    const stateId = randomBytes(24).toString('base64url');
    await this.store.saveLinkState({ id: stateId, personId, codeVerifier: randomBytes(48).toString('base64url'), expiresAt: this.now() + LINK_TTL_MS });
    return { url: `${this.settings.publicUrl}/oauth/start?state=${stateId}`, stateId };
  }

  /** Where `/oauth/start` sends the browser: Webex's authorize page for this pending link. */
  async authorizeUrl(stateId: string): Promise<string> {
    const state = await this.store.linkState(stateId, this.now());
    if (!state) throw new LinkError(USED_UP);
    const url = new URL(`${this.settings.webexApiUrl}/authorize`);
    url.search = new URLSearchParams({
      client_id: this.settings.clientId,
      response_type: 'code',
      redirect_uri: this.settings.redirectUri,
      scope: CALLING_SCOPES,
      state: state.id,
      code_challenge: createHash('sha256').update(state.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /**
   * The callback: exchange the code, check who logged in, keep the tokens sealed. The link is used up
   * only once a code has been exchanged for it, so a bogus code sent with a real state burns nothing.
   */
  async complete(stateId: string, code: string): Promise<{ personId: string; displayName: string; stateId: string }> {
    const pending = await this.store.linkState(stateId, this.now());
    if (!pending) throw new LinkError(USED_UP);
    let tokens: TokenResponse;
    try {
      tokens = await this.identity.exchangeCode(code, pending.codeVerifier);
    } catch (error) {
      if (error instanceof WebexApiError && (error.kind === 'bad-request' || error.kind === 'unauthorized')) {
        this.logger.warn({ event: 'link-refused', reason: 'bad-code' }, 'Webex did not accept the code sent to the link callback');
        throw new LinkError('Webex did not accept this sign-in. Open your link again to retry.');
      }
      throw error;
    }
    const state = await this.store.takeLinkState(stateId, this.now());
    if (!state) throw new LinkError(USED_UP);
    const me = await this.identity.me(tokens.access_token);
    if (me.id !== state.personId) {
      this.logger.warn({ event: 'link-refused', reason: 'different-person' }, 'A link was completed by someone other than the person it was made for');
      throw new LinkError('You signed in as a different Webex user than the one who asked for this link. Nothing was saved. Ask the bot for your own link.');
    }
    await this.vault.save(me.id, me.displayName, tokens);
    this.logger.info({ event: 'account-linked' }, 'A Webex account was linked');
    return { personId: me.id, displayName: me.displayName, stateId };
  }
}
