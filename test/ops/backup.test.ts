import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';
import { backupSqlite } from '../../src/ops/backup.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';

const ROOT = join(__dirname, '..', '..');

/** `npm run backup -- FILE`, as an admin runs it: the script, with DATABASE_URL in its environment. */
async function runBackup(databaseUrl: string, file: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'ops', 'backup.ts'), file], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('backup and restore of the embedded database', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;
  let backups: string;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya']));
    backups = mkdtempSync(join(tmpdir(), 'parkbot-backup-'));
  });

  after(async () => {
    await world?.close();
    if (backups) rmSync(backups, { recursive: true, force: true });
  });

  it('a backup taken while people park, restored into a fresh bot, retrieves the calls that were waiting', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Before the backup' } });
    const first = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), "Rita's card");
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'During the backup' } });
    // Sam's park reaches Webex slowly, so the backup runs while the bot is in the middle of it.
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/park', delayMs: 300 });
    const file = join(backups, 'parkbot-backup.db');
    const seen = world.seenIn(frontDesk);
    await world.say(sam, frontDesk, 'park');
    const backup = await runBackup(`sqlite:${world.databaseFile}`, file);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /Backed up .* linked accounts, [12] calls waiting\. Integrity check: ok\./);
    const second = await world.newBotMessage(frontDesk, seen, "Sam's card");
    // The backup may have been taken before or after Sam's park was recorded; a second one after it has both.
    assert.match((await runBackup(`sqlite:${world.databaseFile}`, file)).stdout, /3 linked accounts, 2 calls waiting/);

    await world.bot.stop();
    const restoredDir = mkdtempSync(join(backups, 'restored-'));
    const restored = join(restoredDir, 'parkbot.db');
    copyFileSync(file, restored);
    await world.bot.start({ DATABASE_URL: `sqlite:${restored}` });

    for (const [card, caller] of [[first, 'Before the backup'], [second, 'During the backup']] as [SimMessage, string][]) {
      assert.match(cardText(card), new RegExp(caller));
      const result = await world.expectBotMessage(frontDesk, () => world.tap(priya, card, submitButtons(card)[0]?.data), `the retrieve of ${caller}`);
      assert.match(cardText(result), new RegExp(`Retrieved by Priya Support.*${caller}|${caller}.*Retrieved by Priya Support`));
    }
    assert.equal(world.sim.telephony.list(priya.id).length, 2, 'Priya has both callers: nobody linked again');
  });

  it('says what is wrong instead of making a bad copy', async () => {
    const missing = await runBackup(`sqlite:${join(backups, 'nothing-here.db')}`, join(backups, 'out.db'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^The backup was not made: There is no database at .*nothing-here\.db/);
    const itself = await runBackup(`sqlite:${world.databaseFile}`, world.databaseFile);
    assert.match(itself.stderr, /must not be the database itself/);
    const postgres = await runBackup('postgres://parkbot@127.0.0.1:5432/parkbot', join(backups, 'out.db'));
    assert.match(postgres.stderr, /pg_dump/);
    const usage = await runBackup(`sqlite:${world.databaseFile}`, '');
    assert.match(usage.stderr, /Usage: npm run backup -- FILE/);
  });
});

describe('backupSqlite, against mistakes and a busy database', () => {
  let dir: string;
  let database: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parkbot-backup-edges-'));
    database = join(dir, 'data', 'parkbot.db');
    const store = new SqliteStore(database);
    await store.savePendingPark('someone', '{}', Date.now());
    await store.close();
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const leftovers = (folder: string): string[] => readdirSync(folder).filter((name) => name.includes('.partial'));

  it('refuses the live database under another name (a symlinked folder), leaving it untouched', async () => {
    symlinkSync(join(dir, 'data'), join(dir, 'link'));
    const before = statSync(database).ino;
    await assert.rejects(backupSqlite(database, join(dir, 'link', 'parkbot.db')), /must not be the database itself/);
    await assert.rejects(backupSqlite(database, join(dir, 'link', 'parkbot.db-wal')), /must not be the database itself/);
    assert.equal(statSync(database).ino, before);
    assert.deepEqual(leftovers(join(dir, 'data')), []);
  });

  it('says a folder is a folder and a missing folder is missing, and leaves no partial copy behind', async () => {
    mkdirSync(join(dir, 'backups'));
    await assert.rejects(backupSqlite(database, join(dir, 'backups')), /backups is a folder: name the backup file/);
    await assert.rejects(backupSqlite(database, `${join(dir, 'backups')}/`), /is a folder/);
    await assert.rejects(backupSqlite(database, join(dir, 'nowhere', 'x.db')), /The folder .*nowhere does not exist/);
    assert.deepEqual(leftovers(join(dir, 'backups')), []);
    assert.deepEqual(leftovers(dir), []);
  });

  it('writes a standalone copy readable only by its owner, which stale files beside an old backup cannot change', async () => {
    const target = join(dir, 'parkbot-backup.db');
    await backupSqlite(database, target);
    // Someone opened the old backup and changed it; their write-ahead log stayed beside it.
    writeFileSync(`${target}-wal`, 'stale');
    writeFileSync(`${target}-journal`, 'stale');
    const result = await backupSqlite(database, target);
    assert.equal(result.file, target);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('parkbot-backup')), ['parkbot-backup.db']);
    const copy = new DatabaseSync(target, { readOnly: true });
    try {
      assert.deepEqual({ ...(copy.prepare('PRAGMA journal_mode').get() as object) }, { journal_mode: 'delete' });
    } finally {
      copy.close();
    }
  });

  it('waits for a bot starting or stopping instead of failing', async () => {
    let churning = true;
    const churn = (async () => {
      while (churning) {
        const store = new SqliteStore(database);
        await store.savePendingPark(`p${Date.now()}`, '{}', Date.now());
        await store.close();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let i = 0; i < 10; i += 1) await backupSqlite(database, join(dir, `copy-${i}.db`));
    } finally {
      churning = false;
      await churn;
    }
    assert.deepEqual(leftovers(dir), []);
  });
});
