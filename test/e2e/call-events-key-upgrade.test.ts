import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { WEBHOOK_SECRET, cardText, type TestPerson, type World } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import { personalSecret } from '../../src/webhooks/call-event-subscriptions.js';
import { signBody } from '../../src/webhooks/signature.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/** A key as versions before issue 25 made them: 18 random bytes, known only to the database. */
const OLD_KEY = 'AbCdEfGhIjKlMnOpQrStUvWx';

const post = async (url: string, body: string, signature: string): Promise<number> =>
  (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-spark-signature': signature }, body })).status;

/**
 * Upgrading to keys that check themselves: a person whose webhooks were made by an earlier version
 * (a random key) keeps getting their call events while upkeep moves them to a new address, and
 * afterwards, with no delivery refused on the way.
 */
describe('Call-events addresses made by an earlier version', () => {
  let world: World;
  let rita: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, frontDesk } = await openFrontDesk(['rita']));
    await world.callEventsWatched(rita);
    world.sim.telephony.recallMs = 10 * 60_000;
  });

  after(async () => {
    await world?.close();
  });

  it('are moved to a self-checking key by upkeep, and every call event on the way is taken', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Upgrade Caller', number: '+15550951' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    assert.match(cardText(card), /Upgrade Caller/);
    await world.sim.webhooks.settled();

    // As the earlier version left it: her subscription and webhooks on a random key, under its fingerprint.
    assert.equal(await world.bot.stop(), 0);
    const store = new SqliteStore(world.databaseFile);
    try {
      const subscription = await store.subscription(rita.id);
      assert.ok(subscription?.webhookId);
      await store.recordSubscription(rita.id, { key: OLD_KEY, webhookId: subscription.webhookId, status: 'active', fingerprint: 'an-earlier-version', checkedAt: Date.now() });
    } finally {
      await store.close();
    }
    for (const webhook of world.callWebhooks(rita)) Object.assign(webhook, { targetUrl: `${world.botUrl}/webhook/calls/${OLD_KEY}`, secret: personalSecret(WEBHOOK_SECRET, OLD_KEY) });
    const oldUrl = `${world.botUrl}/webhook/calls/${OLD_KEY}`;

    const startedAt = Date.now();
    await world.bot.start();
    const moved = await waitFor('Rita’s webhooks on a self-checking key', () => {
      const webhooks = world.callWebhooks(rita);
      const keys = new Set(webhooks.map((w) => w.targetUrl.split('/').at(-1) ?? ''));
      const [key] = [...keys];
      return keys.size === 1 && key?.includes('.') && webhooks.every((w) => w.secret === personalSecret(WEBHOOK_SECRET, key)) && key;
    });
    assert.ok(!moved.includes(rita.id), 'her id is not in the address');

    // A delivery Webex sent to the old address just before the move still counts.
    const last = world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls' && world.callWebhooks(rita).some((w) => w.id === d.webhookId)).at(-1);
    assert.ok(last?.signature);
    const again = JSON.stringify({ ...(JSON.parse(last.body) as object), id: 'sent-just-before-the-move' });
    assert.equal(await post(oldUrl, again, signBody(again, personalSecret(WEBHOOK_SECRET, OLD_KEY))), 200);

    const seen = world.seenIn(frontDesk);
    world.sim.telephony.recall('2001');
    const isRangBack = (m: SimMessage) => !seen.has(m.id) && Boolean(m.attachments) && /Rang back to Rita Reception/.test(cardText(m));
    await waitFor('the card to say the call rang back', () => world.botMessages(frontDesk).find(isRangBack), 20_000);
    const refused = world.sim.webhooks.deliveries.filter((d) => d.at >= startedAt && d.status !== 200);
    assert.deepEqual(refused, [], 'no delivery was refused');
  });
});
