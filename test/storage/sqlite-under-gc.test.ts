import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('SQLite store under load while the collector runs', () => {
  it('survives statements collected in the middle of HTTP traffic (better-sqlite3 12 aborted here on Node 24)', function () {
    this.timeout(60_000);
    // A small young generation makes collections frequent, so many land inside stream callbacks.
    const result = spawnSync(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', join(__dirname, '..', 'support', 'store-churn.ts'), '8'], {
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.doesNotMatch(result.stderr, /Assertion failed/);
    assert.equal(result.signal, null, `killed by ${result.signal}: ${result.stderr}`);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(Number(/^served (\d+)$/m.exec(result.stdout)?.[1]) > 100, `it served requests: ${result.stdout}`);
  });
});
