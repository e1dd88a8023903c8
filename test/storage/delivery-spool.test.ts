import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverySpool, type SpooledDelivery } from '../../src/storage/delivery-spool.js';

describe('The delivery spool', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-spool-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands back what it kept, in order, and then nothing is left on disk', async () => {
    const spool = new DeliverySpool(join(dir, 'spool'), 'inbox-3000');
    await Promise.all(['a', 'b', 'c'].map((key) => spool.append({ key, body: `{"id":"${key}"}` })));
    assert.equal(spool.size, 3);
    assert.equal(spool.pending, true);
    const taken: SpooledDelivery[] = [];
    assert.equal(await spool.replay(async (delivery) => void taken.push(delivery)), 3);
    assert.deepEqual(taken.map((d) => d.key), ['a', 'b', 'c']);
    assert.equal(spool.pending, false);
    assert.deepEqual(readdirSync(join(dir, 'spool')), []);
    await spool.close();
  });

  it('keeps what it could not hand over, and what arrived meanwhile, for the next replay or the next start', async () => {
    const spool = new DeliverySpool(dir, 'inbox-3000');
    for (const key of ['a', 'b', 'c']) await spool.append({ key, body: '{}' });
    const taken: string[] = [];
    await assert.rejects(
      spool.replay(async ({ key }) => {
        if (key === 'b') {
          await spool.append({ key: 'd', body: '{}' });
          throw new Error('database gone again');
        }
        taken.push(key);
      }),
      /gone again/,
    );
    await spool.close();
    // A torn last line (the process died mid-write, before Webex was answered) is skipped.
    appendFileSync(join(dir, 'inbox-3000.jsonl'), '{"key":"e","bo');

    const restarted = new DeliverySpool(dir, 'inbox-3000');
    assert.equal(await restarted.open(), 4, 'a, b and c (being replayed) and d');
    await restarted.replay(async ({ key }) => void taken.push(key));
    assert.deepEqual(taken, ['a', 'a', 'b', 'c', 'd'], 'a again (the inbox drops it as a duplicate), then the rest in order');
    assert.equal(existsSync(join(dir, 'inbox-3000.replaying')), false);
    await restarted.close();
  });
});
