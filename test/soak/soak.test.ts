import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { POSTGRES_SKIP_REASON } from '../support/postgres.js';

/** `npm run soak` for 20 seconds: three instances, faults on a seeded schedule, then every check. */
describe('The chaos run, short', () => {
  it('parks, retrieves and shows each call truthfully through kills, database stops and Webex failures', async function () {
    if (!process.env.TEST_POSTGRES_ADMIN_URL) {
      process.stderr.write(`${POSTGRES_SKIP_REASON}\n`);
      return this.skip();
    }
    this.timeout(180_000);
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'bench', 'soak.ts'), '--seconds', '20', '--seed', '19'], { maxBuffer: 64 * 1024 * 1024 });
    const { stdout } = await run.catch((error: { stdout?: string; code?: number }) => {
      assert.fail(`the soak found violations (exit ${error.code}):\n${(error.stdout ?? '').split('\n').filter((line) => !line.startsWith('{')).join('\n')}`);
    });
    assert.match(stdout, /violations: 0/);
    assert.match(stdout, /parks asked [1-9]\d*: parked once with one card [1-9]/);
  });
});
