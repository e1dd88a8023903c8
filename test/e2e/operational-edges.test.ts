import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { once } from 'node:events';
import { openFrontDesk } from '../support/front-desk.js';
import { World, linkUrlIn, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import type { SimRoom } from '../../src/simulator/model.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
/** What a stack trace or a file path looks like in an answer. */
const LEAKS = /\bat .+\.(ts|js):\d+|\/work\/|node_modules|Error:/;

describe('Operational edges: proxies, error answers, slow clients, OAuth pages, lost keys, metrics', () => {
  let world: World;
  let rita: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, frontDesk } = await openFrontDesk(['rita'], {
      env: { TRUST_PROXY: '1', METRICS_TOKEN, REQUEST_TIMEOUT_SECONDS: '1' },
    }));
  });

  after(async () => {
    await world?.close();
  });

  it('answers an oversized, a wrongly encoded or a malformed body with a JSON reason, never a stack trace', async () => {
    const post = async (headers: Record<string, string>, body: string | Buffer) => {
      const response = await fetch(`${world.botUrl}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return [response.status, response.headers.get('content-type') ?? '', await response.text()] as const;
    };
    const answers = [
      await post({}, 'x'.repeat(300 * 1024)),
      await post({ 'content-encoding': 'gzip' }, Buffer.from('not gzip at all')),
      await post({ 'content-encoding': 'compress' }, '{}'),
    ];
    assert.deepEqual(answers.map(([status]) => status), [413, 400, 415]);
    for (const [, type, body] of answers) {
      assert.match(type, /application\/json/);
      assert.doesNotMatch(body, LEAKS);
      assert.ok((JSON.parse(body) as { error: string }).error.length > 10);
    }
  });

  it('cuts off a client that sends its request too slowly', async () => {
    const socket = connect(world.botPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await once(socket, 'close');
    assert.ok(Date.now() - started < 5000, 'closed within the request timeout, not held for minutes');
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('keys the /oauth rate limit on the client behind the proxy, when told to trust it', async () => {
    const hit = (client: string) => fetch(`${world.botUrl}/oauth/start?state=nope`, { headers: { 'x-forwarded-for': client } }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 301; i += 1) statuses.push(await hit('203.0.113.7'));
    assert.equal(statuses.at(-1), 429, 'one client over the limit is refused');
    assert.equal(await hit('198.51.100.9'), 400, 'another client behind the same proxy is not');
  });

  it('marks OAuth pages no-store and no-referrer, and a bogus code does not use up the real link', async () => {
    const dm = world.directSpace(rita);
    const prompt = await world.expectBotMessage(dm, () => world.say(rita, dm, 'link'), 'the link prompt');
    const url = linkUrlIn(prompt);
    const state = new URL(url).searchParams.get('state') ?? '';

    const bogus = await fetch(`${world.botUrl}/oauth/callback?state=${state}&code=bogus-code`, { headers: { 'x-forwarded-for': '192.0.2.10' } });
    assert.equal(bogus.status, 400);
    assert.equal(bogus.headers.get('cache-control'), 'no-store');
    assert.equal(bogus.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await bogus.text(), /Webex did not accept this sign-in/);

    assert.match(await world.followLink(rita, url), /^200 .*all set/s, 'the link still works with the real code');
  });

  it('protects /metrics with METRICS_TOKEN', async () => {
    assert.equal((await fetch(`${world.botUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${world.botUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const allowed = await fetch(`${world.botUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /parkbot_parks_total/);
  });

  it('treats a token it can no longer decrypt (a changed TOKEN_ENCRYPTION_KEY) as an expired link', async () => {
    await world.bot.stop();
    await world.bot.start({ TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme', number: '+15550601' } });
    const dm = world.directSpace(rita);
    const seenDm = world.seenIn(dm);

    const pointer = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.match(pointer.text ?? '', /link/i);
    assert.doesNotMatch(pointer.text ?? '', /Something went wrong/);
    const prompt = await world.newBotMessage(dm, seenDm, 'the private relink prompt');
    assert.match(JSON.stringify(prompt.attachments), /Your Webex link has expired/);
    await waitFor('the log line', () => world.bot.lines.some((line) => line.event === 'token-undecryptable'));
    assert.equal(world.sim.telephony.parked.size, 0);
  });
});
