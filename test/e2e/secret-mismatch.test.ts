import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { cardText, type TestPerson, type World } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import { signBody } from '../../src/webhooks/signature.js';
import type { SimDelivery, SimRoom } from '../../src/simulator/model.js';

/** Webex's address, as the (trusted, loopback) proxy in front of the bot reports it. */
const WEBEX = '198.51.100.20';
/** What another instance, whose WEBHOOK_SECRET was rotated alone, registered the webhooks with. */
const OTHER_INSTANCES_SECRET = 'a-secret-only-the-other-instance-has';

/**
 * Issue 25: a webhook secret rotated on one instance only. Webex then signs some deliveries with a
 * secret this instance does not accept: those are refused (401), but the ones signed right must still
 * be taken, never answered 429 because the same address caused many refusals; and the operator is
 * told, once, what is most likely wrong.
 */
describe('A webhook secret that differs between instances', () => {
  let world: World;
  let rita: TestPerson;
  let frontDesk: SimRoom;
  let signed: SimDelivery;

  before(async () => {
    ({ world, rita, frontDesk } = await openFrontDesk(['rita'], { env: { TRUST_PROXY: 'loopback' } }));
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    assert.match(cardText(card), /Acme Corp/);
    await world.sim.webhooks.settled();
    const delivery = world.sim.webhooks.deliveries.find((d) => d.resource === 'messages' && d.status === 200);
    assert.ok(delivery?.signature);
    signed = delivery;
  });

  after(async () => {
    await world?.close();
  });

  const post = async (body: string, signature: string | undefined): Promise<number> =>
    (
      await fetch(`${world.botUrl}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': WEBEX, ...(signature ? { 'x-spark-signature': signature } : {}) },
        body,
      })
    ).status;
  const metric = async (name: RegExp): Promise<number> => {
    const text = await (await fetch(`${world.botUrl}/metrics`)).text();
    return Number(text.split('\n').find((line) => name.test(line))?.split(' ').at(-1) ?? 0);
  };

  it('takes a correctly signed delivery from an address that caused 70 refusals, and says once that the secrets differ', async () => {
    assert.equal(await post(signed.body, signed.signature), 200, 'a signed delivery from Webex’s address');
    const linesBefore = world.bot.lines.length;
    const statuses: number[] = [];
    for (let i = 0; i < 70; i += 1) {
      const body = JSON.stringify({ ...(JSON.parse(signed.body) as object), id: `mismatch-${i}` });
      statuses.push(await post(body, signBody(body, OTHER_INSTANCES_SECRET)));
    }
    assert.deepEqual([...new Set(statuses.slice(0, 60))], [401], 'refused while under the limit');
    assert.deepEqual([...new Set(statuses.slice(60))], [429], 'then limited');

    assert.equal(await post(signed.body, signed.signature), 200, 'the correctly signed delivery is taken, never answered 429');
    assert.equal(await post(signed.body, undefined), 429, 'an unsigned one from the same address is still limited');

    const alarms = () => world.bot.lines.slice(linesBefore).filter((line) => line.event === 'webhook-secret-mismatch');
    await waitFor('the alarm', () => alarms().length > 0);
    assert.equal(alarms().length, 1, 'one line, not one per delivery');
    assert.match(String(alarms()[0]?.msg), /different WEBHOOK_SECRET/);
    assert.match(String(alarms()[0]?.msg), /rotated on one instance only/);
    assert.equal(await metric(/^parkbot_webhook_secret_mismatch_alarms_total /), 1);
  });
});
