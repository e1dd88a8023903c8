import { setTimeout as sleep } from 'node:timers/promises';

/** Work started for people that a graceful shutdown waits for. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.then(
      () => this.running.delete(work),
      () => this.running.delete(work),
    );
    return work;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when nothing is running, or after `timeoutMs`; true when everything finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.running]), sleep(Math.max(0, deadline - Date.now()))]);
    }
    return this.running.size === 0;
  }
}
