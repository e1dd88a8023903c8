import { strict as assert } from 'node:assert';
import { z } from 'zod';
import { startSimulator, type WebexSimulator } from '../../src/simulator/server.js';
import { WebexHttpClient } from '../../src/webex/http-client.js';
import { CallingApi } from '../../src/webex/calling-api.js';
import { MessagingApi } from '../../src/webex/messaging-api.js';
import { WebexApiError } from '../../src/webex/errors.js';
import { memoryLogger } from '../support/memory-logger.js';

const FAST = { maxAttempts: 3, maxRetryAfterMs: 2000, baseBackoffMs: 1 };

describe('Webex HTTP client', () => {
  let sim: WebexSimulator;
  let token: string;
  let personId: string;
  let log: ReturnType<typeof memoryLogger>;
  let calling: CallingApi;

  before(async () => {
    sim = await startSimulator();
    const person = sim.org.addPerson({ displayName: 'Rita', email: 'rita@example.com', extension: '2001' });
    personId = person.id;
    token = sim.org.issueToken(person.id, 'access', ['spark:calls_read', 'spark:calls_write']);
  });
  beforeEach(() => {
    sim.faults.length = 0;
    sim.requests.length = 0;
    log = memoryLogger();
    calling = new CallingApi(new WebexHttpClient(sim.apiUrl, log.logger, FAST));
  });
  after(async () => sim.close());

  async function failure(promise: Promise<unknown>): Promise<WebexApiError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof WebexApiError, String(error));
      return error;
    }
    return assert.fail('expected a WebexApiError');
  }

  const cases: [number, string][] = [
    [400, 'bad-request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
  ];
  for (const [status, kind] of cases) {
    it(`maps ${status} to "${kind}" without retrying, keeping Webex's description and trackingId`, async () => {
      sim.failNext({ method: 'GET', path: '/telephony/calls', status });
      const error = await failure(calling.activeCalls(token));
      assert.equal(error.kind, kind);
      assert.equal(error.status, status);
      assert.equal(error.description, `Injected failure ${status}`);
      assert.match(error.trackingId ?? '', /^SIM_/);
      assert.equal(sim.requests.length, 1);
    });
  }

  it('waits out 429 Retry-After and 423, then succeeds', async () => {
    sim.failNext({ method: 'GET', path: '/telephony/calls', status: 429, retryAfterSeconds: 0 });
    sim.failNext({ method: 'GET', path: '/telephony/calls', status: 423, retryAfterSeconds: 0 });
    assert.deepEqual(await calling.activeCalls(token), []);
    assert.deepEqual(sim.requests.map((r) => r.status), [429, 423, 200]);
  });

  it('does not wait longer than the policy allows: a long Retry-After is reported as rate limiting', async () => {
    sim.failNext({ method: 'GET', path: '/telephony/calls', status: 429, retryAfterSeconds: 3600 });
    const error = await failure(calling.activeCalls(token));
    assert.equal(error.kind, 'rate-limited');
    assert.equal(error.retryAfterSeconds, 3600);
    assert.equal(sim.requests.length, 1);
  });

  it('retries 5xx a bounded number of times, then reports Webex unavailable', async () => {
    sim.failNext({ method: 'GET', path: '/telephony/calls', status: 502, times: 5 });
    const error = await failure(calling.activeCalls(token));
    assert.equal(error.kind, 'unavailable');
    assert.equal(sim.requests.length, FAST.maxAttempts);
  });

  it('never repeats a retrieve after a 500 (the phone may already ring), but does after a 503', async () => {
    sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', status: 500 });
    assert.equal((await failure(calling.retrieve(token, { destination: '1000' }))).kind, 'unavailable');
    assert.equal(sim.requests.length, 1);

    sim.requests.length = 0;
    sim.failNext({ method: 'POST', path: '/telephony/calls/retrieve', status: 503 });
    assert.equal((await failure(calling.retrieve(token, { destination: '1000' }))).kind, 'not-found', 'the second try reached Webex');
    assert.deepEqual(sim.requests.map((r) => r.status), [503, 404]);
  });

  it('checks answers against the expected shape', async () => {
    const client = new WebexHttpClient(sim.apiUrl, log.logger, FAST);
    const error = await failure(client.request({ method: 'GET', path: '/people/me', token, schema: z.object({ parkedAgainst: z.object({}) }), safeToRepeat: true }));
    assert.equal(error.kind, 'unexpected-response');
  });

  it('reports an unreachable Webex as a network failure', async () => {
    const client = new CallingApi(new WebexHttpClient('http://127.0.0.1:1/v1', log.logger, FAST));
    assert.equal((await failure(client.activeCalls(token))).kind, 'network');
  });

  it('gives up on a Webex that does not answer in time, and reports it as a network failure', async () => {
    sim.failNext({ method: 'GET', path: '/telephony/calls', delayMs: 3000 });
    // undici checks its timeouts about once a second, so a 100 ms limit fires within about a second.
    const impatient = new CallingApi(new WebexHttpClient(sim.apiUrl, log.logger, { ...FAST, maxAttempts: 1 }, undefined, 100));
    const started = performance.now();
    const error = await failure(impatient.activeCalls(token));
    assert.equal(error.kind, 'network');
    assert.ok(performance.now() - started < 2500, 'it did not wait for the slow answer');
  });

  it('parks and retrieves with the token it is given, sending the documented bodies', async () => {
    const call = sim.telephony.placeIncomingCall({ toPersonId: personId, from: { name: 'Acme' } });
    const parkedAgainst = await calling.park(token, { callId: call.id, destination: '1000' });
    assert.equal(parkedAgainst.number, '1000');
    const retrieved = await calling.retrieve(token, { destination: '1000' });
    assert.ok(retrieved.callId);
    assert.deepEqual(sim.requests.map((r) => [r.method, r.path, r.personId, r.body]), [
      ['POST', '/telephony/calls/park', personId, { callId: call.id, destination: '1000' }],
      ['POST', '/telephony/calls/retrieve', personId, { destination: '1000' }],
    ]);
  });

  it('logs failures with endpoint, status and trackingId, never the token', async () => {
    sim.failNext({ method: 'GET', path: '/telephony/calls', status: 502, times: 3 });
    await failure(calling.activeCalls(token));
    const text = log.text();
    assert.match(text, /"endpoint":"GET \/telephony\/calls"/);
    assert.match(text, /"trackingId":"SIM_/);
    assert.ok(!text.includes(token));
  });

  it('names requests by endpoint without ids or query, so metrics keep one series per endpoint however many spaces', async () => {
    const observed: string[] = [];
    const http = new WebexHttpClient(sim.apiUrl, log.logger, FAST, (endpoint) => observed.push(endpoint));
    const messaging = new MessagingApi(http, token);
    for (const title of ['Front desk', 'Sales', 'Support']) {
      const room = sim.org.createRoom(personId, title);
      await messaging.people(room.id);
      const posted = await messaging.post({ roomId: room.id, markdown: 'hello' });
      await messaging.deleteMessage(posted.id);
    }
    assert.deepEqual([...new Set(observed)], ['GET /memberships', 'POST /messages', 'DELETE /messages/{id}']);
  });
});
