import { strict as assert } from 'node:assert';
import { World, cardText } from '../support/world.js';

describe('smoke', () => {
  let world: World;
  before(async () => {
    world = await World.create();
    await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('parks', async () => {
    const alice = world.addPerson('Alice Reception', '2001');
    const bob = world.addPerson('Bob Sales', '2002');
    const room = world.groupSpace('Front desk', [alice, bob]);
    const linked = await world.link(alice);
    console.log(linked);
    world.sim.telephony.placeIncomingCall({ toPersonId: alice.id, from: { name: 'Acme Corp', number: '+15550100' } });
    const card = await world.expectBotMessage(room, () => world.say(alice, room, 'park my call'));
    console.log(cardText(card));
    assert.ok(card);
  });
});
