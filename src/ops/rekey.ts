import './supported-node.js';
import 'dotenv/config';
import { ConfigError, createConfig } from '../config.js';
import { openStore } from '../storage/open-store.js';
import { TokenCipher } from '../auth/token-cipher.js';
import { resealAccount, type ResealOutcome } from '../auth/token-vault.js';
import type { Store } from '../storage/store.js';

/** A refresh racing the re-seal of one account: read it again this many times before giving up on it. */
const ATTEMPTS = 5;

export interface RekeyCounts {
  resealed: number;
  current: number;
  unreadable: number;
  /** Unlinked, or changed by a running bot on every attempt (a later run, or its next use, re-seals it). */
  skipped: number;
}

/**
 * `npm run rekey`: seals every linked account's tokens under TOKEN_ENCRYPTION_KEY, opening them with
 * it or any key of TOKEN_ENCRYPTION_KEYS_PREVIOUS / TOKEN_ENCRYPTION_KEY_NEXT. Safe while the bot
 * runs, on any number of instances: each account is replaced by a compare-and-set on its sealed
 * tokens, so a refresh saved meanwhile is never overwritten (the account is read again instead).
 */
export async function rekey(store: Store, cipher: TokenCipher): Promise<RekeyCounts> {
  const counts: RekeyCounts = { resealed: 0, current: 0, unreadable: 0, skipped: 0 };
  for (const personId of await store.linkedPersonIds()) {
    let outcome: ResealOutcome | 'gone' = 'changed';
    for (let attempt = 0; attempt < ATTEMPTS && outcome === 'changed'; attempt += 1) {
      const account = await store.account(personId);
      outcome = account ? await resealAccount(store, cipher, account) : 'gone';
    }
    if (outcome === 'changed' || outcome === 'gone') counts.skipped += 1;
    else counts[outcome] += 1;
  }
  return counts;
}

/** Prints counts only: never a token, a key or a person. */
async function main(): Promise<void> {
  const config = createConfig();
  const store = await openStore(config.database);
  try {
    const counts = await rekey(store, new TokenCipher(config.tokenEncryptionKey, config.tokenReadOnlyKeys));
    process.stdout.write(
      `Linked accounts: ${counts.resealed} re-sealed under TOKEN_ENCRYPTION_KEY, ${counts.current} already current, ` +
        `${counts.unreadable} unreadable with every configured key, ${counts.skipped} skipped (unlinked or changed meanwhile).\n`,
    );
    if (counts.unreadable) {
      process.stdout.write(
        'Unreadable accounts count as expired links: those people are asked to link again when they next use the bot. ' +
          'If that is not expected, a key is missing from TOKEN_ENCRYPTION_KEYS_PREVIOUS.\n',
      );
      // Not a success for a scheduled job: someone will be asked to link again.
      process.exitCode = 2;
    }
    if (counts.skipped) process.stdout.write('Run it again to re-seal the skipped ones.\n');
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const reason = error instanceof ConfigError ? `fix ${error.problems.join('; ')} (see .env.example)` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`Rekey did not run: ${reason}\n`);
    process.exit(1);
  });
}
