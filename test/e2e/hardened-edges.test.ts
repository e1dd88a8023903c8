import { strict as assert } from 'node:assert';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { openFrontDesk } from '../support/front-desk.js';
import { World, WEBHOOK_SECRET, cardText, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimDelivery, SimMessage, SimRoom } from '../../src/simulator/model.js';

/** Where refused floods come from: a client behind the (trusted, loopback) proxy in front of the bot. */
const ATTACKER = '198.51.100.66';

/**
 * Issue 17, second pass: deliveries with no date or a date in the future, padded call events, floods
 * of unsigned posts, a forged "Park for…" the bot itself, and whether any Webex id reaches a log line.
 * The last test reads every log line the scenario before it produced.
 */
describe('Hardened edges: dates, padding, floods, bots, and ids in logs', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, frontDesk } = await openFrontDesk(['rita', 'sam'], { env: { TRUST_PROXY: 'loopback', EVENT_LEASE_SECONDS: '1' } }));
    await world.callEventsWatched(rita);
    await world.callEventsWatched(sam);
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  const metrics = async (): Promise<string> => (await fetch(`${world.botUrl}/metrics`)).text();
  const sign = (body: string, secret = WEBHOOK_SECRET): string => createHmac('sha1', secret).update(body).digest('hex');
  const post = async (url: string, body: string, signature: string, headers: Record<string, string> = {}): Promise<number> =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-spark-signature': signature, ...headers }, body })).status;

  /** A call event Webex sent to `person`'s webhook: its address, the secret it was signed with, its body. */
  function lastCallEvent(person: TestPerson): { url: string; secret: string; delivery: SimDelivery } {
    const delivery = world.sim.webhooks.deliveries.filter((d) => d.resource === 'telephony_calls' && world.sim.org.webhooks.get(d.webhookId)?.createdBy === person.id).at(-1);
    const webhook = world.sim.org.webhooks.get(delivery?.webhookId ?? '');
    if (!delivery || !webhook?.secret) throw new Error(`no call event for ${person.name}`);
    return { url: webhook.targetUrl, secret: webhook.secret, delivery };
  }

  async function ritaParks(caller: string, number: string): Promise<SimMessage> {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: caller, number } });
    return world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the parked card', (m) => cardText(m).includes(caller));
  }

  it('refuses a signed delivery with no date, an unreadable one, or one dated in the future, and counts them', async () => {
    const message = await world.say(sam, world.directSpace(sam), 'parked');
    await world.sim.webhooks.settled();
    const original = JSON.parse(world.sim.webhooks.deliveries.find((d) => d.dataId === message.id)?.body ?? '{}') as { data: Record<string, unknown> };
    const variants: [string, unknown][] = [
      ['no date', undefined],
      ['an unreadable date', 'yesterday'],
      ['a date ten minutes ahead', new Date(Date.now() + 10 * 60_000).toISOString()],
    ];
    for (const [what, created] of variants) {
      const forged = { ...original, data: { ...original.data, id: `${String(original.data.id)}-${what}`, created } };
      const body = JSON.stringify(forged);
      assert.equal(await post(`${world.botUrl}/webhook`, body, sign(body)), 400, what);
    }

    // A call event dated an hour ahead, signed with the person's own webhook secret.
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Ahead', number: '+15551701' } });
    await world.sim.webhooks.settled();
    const { url, secret, delivery } = lastCallEvent(sam);
    const event = JSON.parse(delivery.body) as { data: Record<string, unknown> };
    event.data.eventTimestamp = new Date(Date.now() + 60 * 60_000).toISOString();
    const body = JSON.stringify(event);
    assert.equal(await post(url, body, sign(body, secret)), 400, 'a call event from the future');

    const counted = await metrics();
    assert.match(counted, /parkbot_webhook_rejections_total\{reason="undated"\} 2/);
    assert.match(counted, /parkbot_webhook_rejections_total\{reason="future"\} 2/);
  });

  it('stores a call event reduced to what the bot reads, and refuses one too big to store', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Padded', number: '+15551702' } });
    await world.sim.webhooks.settled();
    const { url, secret, delivery } = lastCallEvent(sam);
    const marker = `PAD${randomBytes(6).toString('hex')}`;
    const padded = JSON.parse(delivery.body) as { data: Record<string, unknown> } & Record<string, unknown>;
    padded.data.eventTimestamp = new Date().toISOString();
    padded.data.padding = marker.repeat(5000);
    padded.extra = { more: marker.repeat(5000) };
    const body = JSON.stringify(padded);
    assert.ok(body.length > 100_000);
    assert.equal(await post(url, body, sign(body, secret)), 200, 'the event itself is taken');

    const huge = JSON.parse(delivery.body) as { data: { eventTimestamp: string; remoteParty: Record<string, unknown> } };
    huge.data.eventTimestamp = new Date(Date.now() + 1).toISOString();
    huge.data.remoteParty.name = marker.repeat(3000);
    const hugeBody = JSON.stringify(huge);
    assert.equal(await post(url, hugeBody, sign(hugeBody, secret)), 413, 'what the bot reads is too big to keep');

    await new Promise((resolve) => setTimeout(resolve, 300));
    const stored = [world.databaseFile, `${world.databaseFile}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1'));
    assert.ok(stored.length > 0);
    for (const bytes of stored) assert.ok(!bytes.includes(marker), 'no padding reached the database');
    assert.match(await metrics(), /parkbot_webhook_rejections_total\{reason="too-large"\} 1/);
  });

  it('refuses "Park for…" the bot itself, without asking Webex to park', async () => {
    const call = world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'For The Bot', number: '+15551703' } });
    const desk = world.botMessages(frontDesk).find((m) => (m.text ?? '').startsWith('Front desk: '));
    assert.ok(desk, 'the desk card');
    const ritaDm = world.directSpace(rita);
    const parksBefore = world.callControl('/park').length;

    const answer = await world.expectBotMessage(ritaDm, () => world.tap(rita, desk, { action: 'desk-park', forPersonId: world.botPerson.id, note: 'hi' }), 'the refusal');

    assert.match(answer.text ?? '', /not in this space|not someone/i);
    assert.equal(world.callControl('/park').length, parksBefore, 'Webex was never asked to park');
    assert.equal(world.sim.telephony.list(rita.id)[0]?.id, call.id, 'Rita still has her call');
    const dmsToBot = world.sim.requests.filter((r) => r.method === 'POST' && r.path === '/messages' && (r.body as { toPersonId?: string } | undefined)?.toPersonId === world.botPerson.id);
    assert.deepEqual(dmsToBot, [], 'no private message to the bot was tried');

    // Another bot in the space, whose address does not give it away: Webex says it is one.
    const helper = world.sim.org.addPerson({ displayName: 'Helper Bot', email: 'helper@example.com', type: 'bot' });
    world.sim.org.addMember(frontDesk.id, helper.id, rita.id);
    const second = await world.expectBotMessage(ritaDm, () => world.tap(rita, desk, { action: 'desk-park', forPersonId: helper.id }), 'the second refusal');
    assert.match(second.text ?? '', /not in this space, or is a bot/);
    assert.equal(world.callControl('/park').length, parksBefore, 'Webex was never asked to park');
  });

  it('rate-limits a flood of refused deliveries per client, counts them, and logs them in aggregate', async () => {
    const linesBefore = world.bot.lines.length;
    const body = JSON.stringify({ id: 'x', name: 'x', resource: 'telephony_calls', event: 'created', createdBy: 'x', data: {} });
    const started = Date.now();
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 40; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => post(`${world.botUrl}/webhook/calls/guess-${batch}-${i}`, body, 'ab'.repeat(20), { 'x-forwarded-for': ATTACKER })),
      );
      for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const floodMs = Date.now() - started;

    assert.equal((statuses.get(401) ?? 0) + (statuses.get(429) ?? 0), 2000, JSON.stringify([...statuses]));
    assert.ok((statuses.get(429) ?? 0) >= 1800, `most were turned away unread: ${JSON.stringify([...statuses])}`);
    assert.equal(await post(`${world.botUrl}/webhook/calls/guess`, body, 'ab'.repeat(20), { 'x-forwarded-for': '203.0.113.5' }), 401, 'another client is not limited');
    const card = await ritaParks('During A Flood', '+15551704');
    assert.ok(card, 'Webex’s own deliveries still go through');
    assert.match(await metrics(), /parkbot_webhook_rejections_total\{reason="rate-limited"\} \d{4}/);

    // The first refusal is written at once, the rest together: one line per 10 s interval, not per delivery.
    const refusalLines = () => world.bot.lines.slice(linesBefore).filter((line) => String(line.event).startsWith('webhook-re'));
    const allowed = 2 + Math.floor(floodMs / 10_000);
    assert.ok(refusalLines().length <= allowed, `no line per refusal: ${refusalLines().length} lines for 2,001 refusals in ${floodMs} ms`);
    const logged = () => refusalLines().reduce((sum, line) => sum + (line.event === 'webhook-rejected' ? 1 : Number(line.total)), 0);
    await waitFor('the aggregate line', () => logged() >= 2001, 25_000);
    assert.equal(logged(), 2001, 'every refusal is in a count');
    assert.ok(refusalLines().length <= allowed + 1, `${refusalLines().length} lines in all`);
    const summary = refusalLines().find((line) => line.event === 'webhook-refusals');
    assert.ok(((summary?.refused as Record<string, number> | undefined)?.['rate-limited'] ?? 0) > 1000, JSON.stringify(summary));
    process.stdout.write(`      flood: ${JSON.stringify(Object.fromEntries(statuses))} in ${floodMs} ms, ${refusalLines().length} log lines for 2,001 refusals\n`);
  });

  it('keeps working through duplicates, stale replays and a crash replay', async () => {
    world.sim.webhooks.deliverTwice = true;
    const card = await ritaParks('Twice Caller', '+15551705');
    world.sim.webhooks.deliverTwice = false;
    const taken = await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card', (m) => cardText(m).includes('Retrieved by Sam'));
    assert.ok(taken);

    // A stale replay of a signed delivery.
    const original = JSON.parse(world.sim.webhooks.deliveries.find((d) => d.resource === 'messages')?.body ?? '{}') as { data: Record<string, unknown> };
    const stale = JSON.stringify({ ...original, data: { ...original.data, id: `${String(original.data.id)}-kept`, created: new Date(Date.now() - 2 * 60 * 60_000).toISOString() } });
    assert.equal(await post(`${world.botUrl}/webhook`, stale, sign(stale)), 400);

    // Sam picks a parked call up from a desk phone: his and Rita's call events.
    const picked = await ritaParks('Desk Phone Caller', '+15551706');
    const seen = world.seenIn(frontDesk);
    world.sim.telephony.pickUpFromPhone(sam.id, '2001');
    await world.newBotMessage(frontDesk, seen, 'the picked-up card', (m) => m.id !== picked.id && cardText(m).includes('Picked up by Sam'));

    // Killed while Webex parks: the event is replayed after the restart.
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Crash Caller', number: '+15551707' } });
    world.sim.failNext({ method: 'POST', path: '/telephony/calls/park', delayMs: 400 });
    const seenBefore = world.seenIn(frontDesk);
    const parksBefore = world.callControl('/park').length;
    await world.say(rita, frontDesk, 'park');
    await waitFor('the park to reach Webex', () => world.callControl('/park').length > parksBefore);
    await world.bot.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await world.bot.start();
    await world.newBotMessage(frontDesk, seenBefore, 'the card after the replay', (m) => cardText(m).includes('Crash Caller'));
    await waitFor('the replay line', () => world.bot.lines.some((line) => line.event === 'event-replayed'));
  });

  it('writes no Webex id (person, space, message, call, webhook…) in any log line of all of the above', async () => {
    await world.sim.webhooks.settled();
    const traffic = JSON.stringify([world.sim.requests, world.sim.webhooks.deliveries.map((d) => d.body)]);
    const issued = new Set<string>();
    for (const [id] of traffic.matchAll(/Y2lzY29zcGFyazov[A-Za-z0-9+/_-]+/g)) {
      issued.add(id);
      const uuid = /\/([0-9a-f-]{36})$/.exec(Buffer.from(id, 'base64').toString('utf8'))?.[1];
      if (uuid) issued.add(uuid);
    }
    for (const [, session] of traffic.matchAll(/\\?"callSessionId\\?":\\?"([^"\\]+)/g)) if (session) issued.add(session);
    assert.ok(issued.size > 30, `the scenario used many ids (${issued.size})`);

    const log = world.bot.output;
    assert.ok(world.bot.lines.length > 20, `there are log lines to look at (${world.bot.lines.length})`);
    assert.ok(log.includes('"event":"duplicate-delivery"') && log.includes('"event":"event-replayed"') && log.includes('"reason":"stale"'));
    const leaked = [...issued].filter((id) => log.includes(id));
    assert.deepEqual(leaked, [], 'ids found in the logs');
    assert.doesNotMatch(log, /Y2lzY29zcGFyazov/, 'nothing shaped like a Webex id');
  });
});
