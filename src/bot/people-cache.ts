import { LRUCache } from 'lru-cache';

/** The framework's Webex SDK handle, as far as person lookups go. */
export interface PeopleLookups {
  people: { get: (id: unknown) => Promise<unknown> };
}

export interface PeopleCacheSettings {
  /** People remembered at most (least recently seen forgotten first). */
  max: number;
  /** How long a display name is trusted before Webex is asked again. */
  ttlMs: number;
}

export const PEOPLE_CACHE: PeopleCacheSettings = { max: 10_000, ttlMs: 5 * 60_000 };

/**
 * The framework looks up the sender of every event with Webex before any handler runs: a fifth round
 * trip on every park and retrieve. A returning sender is served from a bounded, time-limited cache
 * instead; concurrent lookups of one person share one request, and a failed one is not kept.
 */
export function cachePeople(sdk: PeopleLookups, settings: PeopleCacheSettings = PEOPLE_CACHE): void {
  const cache = new LRUCache<string, Promise<unknown>>({ max: settings.max, ttl: settings.ttlMs });
  const lookUp = sdk.people.get.bind(sdk.people);
  sdk.people.get = (id: unknown) => {
    if (typeof id !== 'string' || id === 'me') return lookUp(id);
    let person = cache.get(id);
    if (!person) {
      person = lookUp(id);
      cache.set(id, person);
      person.catch(() => cache.delete(id));
    }
    return person;
  };
}
