/** A small seeded generator (mulberry32): the same seed, the same sequence of choices. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number from `low` to `high`, both included, drawn from `from`. */
export const between = (from: () => number, low: number, high: number): number => low + Math.floor(from() * (high - low + 1));
