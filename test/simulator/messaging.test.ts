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

  it('refuses a card with more than five actions, a ShowCard’s own actions included, as Webex’s guide says', () => {
    const rita = sim.org.addPerson({ displayName: 'Rita Five', email: 'rita.five@example.com' });
    const room = sim.org.createRoom(rita.id, 'Buttons');
    const submit = (title: string) => ({ type: 'Action.Submit', title, data: {} });
    const card = (actions: unknown[]) => ({ attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.3', body: [], actions } }] });
    const five = [submit('1'), submit('2'), { type: 'Action.ShowCard', title: '3', card: { type: 'AdaptiveCard', body: [], actions: [submit('4')] } }, submit('5')];
    assert.ok(sim.org.postMessage(rita.id, { roomId: room.id, text: 'five', ...card(five) }).id);
    const six = [...five.slice(0, 3), { type: 'ActionSet', actions: [submit('5'), submit('6')] }];
    const tooMany = (): unknown => sim.org.postMessage(rita.id, { roomId: room.id, text: 'six', ...card(six) });
    assert.throws(tooMany, (error: { status?: number; message?: string }) => error.status === 400 && /up to 5 buttons/.test(error.message ?? ''));
  });

  it('refuses text or markdown past Webex’s 7,439 bytes (bytes, not characters) and more than one file, in Webex’s error shape', async () => {
    const rita = sim.org.addPerson({ displayName: 'Rita Long', email: 'rita.long@example.com' });
    const token = sim.org.issueToken(rita.id, 'access', ['spark:all']);
    const room = sim.org.createRoom(rita.id, 'Limits');
    const post = async (body: Record<string, unknown>): Promise<{ status: number; body: { message?: string; errors?: { description: string }[]; trackingId?: string } }> => {
      const response = await fetch(`${sim.apiUrl}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ roomId: room.id, ...body }),
      });
      return { status: response.status, body: (await response.json()) as { message?: string; errors?: { description: string }[]; trackingId?: string } };
    };
    assert.equal((await post({ text: 'a'.repeat(7439) })).status, 200, 'exactly 7,439 bytes is allowed');
    assert.equal((await post({ markdown: 'a'.repeat(7439) })).status, 200);
    for (const body of [{ text: 'a'.repeat(7440) }, { markdown: 'a'.repeat(7440) }, { markdown: 'é'.repeat(3720) }, { text: '😀'.repeat(1860) }]) {
      const refused = await post(body);
      assert.equal(refused.status, 400, `${Object.keys(body)[0]} of ${Buffer.byteLength(Object.values(body)[0] ?? '')} bytes`);
      assert.ok(refused.body.message && refused.body.errors?.[0]?.description && refused.body.trackingId, 'Webex’s error shape');
      assert.match(refused.body.message ?? '', /7439 bytes/);
    }
    assert.equal('é'.repeat(3720).length, 3720, '3,720 characters, but 7,440 bytes: refused');
    assert.equal((await post({ text: 'one file', files: ['https://example.com/a.png'] })).status, 200);
    const twoFiles = await post({ text: 'two files', files: ['https://example.com/a.png', 'https://example.com/b.png'] });
    assert.equal(twoFiles.status, 400);
    assert.match(twoFiles.body.message ?? '', /one file/);
    const mine = sim.org.postMessage(rita.id, { roomId: room.id, text: 'short' });
    const edit = await fetch(`${sim.apiUrl}/messages/${mine.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId: room.id, markdown: 'a'.repeat(7440) }),
    });
    assert.equal(edit.status, 400, 'an edit past the limit is refused too');
    assert.throws(() => sim.org.editMessage(rita.id, mine.id, { roomId: room.id, markdown: 'é'.repeat(3720) }), (error: { status?: number }) => error.status === 400);
    assert.equal(sim.org.editMessage(rita.id, mine.id, { roomId: room.id, markdown: 'a'.repeat(7439) }).markdown?.length, 7439);
  });

  it('takes a multipart message with one file as Webex does (a reply in a thread), serves its bytes, and refuses two files', async () => {
    const rita = sim.org.addPerson({ displayName: 'Rita Upload', email: 'rita.upload@example.com' });
    const token = sim.org.issueToken(rita.id, 'access', ['spark:all']);
    const room = sim.org.createRoom(rita.id, 'Uploads');
    const parent = sim.org.postMessage(rita.id, { roomId: room.id, text: 'the report' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const form = (files: number): FormData => {
      const body = new FormData();
      body.set('roomId', room.id);
      body.set('parentId', parent.id);
      body.set('markdown', 'The chart');
      for (let i = 0; i < files; i += 1) body.append('files', new Blob([png], { type: 'image/png' }), `chart-${i}.png`);
      return body;
    };
    const send = async (body: FormData): Promise<Response> => fetch(`${sim.apiUrl}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });

    const one = await send(form(1));
    assert.equal(one.status, 200);
    const message = (await one.json()) as { id: string; parentId?: string; files?: string[]; markdown?: string };
    assert.equal(message.parentId, parent.id);
    assert.equal(message.markdown, 'The chart');
    assert.equal(message.files?.length, 1);
    const content = await fetch(message.files?.[0] ?? '', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(content.status, 200);
    assert.equal(content.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await content.arrayBuffer()), png, 'the bytes uploaded');
    assert.equal((await fetch(message.files?.[0] ?? '')).status, 401, 'a file is read with a token');

    const two = await send(form(2));
    assert.equal(two.status, 400);
    assert.match(((await two.json()) as { message: string }).message, /one file/);
    const none = new FormData();
    none.set('roomId', room.id);
    assert.equal((await send(none)).status, 400, 'nothing to post');
  });

  it('keeps people of another organisation apart: their own orgId, on their webhooks too', async () => {
    const { orgId } = sim.addOrganisation();
    const bob = sim.org.addPerson({ displayName: 'Bob Other', email: 'bob@other.example', extension: '2001', orgId });
    assert.notEqual(orgId, sim.org.orgId);
    const token = sim.org.issueToken(bob.id, 'access', ['spark:all', 'spark:calls_read']);
    const made = await fetch(`${sim.apiUrl}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'calls', targetUrl: target, resource: 'telephony_calls', event: 'created' }),
    });
    assert.equal(((await made.json()) as { orgId: string }).orgId, orgId);
    sim.telephonyOf(orgId).placeIncomingCall({ toPersonId: bob.id });
    assert.equal(sim.telephonyOf(orgId).list(bob.id).length, 1);
    assert.equal(sim.telephony.list(bob.id).length, 0, 'the home organisation’s phones do not carry his calls');
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
