import { strict as assert } from 'node:assert';
import { readFileSync, existsSync } from 'node:fs';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, type TestPerson } from '../support/world.js';
import type { SimRoom } from '../../src/simulator/model.js';

describe('Restarts and secrets at rest', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam']));
  });

  after(async () => {
    await world?.close();
  });

  it('keeps links and waiting cards across a restart on the same database', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.equal(await world.bot.stop(), 0, 'a clean exit on SIGTERM');
    await world.bot.start();

    const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card after restart');
    assert.match(cardText(result), /Retrieved by Sam Sales/);
    assert.equal(world.callControl('/retrieve').at(-1)?.personId, sam.id, 'Sam’s stored link still works');

    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Globex' } });
    const again = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    assert.match(cardText(again), /Globex/, 'Rita did not have to link again');
  });

  it('keeps no token in plain text in the database file or in the logs', () => {
    const integrationTokens = [...world.sim.org.tokens.entries()].filter(([, t]) => t.clientId).map(([value]) => value);
    assert.ok(integrationTokens.length >= 4, 'the people have access and refresh tokens');
    const files = [world.databaseFile, `${world.databaseFile}-wal`].filter(existsSync);
    const database = files.map((file) => readFileSync(file).toString('latin1')).join('');
    assert.ok(database.length > 0);
    for (const token of [...integrationTokens, world.botToken]) {
      assert.ok(!database.includes(token), 'a token is in the database file');
      assert.ok(!world.bot.output.includes(token), 'a token is in the logs');
    }
    assert.ok(!world.bot.output.includes(world.botToken.slice(0, 20)));
  });
});
