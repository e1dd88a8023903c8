import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { waitFor } from '../support/wait.js';

describe('simulator: messaging and signed webhooks', () => {
  let sim: WebexSimulator;
  const received: { body: string; signature: string | undefined }[] = [];
  let close: () => void;
  let target: string;

  before(async () => {
    sim = await startSimulator();
    const app = express();
    app.post('/hook', express.text({ type: '*/*' }), (req, res) => {
      received.push({ body: req.body as string, signature: req.get('x-spark-signature') });
      res.sendStatus(200);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    close = () => server.close();
  });
  after(async () => {
    close();
    await sim.close();
  });

  it('signs each delivery with HMAC-SHA1 of the exact body, and a bot hears only messages that mention it', async () => {
    const bot = sim.org.addPerson({ displayName: 'Bot', email: 'bot@webex.bot', type: 'bot' });
    const rita = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com' });
    const botToken = sim.org.issueToken(bot.id, 'bot', []);
    const ritaToken = sim.org.issueToken(rita.id, 'access', ['spark:all']);
    const room = sim.org.createRoom(rita.id, 'Space', [bot.id]);
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${sim.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : null });

    const created = await call(botToken, 'POST', '/webhooks', { name: 'hook', targetUrl: target, resource: 'all', event: 'all', secret: 's3cret-s3cret' });
    assert.equal(created.status, 200);
    assert.equal(((await created.json()) as { secret?: string }).secret, undefined, 'the secret is never shown back');

    const plain = (await (await call(ritaToken, 'POST', '/messages', { roomId: room.id, text: 'hello all' })).json()) as { id: string };
    const mention = (await (await call(ritaToken, 'POST', '/messages', { roomId: room.id, markdown: `<@personId:${bot.id}|Bot> park` })).json()) as { id: string; text: string; mentionedPeople: string[] };
    assert.equal(mention.text, 'Bot park');
    assert.deepEqual(mention.mentionedPeople, [bot.id]);

    await waitFor('the delivery', () => received.some((r) => r.body.includes(mention.id)));
    await sim.webhooks.settled();
    assert.ok(!received.some((r) => r.body.includes(plain.id)), 'no delivery for a message that does not mention the bot');
    const delivery = received.find((r) => r.body.includes(mention.id));
    assert.equal(delivery?.signature, createHmac('sha1', 's3cret-s3cret').update(delivery?.body ?? '').digest('hex'));
    assert.equal((await call(botToken, 'GET', `/messages/${plain.id}`)).status, 404, 'a bot cannot read what does not mention it');
    assert.equal((await call(botToken, 'GET', `/messages/${mention.id}`)).status, 200);
  });

  it('answers without a valid token with 401 in Webex’s error shape', async () => {
    const response = await fetch(`${sim.apiUrl}/people/me`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { message: string; errors: { description: string }[]; trackingId: string };
    assert.ok(body.message && body.errors[0]?.description && body.trackingId);
  });

  it('serves the service catalog the Webex SDK asks for at start', async () => {
    const response = await fetch(`${sim.u2cUrl}/limited/catalog`);
    assert.deepEqual(await response.json(), { serviceLinks: {}, hostCatalog: {} });
  });
});
