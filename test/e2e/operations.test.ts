import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardText, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimRoom } from '../../src/simulator/model.js';

describe('Running the bot: health, metrics, duplicate deliveries, graceful shutdown', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam']));
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  it('answers liveness and readiness with JSON', async () => {
    const health = await fetch(`${world.botUrl}/healthz`);
    assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
    const ready = await fetch(`${world.botUrl}/readyz`);
    assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready', checks: { database: 'ok', framework: 'ok', spool: 'ok', webhooks: 'ok' } }]);
  });

  it('acts once on a delivery that arrives many times, as Webex retries do', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const seen = world.seenIn(frontDesk);
    const message = await world.say(rita, frontDesk, 'park');
    await world.newBotMessage(frontDesk, seen, 'the card');
    const delivery = world.sim.webhooks.deliveries.find((d) => d.dataId === message.id);
    assert.ok(delivery?.signature);

    const TRIES = 20;
    const answers = await Promise.all(
      Array.from({ length: TRIES }, () =>
        fetch(`${world.botUrl}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-spark-signature': delivery.signature ?? '' }, body: delivery.body }).then(
          (r) => r.json() as Promise<{ duplicate?: boolean }>,
        ),
      ),
    );

    assert.equal(answers.filter((a) => a.duplicate).length, TRIES, 'every replay is recognised');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cards = world.botMessages(frontDesk).filter((m) => !seen.has(m.id));
    assert.equal(cards.length, 1, `${TRIES + 1} deliveries, one card`);
    assert.equal(world.callControl('/park').filter((r) => r.personId === rita.id).length, 1);
  });

  it('exposes Prometheus metrics: parks, retrieves, failures by reason, Webex latency, rejected webhooks', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Globex' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    await world.expectBotMessage(frontDesk, () => world.tap(sam, card));
    world.hangUpEverything();
    await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'park'));
    await fetch(`${world.botUrl}/webhook`, { method: 'POST', body: '{}' });

    const response = await fetch(`${world.botUrl}/metrics`);
    const text = await response.text();
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(text, /parkbot_parks_total\{outcome="parked"\} [1-9]/);
    assert.match(text, /parkbot_parks_total\{outcome="no-call"\} [1-9]/);
    assert.match(text, /parkbot_retrieves_total\{outcome="ringing"\} [1-9]/);
    assert.match(text, /parkbot_parked_calls_closed_total\{state="retrieved"\} [1-9]/, 'retrieved once Sam’s phone connected');
    assert.match(text, /parkbot_parked_calls_closed_total\{state="retrieved"\} [1-9]/);
    assert.match(text, /parkbot_webex_api_duration_seconds_bucket\{le="0.1",endpoint="POST \/telephony\/calls\/park",status="200"\} [1-9]/);
    assert.match(text, /parkbot_webhook_rejections_total\{reason="no-signature"\} [1-9]/);
    assert.match(text, /parkbot_duplicate_deliveries_total [1-9]/);
  });

  it('refuses an oversized webhook body with 413 before reading it', async () => {
    const response = await fetch(`${world.botUrl}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(300 * 1024) });
    assert.equal(response.status, 413);
  });

  it('limits how often the link pages can be hit', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 32; i += 1) answers.push(...(await Promise.all(Array.from({ length: 10 }, () => fetch(`${world.botUrl}/oauth/start?state=nope`).then((r) => r.status)))));
    assert.ok(answers.includes(429), 'some requests are refused with 429');
    assert.ok(answers.includes(400), 'the first ones are answered normally');
  });

  it('finishes a park already under way when told to stop, and refuses new deliveries meanwhile', async () => {
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/park', delayMs: 1500 });
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Initech' } });
    const seen = world.seenIn(frontDesk);
    await world.say(rita, frontDesk, 'park');
    await waitFor('the park request to reach Webex', () => world.callControl('/park').some((r) => r.status === 0));

    const exit = world.bot.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const during = await fetch(`${world.botUrl}/webhook`, { method: 'POST', body: '{}' }).then((r) => r.status, () => 'closed');

    assert.equal(await exit, 0);
    const card = await world.newBotMessage(frontDesk, seen, 'the card of the park in flight');
    assert.match(cardText(card), /Initech/);
    assert.ok(during === 503 || during === 401, `a delivery during shutdown is not taken (${String(during)})`);
    assert.match(world.bot.output, /"event":"drained","complete":true/);
    await world.bot.start();
  });

  it('finishes making a call-events webhook for someone who linked just before a stop', async () => {
    const priya = world.addPerson('Priya Support', '2003');
    world.sim.failNext({ method: 'POST', path: '/webhooks', delayMs: 800, personId: priya.id, times: 2 });
    await world.link(priya);

    assert.equal(await world.bot.stop('SIGTERM'), 0);
    assert.deepEqual(world.callWebhooks(priya).map((w) => w.event).sort(), ['created', 'deleted', 'updated'], 'all made before the bot exited');
    await world.bot.start();
  });
});
