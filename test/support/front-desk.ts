import { World, type TestPerson, type WorldOptions } from './world.js';
import type { SimRoom } from '../../src/simulator/model.js';

export interface FrontDesk {
  world: World;
  rita: TestPerson;
  sam: TestPerson;
  priya: TestPerson;
  /** A group space with the three of them and the bot. */
  frontDesk: SimRoom;
}

type Name = 'rita' | 'sam' | 'priya';

/** The cast of the end-to-end tests: a receptionist and two colleagues, the bot running, some linked. */
export async function openFrontDesk(linked: Name[], options: WorldOptions = {}): Promise<FrontDesk> {
  const world = await World.create(options);
  try {
    await world.start();
    const rita = world.addPerson('Rita Reception', '2001');
    const sam = world.addPerson('Sam Sales', '2002');
    const priya = world.addPerson('Priya Support', '2003');
    const frontDesk = world.groupSpace('Front desk', [rita, sam, priya]);
    const people = { rita, sam, priya };
    for (const name of linked) await world.link(people[name]);
    return { world, ...people, frontDesk };
  } catch (error) {
    // Nothing left listening when the bot cannot start or link, or mocha never exits.
    await world.close().catch(() => undefined);
    throw error;
  }
}
