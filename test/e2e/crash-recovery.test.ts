import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimRoom } from '../../src/simulator/model.js';

/**
 * The bot is killed with SIGKILL while Webex is handling its park or retrieve, then started again on
 * the same database: the unfinished event is replayed, and the call is neither lost nor handled twice.
 */
describe('kill -9 in the middle of a park or a retrieve', () => {
  const TRIALS = 2;
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam'], { env: { EVENT_LEASE_SECONDS: '1' } }));
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  /** Kills the bot once the request reaches Webex (which then completes it), and starts it again. */
  async function killDuring(path: string, action: () => Promise<unknown>): Promise<void> {
    world.sim.failNext({ method: 'POST', path, delayMs: 400 });
    const before = world.callControl(path.replace('/telephony/calls', '')).length;
    await action();
    await waitFor(`${path} to reach Webex`, () => world.callControl(path.replace('/telephony/calls', '')).length > before);
    await world.bot.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await world.bot.start();
  }

  for (let trial = 1; trial <= TRIALS; trial += 1) {
    it(`park, trial ${trial}: after the restart the card appears once and the call waits on Rita's line`, async () => {
      const caller = `Crash caller ${trial}`;
      const call = world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: caller } });
      const seen = world.seenIn(frontDesk);
      const parksBefore = world.callControl('/park').length;

      await killDuring('/telephony/calls/park', () => world.say(rita, frontDesk, 'park'));

      const card = await world.newBotMessage(frontDesk, seen, 'the card after the restart');
      assert.match(cardText(card), new RegExp(`${caller}.*2001|Call waiting on 2001`));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const cards = world.botMessages(frontDesk).filter((m) => !seen.has(m.id));
      assert.equal(cards.length, 1, 'one card, nothing duplicated');
      assert.equal(world.sim.telephony.parked.get('2001')?.call.id, call.id, 'parked once, on Rita’s line');
      assert.equal(world.callControl('/park').length - parksBefore, 1, 'Webex was asked to park once: the replay saw the call already parked');

      const result = await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
      assert.match(cardText(result), /Retrieved by Sam Sales/, 'the recovered card works');
    });

    it(`retrieve, trial ${trial}: after the restart the space sees who took it, and the call was retrieved once`, async () => {
      world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: `Crash retrieve ${trial}` } });
      const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
      const seen = world.seenIn(frontDesk);
      const retrievesBefore = world.callControl('/retrieve').length;

      await killDuring('/telephony/calls/retrieve', () => world.tap(sam, card, submitButtons(card)[0]?.data));

      const result = await world.newBotMessage(frontDesk, seen, 'the retrieved card after the restart');
      assert.match(cardText(result), /Retrieved by Sam Sales/);
      const attempts = world.callControl('/retrieve').slice(retrievesBefore);
      assert.equal(attempts.length, 2, 'the killed attempt and the replay');
      assert.equal(attempts[1]?.status, 404, 'the replay found the call already retrieved: nothing twice');
      assert.equal(world.sim.telephony.list(sam.id).length, 1, 'Sam has the caller, once');
      assert.equal(world.sim.telephony.parked.size, 0);
    });
  }
});
