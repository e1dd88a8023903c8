import { mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A delivery kept while the database was away: its inbox key and its body, as the inbox takes them. */
export interface SpooledDelivery {
  key: string;
  body: string;
}

/**
 * Webhook deliveries that arrived while the database was unavailable, kept on local disk until it is
 * back: an append-only file of JSON lines, one per delivery, each flushed to disk (fdatasync) before
 * Webex is told the delivery was received. When the database is back they go into the inbox in
 * arrival order, whose event keys make each count once however often it was kept (a Webex retry, a
 * copy kept by another instance, a replay cut short by a crash).
 *
 * One file per instance (`name`), so instances sharing a folder never write to one file. A replay
 * first renames the file to `<name>.replaying`; new deliveries go on into a fresh file meanwhile,
 * and the renamed one is deleted only once every line in it is in the inbox. A crash anywhere leaves
 * the lines on disk, to be replayed at the next start.
 */
export class DeliverySpool {
  private handle: FileHandle | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private replaying: Promise<number> | undefined;
  /** Deliveries kept and not yet handed to the inbox (counted from this process's start). */
  private waiting = 0;

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
    return this.waiting > 0 || this.replaying !== undefined;
  }

  get size(): number {
    return this.waiting;
  }

  /** Counts what an earlier run left on disk (it died while the database was away). */
  async open(): Promise<number> {
    for (const path of [this.replayPath, this.path]) this.waiting += (await readLines(path)).length;
    return this.waiting;
  }

  /** Resolves once the delivery is on disk. Throws when it cannot be written (the disk is full too). */
  async append(delivery: SpooledDelivery): Promise<void> {
    const line = `${JSON.stringify(delivery)}\n`;
    const write = this.writing.then(async () => {
      if (!this.handle) {
        await mkdir(this.folder, { recursive: true });
        this.handle = await open(this.path, 'a');
        // The new file's name must survive a power cut too.
        await syncFolder(this.folder);
      }
      await this.handle.appendFile(line);
      await this.handle.datasync();
    });
    this.writing = write.catch(() => undefined);
    await write;
    this.waiting += 1;
  }

  /**
   * Hands every kept delivery, oldest first, to `take` (which records it in the inbox). Stops at the
   * first that `take` throws for, leaving it and the rest on disk. Returns how many were handed over.
   */
  replay(take: (delivery: SpooledDelivery) => Promise<void>): Promise<number> {
    this.replaying ??= this.replayAll(take)
      .then((count) => {
        if (count) this.onReplayed(count);
        return count;
      })
      .finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  private async replayAll(take: (delivery: SpooledDelivery) => Promise<void>): Promise<number> {
    let handed = 0;
    for (;;) {
      if (!(await hasLines(this.replayPath))) {
        if (!(await hasLines(this.path))) return handed;
        // In the queue of writes, so no delivery is written to the file being moved: those arriving
        // from now on start a new one.
        const rotate = this.writing.then(async () => {
          await this.handle?.close();
          this.handle = undefined;
          await rename(this.path, this.replayPath);
        });
        this.writing = rotate.catch(() => undefined);
        await rotate;
      }
      const lines = await readLines(this.replayPath);
      for (const line of lines) {
        await take(line);
        handed += 1;
        this.waiting = Math.max(0, this.waiting - 1);
      }
      await unlink(this.replayPath).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }
}

async function hasLines(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

/** The file's deliveries; a last line cut short by a crash mid-write was never acknowledged, and is skipped. */
async function readLines(path: string): Promise<SpooledDelivery[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const deliveries: SpooledDelivery[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as Partial<SpooledDelivery>;
      if (typeof parsed.key === 'string' && typeof parsed.body === 'string') deliveries.push({ key: parsed.key, body: parsed.body });
    } catch {
      // torn write
    }
  }
  return deliveries;
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
