import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for tokens at rest: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. Tokens are
 * sealed with the current key only; `readOnlyKeys` (previous keys, and the next one during a rolling
 * rotation) still open them.
 *
 * The sealed form does not name its key: opening tries the current key first, then the others in
 * order (GCM's tag tells a wrong key at once). Keeping the format unchanged means instances of an
 * older version, still running during a rolling upgrade, read every token this version seals.
 */
export class TokenCipher {
  private readonly keys: Buffer[];

  constructor(
    private readonly key: Buffer,
    readOnlyKeys: Buffer[] = [],
  ) {
    if ([key, ...readOnlyKeys].some((k) => k.length !== 32)) throw new Error('TokenCipher needs 32-byte keys');
    this.keys = [key, ...readOnlyKeys.filter((k) => !k.equals(key))];
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  /** Throws when no configured key sealed the value, or it was tampered with. */
  open(sealed: string): string {
    return this.unseal(sealed).value;
  }

  /** The value, and whether it was sealed with the current key. Throws like `open`. */
  unseal(sealed: string): { value: string; current: boolean } {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('Not a sealed token');
    for (const [index, key] of this.keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const value = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
        return { value, current: index === 0 };
      } catch {
        // Not this key (or tampered with): try the next one.
      }
    }
    throw new Error('No configured key opens this sealed token');
  }

  /** The value sealed anew with the current key, or undefined when the current key sealed it already. Throws like `open`. */
  reseal(sealed: string): string | undefined {
    const { value, current } = this.unseal(sealed);
    return current ? undefined : this.seal(value);
  }
}
