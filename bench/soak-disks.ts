import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Each instance's spool gets this much disk: room for a few thousand kept deliveries, cheap to fill. */
const SPOOL_DISK = '4m';
const FILLER = 'soak-filler';

/**
 * Each instance's SPOOL_DIR on a small tmpfs of its own, so the soak can fill one instance's disk for
 * a moment (a filler file written until ENOSPC) and free it again. Needs `mount` (root, as in CI).
 * Unmounted by `unmount()`, and lazily by the process's exit if the run dies half-way.
 */
export class SpoolDisks {
  private mounted: string[] = [];
  private readonly exitHook = (): void => this.unmount(true);

  private constructor(readonly base: string) {
    process.on('exit', this.exitHook);
  }

  /** One tmpfs per instance, or why there can be none (then the disk-full fault is left out). */
  static mount(count: number): SpoolDisks | { unavailable: string } {
    const disks = new SpoolDisks(mkdtempSync(join(tmpdir(), 'parkbot-soak-spool-')));
    try {
      for (let i = 0; i < count; i += 1) {
        const dir = join(disks.base, String(i));
        mkdirSync(dir);
        execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SPOOL_DISK},mode=0700`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
        disks.mounted.push(dir);
      }
      return disks;
    } catch (error) {
      disks.unmount();
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      return { unavailable: stderr || (error instanceof Error ? error.message : String(error)) };
    }
  }

  dir(index: number): string {
    return join(this.base, String(index));
  }

  /** Fills every spool disk to the last free page; what the spool can still write is its own file's slack. */
  fill(): void {
    const chunk = Buffer.alloc(64 * 1024, 0x2e);
    for (const dir of this.mounted) {
      const fd = openSync(join(dir, FILLER), 'a');
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    }
  }

  free(): void {
    for (const dir of this.mounted) rmSync(join(dir, FILLER), { force: true });
  }

  /** Unmounts every disk (lazily when `lazy` or when a process still holds a file there) and removes the folders. */
  unmount(lazy = false): void {
    for (const dir of this.mounted.splice(0)) {
      try {
        execFileSync('umount', [...(lazy ? ['-l'] : []), dir], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      }
    }
    rmSync(this.base, { recursive: true, force: true });
    process.off('exit', this.exitHook);
  }
}

