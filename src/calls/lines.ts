import { z } from 'zod';
import type { CallingApi, LineNumber, SecondaryLine } from '../webex/calling-api.js';
import { WebexApiError } from '../webex/errors.js';
import type { Call } from '../webex/schemas.js';

/**
 * One of a person's secondary lines: the company's main number on the receptionist's phone (a virtual
 * line), a workspace's line, or a colleague's line shared onto it. Webex gives its `lineOwnerId` and
 * kind; its number and extension when it lets the person read them; its name only when a park
 * against the line says it (Webex's `parkedAgainst.name`), learned then.
 */
export const lineSchema = z.object({
  ownerId: z.string().min(1),
  memberType: z.string(),
  name: z.string().optional(),
  directNumber: z.string().optional(),
  extension: z.string().optional(),
});
export type Line = z.infer<typeof lineSchema>;

/** A call on one of the person's lines: `line` is absent for her own. */
export type LineCall = Call & { line?: Line };


/**
 * At most this many of a person's lines are listed side by side: a phone with a few lines waits one
 * round trip, as with one; a person with hundreds (a key expansion module full of them) does not send
 * Webex hundreds of requests at once with one token.
 */
export const LINES_SIDE_BY_SIDE = 8;

/** `action` on each item, at most `limit` at a time; the results in the items' order. One failing: no more are started. */
export async function sideBySide<T, R>(items: readonly T[], limit: number, action: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await action(items[index] as T);
      } catch (error) {
        next = items.length;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Where the lines per person are kept (the store; a small interface so it can move with the store). */
export interface LinesCache {
  personLines(personId: string): Promise<string | undefined>;
  savePersonLines(personId: string, json: string, readAtMs: number): Promise<void>;
}

/**
 * The person's lines as last read, kept with the person so that a park need not ask Webex for them.
 * `refused`: Webex refused to list them (a link without `spark:telephony_config_read`): none are known.
 */
const cachedSchema = z.object({ lines: z.array(lineSchema), readAtMs: z.number(), refused: z.boolean().optional() });
export type KnownLines = z.infer<typeof cachedSchema>;

const KIND_NAMES: Record<string, string> = { VIRTUAL_LINE: 'Virtual line', PLACE: 'Workspace line', PEOPLE: 'Shared line' };

/** "Main line +14085550000": the line's name (or kind) and the number callers dial, else its extension. */
export function lineLabel(line: Pick<Line, 'memberType' | 'name' | 'directNumber' | 'extension'>): string {
  const name = line.name ?? KIND_NAMES[line.memberType] ?? 'Secondary line';
  const number = line.directNumber ?? line.extension;
  return number ? `${name} ${number}` : name;
}

/** Each linked person's secondary lines, read with their own token and cached with them. */
export class PersonLines {
  constructor(
    private readonly deps: { calling: CallingApi; cache: LinesCache; now?: () => number },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** What is cached for the person; undefined when their lines were never read. */
  async known(personId: string): Promise<KnownLines | undefined> {
    const json = await this.deps.cache.personLines(personId);
    if (!json) return undefined;
    const parsed = cachedSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Reads the person's lines from Webex (two requests side by side) and caches them; a name learned
   * from a park is kept. Throws what Webex answered when the lines themselves cannot be read.
   */
  async read(personId: string, token: string): Promise<Line[]> {
    let secondary: SecondaryLine[];
    let numbers: Map<string, LineNumber>;
    let earlier: KnownLines | undefined;
    try {
      [secondary, numbers, earlier] = await Promise.all([this.deps.calling.secondaryLines(token), this.deps.calling.lineNumbers(token), this.known(personId)]);
    } catch (error) {
      if (!(error instanceof WebexApiError && error.kind === 'forbidden')) throw error;
      // Remembered, so that each park does not ask again: a new link (or upkeep) reads them again.
      await this.deps.cache.savePersonLines(personId, JSON.stringify({ lines: [], readAtMs: this.now(), refused: true } satisfies KnownLines), this.now());
      return [];
    }
    const lines = secondary.map((line): Line => {
      const number = numbers.get(line.ownerId);
      const name = earlier?.lines.find((known) => known.ownerId === line.ownerId)?.name;
      return { ...line, ...(name ? { name } : {}), ...number };
    });
    await this.deps.cache.savePersonLines(personId, JSON.stringify({ lines, readAtMs: this.now() } satisfies KnownLines), this.now());
    return lines;
  }

  /** The cached lines, or (never read) Webex's answer now: none when Webex fails to give it. */
  async of(personId: string, token: string): Promise<{ lines: Line[]; readNow: boolean }> {
    const known = await this.known(personId);
    if (known) return { lines: known.lines, readNow: false };
    try {
      return { lines: await this.read(personId, token), readNow: true };
    } catch (error) {
      // Webex failing to list them does not stop a park on her own line; a 401 is the vault's to refresh.
      if (error instanceof WebexApiError && error.kind !== 'unauthorized') return { lines: [], readNow: true };
      throw error;
    }
  }

  /** Upkeep: the person's lines read again (with their token) when last read before `readBeforeMs`; returns the requests made. */
  async refresh(personId: string, readBeforeMs: number, withToken: <T>(personId: string, action: (token: string) => Promise<T>) => Promise<T>): Promise<number> {
    const known = await this.known(personId);
    if (known && known.readAtMs >= readBeforeMs) return 0;
    await withToken(personId, (token) => this.read(personId, token));
    return 2;
  }

  /** A park against the line itself named it: the picker and cards use that name from now on. */
  async learnName(personId: string, ownerId: string, name: string): Promise<void> {
    const known = await this.known(personId);
    const line = known?.lines.find((l) => l.ownerId === ownerId);
    if (!known || !line || line.name === name) return;
    const lines = known.lines.map((l) => (l.ownerId === ownerId ? { ...l, name } : l));
    await this.deps.cache.savePersonLines(personId, JSON.stringify({ lines, readAtMs: known.readAtMs }), known.readAtMs);
  }
}
