import { NotLinkedError } from './errors.js';
import { WebexApiError } from '../webex/errors.js';
import type { TokenCipher } from './token-cipher.js';
import type { IdentityApi } from '../webex/identity-api.js';
import type { LinkedAccount, SealedTokens, Store } from '../storage/store.js';
import type { TokenResponse } from '../webex/schemas.js';
import type { Logger } from '../logger.js';

/** Refresh a little before Webex would refuse the token. */
const EXPIRY_MARGIN_MS = 60_000;

export type ResealOutcome = 'resealed' | 'current' | 'unreadable' | 'changed';

/**
 * Seals an account's tokens anew under the current key when a previous key sealed them: `current`
 * when nothing needed it, `unreadable` when no configured key opens them, `changed` when the stored
 * tokens were no longer the ones read (someone refreshed or re-sealed them meanwhile; read again).
 * Used on each use of a token (the vault) and for every account at once (`npm run rekey`).
 */
export async function resealAccount(store: Pick<Store, 'resealAccount'>, cipher: TokenCipher, account: LinkedAccount): Promise<ResealOutcome> {
  let resealed: { access: string | undefined; refresh: string | undefined };
  try {
    resealed = { access: cipher.reseal(account.sealedAccessToken), refresh: cipher.reseal(account.sealedRefreshToken) };
  } catch {
    return 'unreadable';
  }
  if (resealed.access === undefined && resealed.refresh === undefined) return 'current';
  const from: SealedTokens = { sealedAccessToken: account.sealedAccessToken, sealedRefreshToken: account.sealedRefreshToken };
  const to: SealedTokens = { sealedAccessToken: resealed.access ?? from.sealedAccessToken, sealedRefreshToken: resealed.refresh ?? from.sealedRefreshToken };
  return (await store.resealAccount(account.personId, from, to)) ? 'resealed' : 'changed';
}

/**
 * Each person's Webex tokens, sealed at rest. `withToken` runs an action with the person's own access
 * token, refreshing it once when it has expired or Webex answers 401; callers that need a refresh at
 * the same moment share one.
 */
export class TokenVault {
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    private readonly store: Store,
    private readonly cipher: TokenCipher,
    private readonly identity: IdentityApi,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async isLinked(personId: string): Promise<boolean> {
    return (await this.store.account(personId)) !== undefined;
  }

  /** Whether the person's link grants `scope`; a link that did not say what it grants is not doubted. */
  async grants(personId: string, scope: string): Promise<boolean> {
    const account = await this.store.account(personId);
    if (!account) throw new NotLinkedError(personId, 'never-linked');
    return !account.scope.trim() || account.scope.split(/\s+/).includes(scope);
  }

  async save(personId: string, displayName: string, tokens: TokenResponse): Promise<void> {
    await this.store.saveAccount(this.sealed(personId, displayName, tokens));
  }

  async unlink(personId: string): Promise<boolean> {
    return this.store.deleteAccount(personId);
  }

  async withToken<T>(personId: string, action: (accessToken: string) => Promise<T>): Promise<T> {
    const account = await this.store.account(personId);
    if (!account) throw new NotLinkedError(personId, 'never-linked');
    const token = account.accessExpiresAt - EXPIRY_MARGIN_MS > this.now() ? await this.openAccess(account) : await this.refresh(account);
    try {
      return await action(token);
    } catch (error) {
      if (!(error instanceof WebexApiError) || error.kind !== 'unauthorized') throw error;
      const fresh = await this.tokenNewerThan(account);
      try {
        return await action(fresh);
      } catch (retryError) {
        if (retryError instanceof WebexApiError && retryError.kind === 'unauthorized') throw new NotLinkedError(personId, 'expired');
        throw retryError;
      }
    }
  }

  /**
   * Refreshes the person's tokens now if their refresh token ends before `beforeMs`, so the link of
   * someone who has not parked for months does not lapse. True when Webex was asked.
   */
  async renewIfEnding(personId: string, beforeMs: number): Promise<boolean> {
    const account = await this.store.account(personId);
    if (!account || account.refreshExpiresAt === undefined || account.refreshExpiresAt >= beforeMs || account.refreshExpiresAt <= this.now()) return false;
    await this.refresh(account);
    return true;
  }

  /** After a 401: a token someone else refreshed meanwhile, or else a refresh of our own. */
  private async tokenNewerThan(used: LinkedAccount): Promise<string> {
    const latest = await this.store.account(used.personId);
    if (!latest) throw new NotLinkedError(used.personId, 'never-linked');
    if (latest.sealedAccessToken !== used.sealedAccessToken) return this.open(latest, latest.sealedAccessToken);
    return this.refresh(latest);
  }

  private refresh(account: LinkedAccount): Promise<string> {
    const pending = this.refreshing.get(account.personId);
    if (pending) return pending;
    const refresh = this.doRefresh(account).finally(() => this.refreshing.delete(account.personId));
    this.refreshing.set(account.personId, refresh);
    return refresh;
  }

  private async doRefresh(account: LinkedAccount): Promise<string> {
    if (account.refreshExpiresAt !== undefined && account.refreshExpiresAt <= this.now()) {
      throw new NotLinkedError(account.personId, 'expired');
    }
    try {
      const tokens = await this.identity.refresh(this.open(account, account.sealedRefreshToken));
      await this.store.saveAccount(this.sealed(account.personId, account.displayName, tokens));
      this.logger.info({ event: 'token-refreshed' }, 'Refreshed a linked account token');
      return tokens.access_token;
    } catch (error) {
      if (error instanceof WebexApiError && (error.kind === 'bad-request' || error.kind === 'unauthorized')) {
        throw new NotLinkedError(account.personId, 'expired');
      }
      throw error;
    }
  }

  /**
   * The access token; when a previous key sealed it, both tokens are sealed anew under the current
   * key on the way (TOKEN_ENCRYPTION_KEYS_PREVIOUS can then be dropped once everyone has been seen,
   * or after `npm run rekey`). A failure to save them re-sealed never stands in the way of the action.
   */
  private async openAccess(account: LinkedAccount): Promise<string> {
    const { value: token, current } = this.unseal(account, account.sealedAccessToken);
    if (current) return token;
    try {
      const outcome = await resealAccount(this.store, this.cipher, account);
      if (outcome === 'resealed') this.logger.info({ event: 'token-resealed' }, "Sealed a person's tokens anew under the current TOKEN_ENCRYPTION_KEY");
    } catch (error) {
      this.logger.warn({ event: 'token-reseal-failed', error: error instanceof Error ? error.message : 'unknown' }, "Could not save a person's tokens sealed under the current key; will try at next use");
    }
    return token;
  }

  /**
   * A token sealed with a key that is no longer configured (TOKEN_ENCRYPTION_KEY changed or lost, and
   * not listed in TOKEN_ENCRYPTION_KEYS_PREVIOUS) cannot be read: the link is as good as expired, and
   * the person is asked to link again.
   */
  private open(account: LinkedAccount, sealed: string): string {
    return this.unseal(account, sealed).value;
  }

  private unseal(account: LinkedAccount, sealed: string): { value: string; current: boolean } {
    try {
      return this.cipher.unseal(sealed);
    } catch {
      this.logger.warn(
        { event: 'token-undecryptable' },
        'A stored Webex token cannot be decrypted (was TOKEN_ENCRYPTION_KEY changed without listing the old one in TOKEN_ENCRYPTION_KEYS_PREVIOUS?); the person will be asked to link again',
      );
      throw new NotLinkedError(account.personId, 'expired');
    }
  }

  private sealed(personId: string, displayName: string, tokens: TokenResponse): LinkedAccount {
    const now = this.now();
    return {
      personId,
      displayName,
      sealedAccessToken: this.cipher.seal(tokens.access_token),
      sealedRefreshToken: this.cipher.seal(tokens.refresh_token),
      accessExpiresAt: now + tokens.expires_in * 1000,
      ...(tokens.refresh_token_expires_in ? { refreshExpiresAt: now + tokens.refresh_token_expires_in * 1000 } : {}),
      scope: tokens.scope ?? '',
      linkedAt: new Date(now).toISOString(),
    };
  }
}
