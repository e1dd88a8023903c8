import { strict as assert } from 'node:assert';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { diskFullOnce } from '../support/disk-full.js';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sinon from 'sinon';
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

const keys = async (spool: DeliverySpool): Promise<string[]> => {
  const taken: string[] = [];
  await spool.replay(async ({ key }) => void taken.push(key));
  return taken;
};

describe('The delivery spool on a disk that fails', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-spool-'));
  });

  afterEach(() => {
    sinon.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves nothing of a delivery it could not write, and keeps the next one after space comes back', async () => {
    const spool = new DeliverySpool(dir, 'inbox-3000');
    await spool.append({ key: 'before', body: '{"id":"before"}' });
    const file = join(dir, 'inbox-3000.jsonl');
    const sizeBefore = statSync(file).size;

    await diskFullOnce();
    await assert.rejects(spool.append({ key: 'torn', body: `{"id":"${'x'.repeat(200)}"}` }), /ENOSPC/, 'the delivery gets 503');
    sinon.restore();
    assert.equal(statSync(file).size, sizeBefore, 'no half record left behind');
    await spool.append({ key: 'after', body: '{"id":"after"}' });
    await spool.close();

    const restarted = new DeliverySpool(dir, 'inbox-3000');
    assert.equal(await restarted.open(), 2);
    assert.deepEqual(await keys(restarted), ['before', 'after'], 'the delivery answered 200 after the failure is replayed');
    await restarted.close();
  });

  it('reads past half a record in the middle of a file (a crash mid-write, then a restart that wrote on)', async () => {
    const first = new DeliverySpool(dir, 'inbox-3000');
    await first.append({ key: 'a', body: '{}' });
    await first.append({ key: 'cut', body: '{"long":"' + 'y'.repeat(100) + '"}' });
    await first.close();
    const file = join(dir, 'inbox-3000.jsonl');
    const text = readFileSync(file);
    const lastRecord = text.subarray(text.lastIndexOf(Buffer.from('"key":"cut"')) - 20);
    // The process died half-way through writing `cut` (never acknowledged).
    truncateSync(file, text.length - Math.floor(lastRecord.length / 2));

    const restarted = new DeliverySpool(dir, 'inbox-3000');
    await restarted.open();
    await restarted.append({ key: 'b', body: '{}' });
    await restarted.close();
    const reader = new DeliverySpool(dir, 'inbox-3000');
    assert.equal(await reader.open(), 2);
    assert.deepEqual(await keys(reader), ['a', 'b']);
  });

  it('hands over the good records around garbage, and does not loop on a file of garbage', async () => {
    const spool = new DeliverySpool(dir, 'inbox-3000');
    await spool.append({ key: 'a', body: '{}' });
    appendFileSync(join(dir, 'inbox-3000.jsonl'), randomBytes(3000));
    await spool.close();
    const restarted = new DeliverySpool(dir, 'inbox-3000');
    await restarted.open();
    await restarted.append({ key: 'b', body: '{}' });
    assert.deepEqual(await keys(restarted), ['a', 'b']);
    writeFileSync(join(dir, 'inbox-3000.jsonl'), randomBytes(3000));
    assert.deepEqual(await keys(restarted), []);
    await restarted.close();
  });

  it('reads the plain JSON lines an earlier version kept, and what it adds after them', async () => {
    writeFileSync(join(dir, 'inbox-3000.jsonl'), '{"key":"old-1","body":"{}"}\n{"key":"old-2","body":"{}"}\n');
    const spool = new DeliverySpool(dir, 'inbox-3000');
    assert.equal(await spool.open(), 2);
    await spool.append({ key: 'new', body: '{}' });
    assert.deepEqual(await keys(spool), ['old-1', 'old-2', 'new']);
    await spool.close();
  });

  it('stops a replay whose file is a folder, says which, deletes nothing, and goes on once it is a file again', async () => {
    const spool = new DeliverySpool(dir, 'inbox-3000');
    await spool.append({ key: 'kept', body: '{}' });
    const stuck = join(dir, 'inbox-3000.replaying');
    mkdirSync(stuck);
    writeFileSync(join(stuck, 'inside'), 'x');
    await spool.open();
    const taken: string[] = [];
    const replay = spool.replay(async ({ key }) => void taken.push(key));
    const outcome = await Promise.race([replay.then(() => 'finished', (error: Error) => error.message), sleep(2000).then(() => 'still going after 2 s')]);
    assert.match(outcome, /inbox-3000\.replaying/, 'the error names the entry');
    assert.match(String(spool.fault), /inbox-3000\.replaying/);
    assert.equal(spool.pending, true, 'what is on disk still waits');
    assert.deepEqual(taken, []);
    assert.ok(statSync(stuck).isDirectory(), 'the entry is left as it was');
    assert.ok(existsSync(join(dir, 'inbox-3000.jsonl')), 'and so is the file of newer deliveries');

    rmSync(stuck, { recursive: true });
    assert.deepEqual(await keys(spool), ['kept']);
    assert.equal(spool.fault, undefined);
    await spool.close();
  });

  it('refuses a delivery at once, without hanging, when its file is a FIFO (a write to one waits for a reader forever)', async () => {
    const file = join(dir, 'inbox-3000.jsonl');
    execFileSync('mkfifo', [file]);
    const spool = new DeliverySpool(dir, 'inbox-3000');
    await spool.open();
    assert.match(String(spool.fault), /inbox-3000\.jsonl/);
    const append = spool.append({ key: 'a', body: '{}' });
    const outcome = await Promise.race([append.then(() => 'kept', (error: Error) => `refused: ${error.message}`), sleep(2000).then(() => 'hung for 2 s')]);
    assert.match(outcome, /^refused: /, 'the delivery gets 503 and Webex retries it');
    rmSync(file);
    await spool.append({ key: 'b', body: '{}' });
    assert.deepEqual(await keys(spool), ['b'], 'the spool works again once the FIFO is gone');
    await spool.close();
  });

  it('stops a replay whose file cannot be read (EIO), and deletes none of its deliveries', async () => {
    const spool = new DeliverySpool(dir, 'inbox-3000');
    for (const key of ['a', 'b']) await spool.append({ key, body: '{}' });
    const readFault = sinon.stub(fsp, 'readFile').rejects(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    await assert.rejects(spool.replay(async () => undefined), /EIO/);
    assert.ok(readFault.called, 'the replay read the file');
    assert.match(String(spool.fault), /EIO/);
    sinon.restore();
    const restarted = new DeliverySpool(dir, 'inbox-3000');
    assert.equal(await restarted.open(), 2, 'both deliveries still on disk');
    assert.deepEqual(await keys(restarted), ['a', 'b']);
    await spool.close();
    await restarted.close();
  });
});

describe('The delivery spool’s files', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-spool-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mode = (path: string): number => statSync(path).mode & 0o777;

  it('are readable by their owner only, in a folder only the owner can enter', async () => {
    const folder = join(dir, 'data', 'spool');
    const spool = new DeliverySpool(folder, 'inbox-3000');
    await spool.append({ key: 'a', body: '{}' });
    assert.equal(mode(join(dir, 'data')).toString(8), '700');
    assert.equal(mode(folder).toString(8), '700');
    assert.equal(mode(join(folder, 'inbox-3000.jsonl')).toString(8), '600');
    await spool.close();
  });

  it('tightens a file an earlier version left readable by others', async () => {
    const file = join(dir, 'inbox-3000.jsonl');
    writeFileSync(file, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    const spool = new DeliverySpool(dir, 'inbox-3000');
    await spool.append({ key: 'a', body: '{}' });
    assert.equal(mode(file).toString(8), '600');
    await spool.close();
  });
});
