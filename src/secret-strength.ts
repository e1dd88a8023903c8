/**
 * Whether a secret or key someone configured is guessable: one check for every secret the bot is
 * given (WEBHOOK_SECRET, TOKEN_ENCRYPTION_KEY, and any previous ones kept while rotating). It cannot
 * prove a secret random; it refuses what a person types when asked for "something random": one
 * character over and over, a short pattern repeated, a run such as `abcdef…` or `0123…`.
 */

/** Fewer different symbols than this in a secret means it was typed, not generated. */
const MIN_DISTINCT = 8;

/** What is wrong with `symbols` (characters' code points or a key's bytes), or undefined when nothing is. */
function patternWeakness(symbols: number[], noun: 'characters' | 'bytes'): string | undefined {
  if (new Set(symbols).size < MIN_DISTINCT) return `has fewer than ${MIN_DISTINCT} different ${noun}`;
  const period = shortestPeriod(symbols);
  if (period <= symbols.length / 2) return `repeats a pattern of ${period}`;
  // Runs (abcdef, 0123, 0 2 4 6…) have one step between neighbours far more often than chance.
  const steps = new Map<number, number>();
  for (let i = 1; i < symbols.length; i += 1) {
    const step = (symbols[i] as number) - (symbols[i - 1] as number);
    steps.set(step, (steps.get(step) ?? 0) + 1);
  }
  if (Math.max(...steps.values()) * 2 >= symbols.length - 1) return 'is mostly a run of consecutive values';
  return undefined;
}

/** The length of the shortest block whose repetition makes `symbols` (its length when none does). */
function shortestPeriod(symbols: number[]): number {
  for (let period = 1; period < symbols.length; period += 1) {
    if (symbols.every((symbol, i) => i < period || symbol === symbols[i - period])) return period;
  }
  return symbols.length;
}

/** A shared secret (a webhook secret): at least 32 characters, and not a typed pattern. */
export function secretWeakness(secret: string, minLength = 32): string | undefined {
  const symbols = [...secret].map((character) => character.codePointAt(0) as number);
  if (symbols.length < minLength) return `must be at least ${minLength} characters`;
  const weakness = patternWeakness(symbols, 'characters');
  return weakness && `is too easy to guess: it ${weakness}`;
}

/** An encryption key: exactly `length` bytes, not constant or patterned. */
export function keyWeakness(key: Uint8Array, length = 32): string | undefined {
  if (key.length !== length) return `must be exactly ${length} bytes`;
  const weakness = patternWeakness([...key], 'bytes');
  return weakness && `is too easy to guess: it ${weakness}`;
}
