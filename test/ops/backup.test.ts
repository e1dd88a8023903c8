import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

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
