import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openFrontDesk } from '../support/front-desk.js';
import { World, WEBHOOK_SECRET, cardText, linkUrlIn, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import { signBody } from '../../src/webhooks/signature.js';
import { personalSecret } from '../../src/webhooks/call-event-subscriptions.js';
import { TokenCipher } from '../../src/auth/token-cipher.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import type { SimDelivery, SimMessage, SimRoom } from '../../src/simulator/model.js';

const OLD_KEY = randomBytes(32);
const NEW_KEY = randomBytes(32);
const NEW_SECRET = 'the-new-webhook-secret-9876543210';
/** Short, so the test sees it end; long enough for a restart (up to 20 s on a busy machine) and what follows it. */
const GRACE_SECONDS = 45;

/** Both rotated at once, the old ones kept as previous: the settings of step 2 in README's "Upgrades and keys". */
const ROTATED = {
  TOKEN_ENCRYPTION_KEY: NEW_KEY.toString('base64'),
  TOKEN_ENCRYPTION_KEYS_PREVIOUS: OLD_KEY.toString('base64'),
  WEBHOOK_SECRET: NEW_SECRET,
  WEBHOOK_SECRET_PREVIOUS: WEBHOOK_SECRET,
  WEBHOOK_SECRET_GRACE_MINUTES: String(GRACE_SECONDS / 60),
};

const post = async (url: string, body: string, signature: string): Promise<number> =>
  (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-spark-signature': signature }, body })).status;

describe('Rotating TOKEN_ENCRYPTION_KEY and WEBHOOK_SECRET while parks go on', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;
  let ritasCard: SimMessage;
  let globexCard: SimMessage;
  /** Deliveries Webex could not make while the bot restarted, signed with the old secret: it would send them again. */
  let inFlight: { tap: SimDelivery; callEvent: SimDelivery };
  let restartedAt: { before: number; ready: number };

  /** Each linked person's stored tokens: which key opens them. */
  async function sealedWith(person: TestPerson): Promise<'old' | 'new' | 'neither'> {
    const store = new SqliteStore(world.databaseFile);
    try {
      const account = await store.account(person.id);
      assert.ok(account, `${person.name} is still linked`);
      const opens = (key: Buffer) => [account.sealedAccessToken, account.sealedRefreshToken].every((sealed) => {
        try {
          new TokenCipher(key).open(sealed);
          return true;
        } catch {
          return false;
        }
      });
      return opens(NEW_KEY) ? 'new' : opens(OLD_KEY) ? 'old' : 'neither';
    } finally {
      await store.close();
    }
  }

  /** Stores the person's tokens sealed under the old key again: as an account the bot has not reached, or one restored from a backup. */
  async function sealUnderOldKey(person: TestPerson): Promise<void> {
    const store = new SqliteStore(world.databaseFile);
    try {
      const account = await store.account(person.id);
      assert.ok(account);
      const reader = new TokenCipher(NEW_KEY, [OLD_KEY]);
      const old = new TokenCipher(OLD_KEY);
      await store.saveAccount({ ...account, sealedAccessToken: old.seal(reader.open(account.sealedAccessToken)), sealedRefreshToken: old.seal(reader.open(account.sealedRefreshToken)) });
    } finally {
      await store.close();
    }
  }

  /** `npm run rekey`'s entry, with the bot's settings, while the bot runs. */
  async function runRekey(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'ops', 'rekey.ts')], {
      cwd: join(__dirname, '..', '..'),
      env: {
        PATH: process.env.PATH ?? '',
        WEBEX_BOT_TOKEN: world.botToken,
        PUBLIC_URL: world.botUrl,
        WEBEX_CLIENT_ID: 'client',
        WEBEX_CLIENT_SECRET: 'secret',
        DATABASE_URL: `sqlite:${world.databaseFile}`,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, output };
  }

  async function metric(line: RegExp): Promise<number> {
    const text = await (await fetch(`${world.botUrl}/metrics`)).text();
    return Number(text.split('\n').find((l) => line.test(l))?.split(' ').at(-1) ?? 0);
  }

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya'], { env: { TOKEN_ENCRYPTION_KEY: OLD_KEY.toString('base64') } }));
    await Promise.all([rita, sam, priya].map((person) => world.callEventsWatched(person)));
    // The test waits out the grace period with a call parked: it must not ring back meanwhile.
    world.sim.telephony.recallMs = 10 * 60_000;
  });

  after(async () => {
    await world?.close();
  });

  it('parks under the old key and secret; while the bot restarts, Webex keeps signing with the old secret', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    ritasCard = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    assert.match(cardText(ritasCard), /Acme Corp/);
    assert.equal(await sealedWith(sam), 'old');

    assert.equal(await world.bot.stop(), 0);
    // Sam taps Retrieve, and a new call rings Rita, while no instance is up: Webex cannot deliver either yet.
    const sent = world.sim.webhooks.deliveries.length;
    await world.tap(sam, ritasCard);
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Globex' } });
    await world.sim.webhooks.settled();
    const failed = world.sim.webhooks.deliveries.slice(sent).filter((d) => d.status === 'error');
    const tap = failed.find((d) => d.resource === 'attachmentActions');
    const callEvent = failed.find((d) => d.resource === 'telephony_calls' && world.callWebhooks(rita).some((w) => w.id === d.webhookId));
    assert.ok(tap && callEvent, 'both deliveries were attempted and failed');
    assert.equal(tap.signature, signBody(tap.body, WEBHOOK_SECRET), 'signed with the old secret');
    inFlight = { tap, callEvent };
  });

  it('restarts with a new key and secret, the old ones as previous: the deliveries in flight are taken, and nobody links again', async function () {
    this.timeout(GRACE_SECONDS * 1000);
    const dms = [rita, sam, priya].map((person) => world.directSpace(person));
    const dmsSeen = dms.map((dm) => world.seenIn(dm));
    restartedAt = { before: Date.now(), ready: 0 };
    await world.bot.start(ROTATED);
    restartedAt.ready = Date.now();
    assert.ok(restartedAt.ready - restartedAt.before < (GRACE_SECONDS * 1000) / 2, 'the restart left time in the grace period to test in');

    // Webex sends the tap again, still signed with the old secret: it is accepted and Sam gets the call.
    const retrieved = await world.expectBotMessage(frontDesk, async () => assert.equal(await post(`${world.botUrl}/webhook`, inFlight.tap.body, inFlight.tap.signature ?? ''), 200));
    assert.match(cardText(retrieved), /Retrieved by Sam Sales/);
    assert.equal(world.callControl('/retrieve').at(-1)?.personId, sam.id, 'with Sam’s own token, sealed under the old key');
    const callEventUrl = world.sim.org.webhooks.get(inFlight.callEvent.webhookId)?.targetUrl ?? '';
    assert.equal(await post(callEventUrl, inFlight.callEvent.body, inFlight.callEvent.signature ?? ''), 200, 'Rita’s call event, signed with her secret derived from the old one');
    // Two, or more where Webex's own retries of the deliveries it could not make also arrived in time.
    assert.ok((await metric(/^parkbot_webhook_signatures_total\{secret="previous"\}/)) >= 2, 'both counted as signed with the previous secret');

    // Rita parks the call that rang meanwhile: no prompt to link again.
    globexCard = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    assert.match(cardText(globexCard), /Globex/);
    dms.forEach((dm, index) => assert.deepEqual(world.botMessages(dm).filter((m) => !dmsSeen[index]?.has(m.id)), [], 'nobody was written to privately (no link prompt)'));
  });

  it("moves the bot's and everyone's webhooks to the new secret, and seals everyone's tokens under the new key as they are used", async () => {
    const botWebhooks = [...world.sim.org.webhooks.values()].filter((w) => w.createdBy === world.botPerson.id);
    assert.equal(botWebhooks.length, 2);
    assert.ok(botWebhooks.every((w) => w.secret === NEW_SECRET), 'the bot’s webhooks are signed with the new secret');
    for (const person of [rita, sam, priya]) {
      await waitFor(`${person.name}'s call events webhooks on the new secret`, () =>
        world.callWebhooks(person).every((w) => w.secret === personalSecret(NEW_SECRET, w.targetUrl.split('/').at(-1) ?? '')),
      );
      // Checking a person's webhook uses their token, so every linked person is re-sealed soon after start.
      await waitFor(`${person.name}'s tokens sealed under the new key`, async () => (await sealedWith(person)) === 'new');
    }
    const sinceRestart = world.sim.webhooks.deliveries.filter((d) => d.at >= restartedAt.ready);
    assert.ok(sinceRestart.length > 0);
    assert.deepEqual(sinceRestart.filter((d) => d.status !== 200), [], 'no delivery was refused');
  });

  it('npm run rekey seals what is left under old keys, while the bot runs, and prints counts only', async () => {
    await sealUnderOldKey(priya);
    const { code, output } = await runRekey(ROTATED);
    assert.equal(code, 0, output);
    assert.match(output, /1 re-sealed under TOKEN_ENCRYPTION_KEY, 2 already current, 0 unreadable/);
    assert.equal(await sealedWith(priya), 'new');
    for (const secret of [...world.sim.org.tokens.keys(), OLD_KEY.toString('base64'), NEW_KEY.toString('base64')]) assert.ok(!output.includes(secret), 'a token or key printed');
  });

  it('refuses deliveries signed with the old secret once the grace period is over, and keeps taking the new ones', async function () {
    this.timeout((GRACE_SECONDS + 20) * 1000);
    await sleep(Math.max(0, restartedAt.ready + GRACE_SECONDS * 1000 + 500 - Date.now()));

    const fresh = JSON.stringify({ ...JSON.parse(inFlight.tap.body), id: 'A_NEW_DELIVERY_ID' });
    assert.equal(await post(`${world.botUrl}/webhook`, fresh, signBody(fresh, WEBHOOK_SECRET)), 401);
    assert.equal(await post(`${world.botUrl}/webhook`, inFlight.tap.body, inFlight.tap.signature ?? ''), 401);
    const callEventUrl = world.sim.org.webhooks.get(inFlight.callEvent.webhookId)?.targetUrl ?? '';
    const key = callEventUrl.split('/').at(-1) ?? '';
    assert.equal(await post(callEventUrl, inFlight.callEvent.body, signBody(inFlight.callEvent.body, personalSecret(WEBHOOK_SECRET, key))), 401);
    assert.equal(await metric(/^parkbot_webhook_rejections_total\{reason="previous-secret-expired"\}/), 3);
    assert.equal(await post(`${world.botUrl}/webhook`, fresh, signBody(fresh, NEW_SECRET)), 200, 'the new secret works');

    // And parks go on, signed with the new secret.
    const taken = await world.expectBotMessage(frontDesk, () => world.tap(priya, globexCard));
    assert.match(cardText(taken), /Retrieved by Priya Support/);
  });

  it('counts a token only a removed old key opens as an expired link: that person is asked to link again, everyone else carries on', async () => {
    await sealUnderOldKey(priya);
    assert.equal(await world.bot.stop(), 0);
    await world.bot.start({ TOKEN_ENCRYPTION_KEY: NEW_KEY.toString('base64'), WEBHOOK_SECRET: NEW_SECRET });

    const priyaDm = world.directSpace(priya);
    world.sim.telephony.placeIncomingCall({ toPersonId: priya.id, from: { name: 'Initech' } });
    const withCard = (m: SimMessage): boolean => Boolean(m.attachments?.length);
    const prompt = await world.expectBotMessage(priyaDm, () => world.say(priya, frontDesk, 'park'), 'the relink prompt', withCard);
    assert.match(cardText(prompt), /Your Webex link has expired/);
    assert.ok(linkUrlIn(prompt));

    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Hooli' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'Rita’s card', (m) => withCard(m) && /Hooli/.test(cardText(m)));
    assert.match(cardText(card), /Hooli/);
    for (const key of [OLD_KEY.toString('base64'), NEW_KEY.toString('base64'), NEW_SECRET, WEBHOOK_SECRET]) assert.ok(!world.bot.output.includes(key), 'a key or secret in the logs');
  });
});
