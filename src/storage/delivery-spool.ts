import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from './private-files.js';

/** A delivery kept while the database was away: its inbox key and its body, as the inbox takes them. */
export interface SpooledDelivery {
  key: string;
  body: string;
}

/** A spool entry that exists but cannot be read or removed: replaying stops at it, and nothing is deleted. */
export class SpoolUnreadableError extends Error {
  constructor(entry: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(`The spool entry ${entry} cannot be read or removed (${code ?? (cause instanceof Error ? cause.message : String(cause))})`);
    this.name = 'SpoolUnreadableError';
  }
}

/**
 * Webhook deliveries that arrived while the database was unavailable, kept on local disk until it is
 * back: an append-only file of records, one per delivery, each flushed to disk (fdatasync) before
 * Webex is told the delivery was received. When the database is back they go into the inbox in
 * arrival order, whose event keys make each count once however often it was kept (a Webex retry, a
 * copy kept by another instance, a replay cut short by a crash).
 *
 * A record is the byte 0x1E (ASCII record separator, which JSON text never holds unescaped), the
 * CRC-32 of the delivery's JSON as 8 hex digits, a space, the JSON, and a newline. A write that fails
 * half-way is cut off again (the file truncated to its last good length), so only a crash mid-write
 * can leave half a record, and then only as the file's last, never acknowledged; a reader skips any
 * record whose checksum fails and picks up at the next separator, so nothing after it is lost.
 * Lines of plain JSON before the first separator are read too (what an earlier version kept).
 *
 * One file per instance (`name`), so instances sharing a folder never write to one file. A replay
 * first renames the file to `<name>.replaying`; new deliveries go on into a fresh file meanwhile,
 * and the renamed one is deleted only once every record in it is in the inbox. A crash anywhere
 * leaves the records on disk, to be replayed at the next start. An entry that cannot be read (a
 * folder in its place, a read error) stops the replay with {@link SpoolUnreadableError}: it is left
 * as it is, {@link fault} says why, and the next replay tries it again.
 */
export class DeliverySpool {
  private handle: FileHandle | undefined;
  /** The size of the open file up to its last complete record: what a failed write is cut back to. */
  private goodLength = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private replaying: Promise<number> | undefined;
  /** Deliveries kept and not yet handed to the inbox (counted from this process's start). */
  private waiting = 0;
  private unreadable: string | undefined;

  constructor(
    private readonly folder: string,
    private readonly name: string,
    /** Told how many deliveries each replay handed over. */
    private readonly onReplayed: (count: number) => void = () => undefined,
  ) {}

  private get path(): string {
    return join(this.folder, `${this.name}.jsonl`);
  }

  private get replayPath(): string {
    return join(this.folder, `${this.name}.replaying`);
  }

  /** Something may be waiting on disk: new deliveries queue behind it, to keep each space's order. */
  get pending(): boolean {
    return this.waiting > 0 || this.replaying !== undefined || this.unreadable !== undefined;
  }

  get size(): number {
    return this.waiting;
  }

  /** Why the last replay stopped at an entry it could not read; undefined once one got past it. */
  get fault(): string | undefined {
    return this.unreadable;
  }

  /** Counts what an earlier run left on disk (it died while the database was away); an unreadable entry is a {@link fault}. */
  async open(): Promise<number> {
    for (const path of [this.replayPath, this.path]) {
      try {
        if ((await entryState(path)) === 'records') this.waiting += (await readRecords(path)).length;
      } catch (error) {
        if (!(error instanceof SpoolUnreadableError)) throw error;
        this.unreadable = error.message;
      }
    }
    return this.waiting;
  }

  /** Resolves once the delivery is on disk. Throws when it cannot be written (the disk is full too), leaving nothing of it. */
  async append(delivery: SpooledDelivery): Promise<void> {
    const record = frame(delivery);
    const write = this.writing.then(async () => {
      const handle = this.handle ?? (await this.openFile());
      try {
        await handle.appendFile(record);
        await handle.datasync();
        this.goodLength += record.length;
      } catch (error) {
        await this.cutBack(handle);
        throw error;
      }
    });
    this.writing = write.catch(() => undefined);
    await write;
    this.waiting += 1;
  }

  private async openFile(): Promise<FileHandle> {
    await mkdir(this.folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    // Non-blocking: opening a FIFO left in the file's place for writing would otherwise wait for a
    // reader forever, and every delivery with it. On a regular file the flag changes nothing.
    const handle = await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, PRIVATE_FILE_MODE);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new SpoolUnreadableError(this.path, new Error('not a regular file'));
      const { mode, size } = stats;
      // A file an earlier version made is readable by others.
      if ((mode & 0o777) !== PRIVATE_FILE_MODE) await handle.chmod(PRIVATE_FILE_MODE);
      // The new file's name must survive a power cut too.
      await syncFolder(this.folder);
      this.goodLength = size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  /**
   * Removes what a failed write left of its record, so the next delivery's record follows a whole
   * one. Should even that fail, the file is reopened for the next write (its fragment is then
   * skipped by the reader, which resynchronises on the next record).
   */
  private async cutBack(handle: FileHandle): Promise<void> {
    try {
      await handle.truncate(this.goodLength);
      await handle.datasync();
    } catch {
      this.handle = undefined;
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * Hands every kept delivery, oldest first, to `take` (which records it in the inbox). Stops at the
   * first that `take` throws for, leaving it and the rest on disk, or at an entry it cannot read.
   * Returns how many were handed over.
   */
  replay(take: (delivery: SpooledDelivery) => Promise<void>): Promise<number> {
    this.replaying ??= this.replayAll(take)
      .then(
        (count) => {
          this.unreadable = undefined;
          if (count) this.onReplayed(count);
          return count;
        },
        (error: unknown) => {
          if (error instanceof SpoolUnreadableError) this.unreadable = error.message;
          throw error;
        },
      )
      .finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  private async replayAll(take: (delivery: SpooledDelivery) => Promise<void>): Promise<number> {
    let handed = 0;
    for (;;) {
      if ((await entryState(this.replayPath)) !== 'records') {
        if ((await entryState(this.path)) !== 'records') return handed;
        // In the queue of writes, so no delivery is written to the file being moved: those arriving
        // from now on start a new one.
        const rotate = this.writing.then(async () => {
          await this.handle?.close();
          this.handle = undefined;
          await onDisk(this.path, rename(this.path, this.replayPath));
        });
        this.writing = rotate.catch(() => undefined);
        await rotate;
      }
      const deliveries = await readRecords(this.replayPath);
      this.unreadable = undefined;
      for (const delivery of deliveries) {
        await take(delivery);
        handed += 1;
        this.waiting = Math.max(0, this.waiting - 1);
      }
      // Left in place, it would be read again at once: an entry that cannot be removed stops the replay.
      await onDisk(this.replayPath, unlink(this.replayPath));
    }
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }
}

const SEPARATOR = 0x1e;
const NEWLINE = 0x0a;

function frame(delivery: SpooledDelivery): Buffer {
  const json = Buffer.from(JSON.stringify({ key: delivery.key, body: delivery.body }));
  return Buffer.concat([Buffer.from([SEPARATOR]), Buffer.from(`${checksum(json)} `), json, Buffer.from([NEWLINE])]);
}

const checksum = (json: Buffer): string => crc32(json).toString(16).padStart(8, '0');

/** An fs operation on a spool entry: any failure but the entry being gone is the entry's fault. */
async function onDisk<T>(entry: string, operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SpoolUnreadableError(entry, error);
  }
}

/** Whether there are records to read: a folder or anything else in a file's place is an unreadable entry. */
async function entryState(path: string): Promise<'absent' | 'empty' | 'records'> {
  const found = await onDisk(path, stat(path));
  if (!found) return 'absent';
  if (!found.isFile()) throw new SpoolUnreadableError(path, new Error(found.isDirectory() ? 'a folder, not a file' : 'not a regular file'));
  return found.size > 0 ? 'records' : 'empty';
}

/**
 * The file's deliveries. A record whose checksum fails (half written when the process died, never
 * acknowledged; or damaged) is skipped, and reading goes on at the next record separator.
 */
async function readRecords(path: string): Promise<SpooledDelivery[]> {
  const data = (await onDisk(path, readFile(path))) ?? Buffer.alloc(0);
  const deliveries: SpooledDelivery[] = [];
  let start = data.indexOf(SEPARATOR);
  deliveries.push(...plainLines(data.subarray(0, start === -1 ? data.length : start)));
  let end = data.indexOf(NEWLINE, start + 1);
  while (start !== -1) {
    const next = data.indexOf(SEPARATOR, start + 1);
    // A record ends at its newline (JSON text holds none unescaped): whatever follows it up to the
    // next separator is not part of it.
    if (end !== -1 && end < start) end = data.indexOf(NEWLINE, start + 1);
    const delivery = end !== -1 && (next === -1 || end < next) ? unframe(data.subarray(start + 1, end)) : undefined;
    if (delivery) deliveries.push(delivery);
    start = next;
  }
  return deliveries;
}

/** One record without its separator and newline: `<crc32> <json>`, or undefined when it is not whole. */
function unframe(record: Buffer): SpooledDelivery | undefined {
  if (record.length < 10 || record[8] !== 0x20) return undefined;
  const json = record.subarray(9);
  if (record.subarray(0, 8).toString('latin1') !== checksum(json)) return undefined;
  return parseDelivery(json.toString('utf8'));
}

/** Plain JSON lines, as an earlier version kept them; a last line cut short by a crash is skipped. */
function plainLines(data: Buffer): SpooledDelivery[] {
  return data
    .toString('utf8')
    .split('\n')
    .flatMap((line) => {
      const delivery = line ? parseDelivery(line) : undefined;
      return delivery ? [delivery] : [];
    });
}

function parseDelivery(json: string): SpooledDelivery | undefined {
  try {
    const parsed = JSON.parse(json) as Partial<SpooledDelivery> | null;
    if (typeof parsed?.key === 'string' && typeof parsed.body === 'string') return { key: parsed.key, body: parsed.body };
  } catch {
    // a line cut short
  }
  return undefined;
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
