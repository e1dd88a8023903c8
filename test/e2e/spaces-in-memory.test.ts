import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { openFrontDesk } from '../support/front-desk.js';
import { cardText, type TestPerson, type World } from '../support/world.js';
import type { SimRoom } from '../../src/simulator/model.js';

/** The framework's per-space objects are bounded by MAX_SPACES_IN_MEMORY; forgotten spaces still work. */
describe('A bot in more spaces than it keeps in memory', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam'], { env: { MAX_SPACES_IN_MEMORY: '10' } }));
  });

  after(async () => {
    await world?.close();
  });

  const roomReads = (room: SimRoom): number =>
    world.sim.requests.filter((r) => r.tokenKind === 'bot' && r.method === 'GET' && decodeURIComponent(r.path) === `/rooms/${room.id}`).length;

  it('forgets the quietest spaces past the limit, and a card tap in a forgotten space still retrieves the call', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Patient Caller', number: '+15550300' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked card');
    const frontDeskReads = roomReads(frontDesk);
    // Activity is kept to the second: the other spaces speak strictly later than the Front desk.
    await sleep(1100);

    const teams = Array.from({ length: 12 }, (_, i) => world.groupSpace(`Team ${i}`, [sam]));
    for (const team of teams) {
      const help = await world.expectBotMessage(team, () => world.say(sam, team, 'help'), `help in ${team.title}`);
      assert.match(help.markdown ?? '', /park/i);
    }
    const metrics = await (await fetch(`${world.botUrl}/metrics`)).text();
    assert.ok(Number(/^parkbot_spaces_forgotten_total (\d+)/m.exec(metrics)?.[1]) >= 3, 'spaces were forgotten');

    const retrieved = await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card');
    assert.match(cardText(retrieved), /Retrieved by Sam Sales/);
    assert.match(cardText(retrieved), /Patient Caller/);
    assert.equal(roomReads(frontDesk), frontDeskReads + 1, 'the Front desk was forgotten, then discovered again by its card tap');
  });

  it('answers a message in a forgotten space', async () => {
    const quiet = world.groupSpace('Quiet team', [sam]);
    await world.expectBotMessage(quiet, () => world.say(sam, quiet, 'help'));
    const reads = roomReads(quiet);
    await sleep(1100);
    for (let i = 0; i < 10; i += 1) {
      const busy = world.groupSpace(`Busy team ${i}`, [sam]);
      await world.expectBotMessage(busy, () => world.say(sam, busy, 'help'));
    }

    const reply = await world.expectBotMessage(quiet, () => world.say(sam, quiet, 'parked'), 'the parked list');
    assert.equal(reply.markdown ?? reply.text, 'No calls are waiting in this space.');
    assert.equal(roomReads(quiet), reads + 1, 'discovered again');
  });
});
