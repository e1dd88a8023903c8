import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs` (a first park on a freshly started bot has taken over 8 s on a loaded 2-core machine). */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}
