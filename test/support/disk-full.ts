import fsp, { type FileHandle } from 'node:fs/promises';
import sinon from 'sinon';

type Write = (this: FileHandle, ...args: unknown[]) => Promise<unknown>;

/**
 * The disk fills up half-way through the next write to a file through a FileHandle (appendFile or
 * write): half of it reaches the file, then it fails with ENOSPC; the writes after it go through.
 * Undone by sinon.restore().
 */
export async function diskFullOnce(): Promise<void> {
  const probe = await fsp.open(process.execPath, 'r');
  const prototype = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const original = (name: 'write' | 'appendFile'): Write => Reflect.get(prototype, name) as Write;
  const realWrite = original('write');
  let failed = false;
  async function tear(this: FileHandle, data: unknown): Promise<never> {
    if (!(typeof data === 'string' || data instanceof Uint8Array)) throw new Error('the fault expects a write of a string or bytes');
    failed = true;
    const bytes = Buffer.from(data);
    await realWrite.call(this, bytes, 0, Math.floor(bytes.length / 2));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  for (const name of ['appendFile', 'write'] as const) {
    const real = original(name);
    sinon.replace(prototype, name, function (this: FileHandle, ...args: unknown[]): Promise<unknown> {
      return failed ? real.call(this, ...args) : tear.call(this, args[0]);
    } as FileHandle[typeof name]);
  }
}
