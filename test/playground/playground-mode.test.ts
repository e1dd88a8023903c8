import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { BotProcess, freePort } from '../support/bot-process.js';
import { waitFor } from '../support/wait.js';
import { openFrontDesk } from '../support/front-desk.js';

interface Message {
  id: string;
  from: string;
  text: string;
  card?: { actions?: { type: string; url?: string; data?: Record<string, unknown> }[] };
}
interface State {
  people: {
    id: string;
    name: string;
    calls: { id: string; with: string; state: string }[];
    lines?: { id: string; name: string; number: string; calls: { id: string; with: string; state: string }[] }[];
    devices: { name: string; type: string; ringing: boolean }[]; privateMessages: Message[] }[];
  parked: { on: string; caller: string; parkedBy: string; recallAt: string }[];
  messages: Message[];
}

describe('playground mode (no WEBEX_BOT_TOKEN)', () => {
  let bot: BotProcess;
  let base: string;

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    bot = new BotProcess({ PORT: String(port), DOTENV_CONFIG_PATH: '/nonexistent/.env' });
    await bot.start();
  });
  after(async () => {
    await bot?.stop();
  });

  const state = async (): Promise<State> => (await fetch(`${base}/playground/api/state`)).json() as Promise<State>;
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${base}/playground/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const person = async (name: string) => (await state()).people.find((p) => p.name === name) ?? assert.fail(name);

  it('says which mode runs and where the page is', async () => {
    // Logged once the bot is up, just after it reports ready.
    await waitFor('the mode line', () => bot.output.includes('Playground mode'));
    assert.match(bot.output, /Playground mode: WEBEX_BOT_TOKEN is not set.*Open http:\/\/localhost:\d+\/playground/);
    assert.doesNotMatch(bot.output, /Webex mode/);
  });

  it('serves the page with the adaptivecards renderer', async () => {
    const page = await fetch(`${base}/playground`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Park Bot playground/);
    assert.equal((await fetch(`${base}/playground/adaptivecards.js`)).status, 200);
  });

  it('links through the simulator’s consent page, parks as the receptionist, and a colleague retrieves with a tap', async () => {
    const rita = await person('Rita Reception');
    const sam = await person('Sam Sales');
    for (const who of [rita, sam]) {
      await post('say', { personId: who.id, text: 'link' });
      const prompt = await waitFor('the link card', async () => (await person(who.name)).privateMessages.find((m) => m.card));
      const url = prompt.card?.actions?.find((a) => a.type === 'Action.OpenUrl')?.url ?? '';
      const authorize = (await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '';
      const consent = await fetch(authorize);
      assert.match(await consent.text(), /wants to access your Webex account/);
      const form = new URLSearchParams(new URL(authorize).searchParams);
      form.set('personId', who.id);
      const callback = (await fetch(authorize.split('?')[0] ?? '', { method: 'POST', body: form, redirect: 'manual' })).headers.get('location') ?? '';
      assert.match(await (await fetch(callback)).text(), /all set/);
    }

    await post('call', { personId: rita.id, fromName: 'Acme Corp' });
    await post('say', { personId: rita.id, text: 'park my call' });
    const card = await waitFor('the parked card', async () => (await state()).messages.find((m) => m.card && JSON.stringify(m.card).includes('Call waiting on 2001')));

    await post('say', { personId: sam.id, text: 'ring on desk', private: true });
    await waitFor('Sam’s choice confirmed', async () => (await person('Sam Sales')).privateMessages.some((m) => m.text.includes("ring on Cisco 8865 (Sam's desk)")));
    const retrieve = card.card?.actions?.find((a) => a.type === 'Action.Submit');
    assert.equal((await post('tap', { personId: sam.id, messageId: card.id, inputs: retrieve?.data })).status, 201);
    await waitFor('Sam’s phone ringing, on the card', async () => (await state()).messages.some((m) => JSON.stringify(m.card ?? '').includes('Ringing Sam Sales…')));
    const ringing = (await person('Sam Sales')).calls[0];
    assert.deepEqual([ringing?.with, ringing?.state], ['Acme Corp', 'alerting']);
    assert.deepEqual((await person('Sam Sales')).devices, [
      { name: "Cisco 8865 (Sam's desk)", type: 'DEVICE', ringing: true },
      { name: 'Webex Desktop Application', type: 'APPLICATION', ringing: false },
    ]);
    assert.equal((await post('phone', { personId: sam.id, callId: ringing?.id, action: 'answer' })).status, 204);
    assert.equal((await person('Sam Sales')).calls[0]?.state, 'connected');
    await waitFor('retrieved by Sam', async () => (await state()).messages.some((m) => JSON.stringify(m.card ?? '').includes('Retrieved by Sam Sales')));
  });

  it('has a Main line on Rita’s phone that Ring rings: she answers it there and parks it, and the card says the line', async () => {
    const rita = await person('Rita Reception');
    const line = rita.lines?.[0] ?? assert.fail('Rita has no main line');
    assert.deepEqual([line.name, line.number], ['Main line', '+14085550000']);
    assert.equal((await person('Sam Sales')).lines?.length, 0, 'only the receptionist has it');

    assert.equal((await post('call', { lineId: line.id, fromName: 'Main Number Caller', answer: false })).status, 201);
    const ringing = await waitFor('the call on her main line', async () => (await person('Rita Reception')).lines?.[0]?.calls[0]);
    assert.deepEqual([ringing.with, ringing.state], ['Main Number Caller', 'alerting']);
    assert.equal((await person('Rita Reception')).calls.length, 0, 'not on her own line');
    assert.equal((await post('phone', { personId: rita.id, lineId: line.id, callId: ringing.id, action: 'answer' })).status, 204);
    await post('say', { personId: rita.id, text: 'park' });
    await waitFor('the parked card, saying the line', async () =>
      (await state()).messages.some((m) => JSON.stringify(m.card ?? '').includes('Main Number Caller') && JSON.stringify(m.card ?? '').includes('Main line +14085550000')),
    );
  });

  it('lets the caller of a parked call hang up, shows when it would ring back, and the card follows', async () => {
    const rita = await person('Rita Reception');
    await post('call', { personId: rita.id, fromName: 'Impatient Caller' });
    await post('say', { personId: rita.id, text: 'park' });
    const parked = await waitFor('the call at Webex', async () => (await state()).parked.find((p) => p.caller === 'Impatient Caller'));
    assert.equal(parked.parkedBy, 'Rita Reception');
    assert.ok(Date.parse(parked.recallAt) > Date.now(), 'a recall time to count down to');
    const card = await waitFor('the parked card', async () => (await state()).messages.find((m) => JSON.stringify(m.card ?? '').includes('Impatient Caller')));

    assert.equal((await post('caller-hangs-up', { parkedOn: parked.on })).status, 204);
    assert.equal((await post('caller-hangs-up', { parkedOn: parked.on })).status, 409, 'nothing is parked there any more');
    const sam = await person('Sam Sales');
    await post('tap', { personId: sam.id, messageId: card.id, inputs: card.card?.actions?.[0]?.data });
    await waitFor('the card to say so', async () => (await state()).messages.some((m) => JSON.stringify(m.card ?? '').includes('No longer parked')));
  });

  it('listens on loopback only, and answers only to a local Host (no DNS rebinding)', async () => {
    assert.ok(bot.lines.some((line) => line.event === 'http-listening' && line.host === '127.0.0.1'));
    const port = new URL(base).port;
    const withHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path: '/playground/api/state', headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
    assert.equal(await withHost(`localhost:${port}`), 200);
    assert.equal(await withHost(`127.0.0.1:${port}`), 200);
    assert.equal(await withHost('attacker.example'), 403);
    assert.equal(await withHost(`attacker.example:${port}`), 403);
  });

  it('the simulator’s own port answers only to a local Host too', async () => {
    const someone = (await state()).people.at(-1) ?? assert.fail('no people');
    await post('say', { personId: someone.id, text: 'link' });
    const prompt = await waitFor('the link card', async () => (await person(someone.name)).privateMessages.find((m) => m.card));
    const start = prompt.card?.actions?.find((a) => a.type === 'Action.OpenUrl')?.url ?? '';
    const simulator = new URL((await fetch(start, { redirect: 'manual' })).headers.get('location') ?? '');
    const withHost = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port: simulator.port, path, headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
    for (const path of ['/u2c/api/v1/catalog', `/v1/authorize${simulator.search}`, '/_sim/people']) {
      assert.equal(await withHost(path, `attacker.example:${simulator.port}`), 403, path);
      assert.equal(await withHost(path, 'attacker.example'), 403, path);
    }
    assert.equal(await withHost('/u2c/api/v1/catalog', `127.0.0.1:${simulator.port}`), 200);
    assert.equal(await withHost(`/v1/authorize${simulator.search}`, `localhost:${simulator.port}`), 200);
  });

  it('answers bad requests with 400 and a reason', async () => {
    const response = await post('say', { personId: 'nobody', text: '' });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /personId/);
  });
});

describe('playground refused where production settings are present', () => {
  for (const [setting, value] of [
    ['DATABASE_URL', 'postgres://parkbot:secret@db.internal:5432/parkbot'],
    ['WEBEX_CLIENT_ID', 'C0123456789'],
  ] as const) {
    it(`stops with a readable error when ${setting} is set without a bot token`, async () => {
      const port = await freePort();
      const bot = new BotProcess({ PORT: String(port), DOTENV_CONFIG_PATH: '/nonexistent/.env', [setting]: value });
      try {
        await assert.rejects(bot.start(), (error: Error) => {
          assert.match(error.message, /exited with 1/);
          assert.match(error.message, new RegExp(`WEBEX_BOT_TOKEN is required.*${setting}`));
          assert.doesNotMatch(error.message, /\bat .+\.(ts|js):\d+/);
          return true;
        });
      } finally {
        await bot.stop();
      }
    });
  }
});

describe('Webex mode (WEBEX_BOT_TOKEN set)', () => {
  it('has no playground, and says which mode runs', async () => {
    const { world } = await openFrontDesk([]);
    try {
      assert.equal((await fetch(`${world.botUrl}/playground`)).status, 404);
      assert.equal((await fetch(`${world.botUrl}/playground/api/state`)).status, 404);
      assert.match(world.bot.output, /Webex mode: connecting to http:\/\/127\.0\.0\.1:\d+\/v1; the playground is off/);
    } finally {
      await world.close();
    }
  });
});
