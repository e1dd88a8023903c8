import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { World } from '../support/world.js';
import { waitFor } from '../support/wait.js';

/** CPU time (user + system) the process has used so far, in ms, as Linux counts it. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * The spool's replay file is a folder (left so by hand, or by a volume mounted in the wrong place):
 * the bot says so once, is not ready, spins nothing, deletes nothing, and goes on once it is fixed.
 */
describe('A spool entry the bot cannot read', function () {
  this.timeout(60_000);
  let world: World;

  after(async () => {
    await world?.close();
  });

  it('makes the bot not ready, naming the spool, without busy-looping or deleting it, until it is fixed', async () => {
    world = await World.create({ env: { EVENT_LEASE_SECONDS: '1' } });
    const stuck = join(world.dataDir, 'spool', `inbox-${world.botPort}.replaying`);
    mkdirSync(stuck, { recursive: true });
    await world.start();

    const readiness = async (): Promise<{ status: number; spool: string | undefined }> => {
      const response = await fetch(`${world.bot.url}/readyz`);
      return { status: response.status, spool: ((await response.json()) as { checks: { spool: string | undefined } }).checks.spool };
    };
    await waitFor('the bot to find the spool unreadable', () => world.bot.lines.some((line) => line.event === 'spool-unreadable'));
    assert.deepEqual(await readiness(), { status: 503, spool: 'unreadable' });
    const pid = world.bot.pid ?? 0;
    const cpuBefore = cpuMs(pid);
    await sleep(2000);
    const busy = (cpuMs(pid) - cpuBefore) / 2000;
    assert.ok(busy < 0.3, `the bot was busy ${Math.round(busy * 100)} % of 2 s`);
    assert.equal(world.bot.lines.filter((line) => line.event === 'spool-unreadable').length, 1, 'said once');
    assert.match(String(world.bot.lines.find((line) => line.event === 'spool-unreadable')?.reason), /replaying/);
    const metrics = await (await fetch(`${world.bot.url}/metrics`)).text();
    assert.match(metrics, /^parkbot_spool_unreadable 1$/m);
    assert.ok(statSync(stuck).isDirectory(), 'nothing deleted');

    rmSync(stuck, { recursive: true });
    await waitFor('the bot ready again', async () => (await readiness()).status === 200, 5000);
    assert.deepEqual(await readiness(), { status: 200, spool: 'ok' });
    assert.ok(world.bot.lines.some((line) => line.event === 'spool-readable'));
  });
});
