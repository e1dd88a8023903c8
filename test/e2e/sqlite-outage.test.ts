import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import { openFrontDesk } from '../support/front-desk.js';
import { cardText, submitButtons, type TestPerson, type World } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/**
 * Another process holds the SQLite file's write lock for longer than the bot waits for it (a stuck
 * script, a long manual transaction): what people ask meanwhile is kept and done once, afterwards.
 */
describe('The SQLite file locked by another process for a while', function () {
  this.timeout(60_000);
  const LOCKED_MS = 8000;
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya'], { env: { EVENT_LEASE_SECONDS: '2' } }));
  });

  after(async () => {
    await world?.close();
  });

  it('keeps what people asked while the file was locked, says so, and does each of it once afterwards', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Waiting before' } });
    const cardA = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the first card', (m) => Boolean(m.attachments));
    await world.sim.webhooks.settled();
    await sleep(300);
    const parksBefore = world.callControl('/park').length;
    const retrievesBefore = world.callControl('/retrieve').length;
    const seen = world.seenIn(frontDesk);

    const other = new DatabaseSync(world.databaseFile);
    other.exec('BEGIN IMMEDIATE');
    const lockedAt = Date.now();
    try {
      world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'During the lock' } });
      await world.say(sam, frontDesk, 'park');
      await world.tap(priya, cardA, submitButtons(cardA)[0]?.data);
      await world.sim.webhooks.settled();
      await waitFor('the bot to say the database is unavailable', () => world.bot.lines.find((line) => line.event === 'database-unavailable'));
      const ready = await fetch(`${world.bot.url}/readyz`);
      assert.equal(ready.status, 503, 'not ready while the database cannot be written');
      await sleep(Math.max(0, LOCKED_MS - (Date.now() - lockedAt)));
      assert.equal(world.callControl('/park').length, parksBefore, 'nothing was parked while the file was locked');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    const isCard = (text: RegExp) => (m: SimMessage) => !seen.has(m.id) && Boolean(m.attachments) && text.test(cardText(m));
    await waitFor('the park asked during the lock', () => world.botMessages(frontDesk).find(isCard(/During the lock/)), 20_000);
    await waitFor('the retrieve tapped during the lock', () => world.botMessages(frontDesk).find(isCard(/Retrieved by Priya Support/)), 20_000);
    await sleep(2000);
    assert.equal(world.botMessages(frontDesk).filter(isCard(/During the lock/)).length, 1, 'one card');
    assert.equal(world.callControl('/park').length - parksBefore, 1, 'parked once');
    assert.equal(world.callControl('/retrieve').length - retrievesBefore, 1, 'retrieved once');
    const outage = world.bot.lines.find((line) => line.event === 'database-unavailable');
    assert.match(String(outage?.reason), /locked/);
    assert.ok(world.bot.lines.some((line) => line.event === 'database-back'), 'it said when the database was back');
    assert.equal((await fetch(`${world.bot.url}/readyz`)).status, 200);
  });

  it('a park kept while the file was locked never takes a call that began after it was asked: he picks privately', async () => {
    world.hangUpEverything();
    const samDm = world.directSpace(sam);
    const x = world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Asked about' } });
    await world.delivered();
    const parksBefore = world.callControl('/park').length;
    const seenInDesk = world.seenIn(frontDesk);
    const seenInDm = world.seenIn(samDm);
    const outages = (): number => world.bot.lines.filter((line) => line.event === 'database-unavailable').length;
    const outagesBefore = outages();

    const other = new DatabaseSync(world.databaseFile);
    other.exec('BEGIN IMMEDIATE');
    let y: { id: string };
    try {
      const asked = await world.say(sam, frontDesk, 'park');
      await world.sim.webhooks.settled();
      await waitFor('the bot to keep it for later', () => outages() > outagesBefore);
      world.sim.telephony.hangup(sam.id, x.id);
      // Y rings later than Webex's messaging and calling clocks may disagree, and he answers it.
      await sleep(Math.max(0, Date.parse(asked.created) + 2_500 - Date.now()));
      y = world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Began later', number: '+15550177' } });
      await world.sim.webhooks.settled();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    const newInDesk = (): string[] => world.botMessages(frontDesk).filter((m) => !seenInDesk.has(m.id)).map((m) => m.text ?? '');
    const picker = await waitFor('an answer to the kept park', () => newInDesk()[0] ?? world.botMessages(samDm).find((m) => !seenInDm.has(m.id)), 20_000);
    await sleep(1000);
    assert.deepEqual(newInDesk(), [], 'nothing in the space');
    assert.equal(world.callControl('/park').length, parksBefore, 'no park request reached Webex');
    assert.match(typeof picker === 'string' ? picker : cardText(picker), /The call you asked me to park has ended.*Began later/);
    assert.equal(world.sim.telephony.list(sam.id)[0]?.id, y.id, 'Y is still on his phone');
  });
});
