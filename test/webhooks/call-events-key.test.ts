import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOldFormKey, isSelfCheckingKey, keyBelongsTo, mintCallEventsKey } from '../../src/webhooks/call-events-key.js';
import { CallEventSubscriptions } from '../../src/webhooks/call-event-subscriptions.js';
import { WebhookSecrets } from '../../src/webhooks/webhook-secrets.js';
import { DatabaseUnavailableError } from '../../src/storage/database-gate.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { Metrics } from '../../src/ops/metrics.js';
import type { TokenVault } from '../../src/auth/token-vault.js';
import type { WebhooksApi } from '../../src/webex/webhooks-api.js';
import type { Store } from '../../src/storage/store.js';
import { memoryLogger } from '../support/memory-logger.js';

const CURRENT = 'the-current-webhook-secret';
const PREVIOUS = 'the-previous-webhook-secret';
const NEXT = 'the-next-webhook-secret';
const HOUR = 60 * 60_000;

describe('call-events keys that check themselves', () => {
  it('names its person under the secret it was made with, and no one else, never containing their id', () => {
    const key = mintCallEventsKey(CURRENT, 'RITA');
    assert.ok(isSelfCheckingKey(key));
    assert.ok(!key.includes('RITA'));
    assert.ok(keyBelongsTo(key, 'RITA', [CURRENT]));
    assert.ok(!keyBelongsTo(key, 'SAM', [CURRENT]), 'another person');
    assert.ok(!keyBelongsTo(key, 'RITA', [PREVIOUS]), 'another secret');
    assert.ok(keyBelongsTo(key, 'RITA', [PREVIOUS, CURRENT]), 'any of several');
    assert.notEqual(mintCallEventsKey(CURRENT, 'RITA'), key, 'a fresh nonce each time');
  });

  it('refuses a tampered tag, a nonce of another key, and keys of the old form', () => {
    const key = mintCallEventsKey(CURRENT, 'RITA');
    const [nonce = '', tag = ''] = key.split('.');
    const flipped = `${nonce}.${tag[0] === 'A' ? 'B' : 'A'}${tag.slice(1)}`;
    assert.ok(!keyBelongsTo(flipped, 'RITA', [CURRENT]));
    const other = mintCallEventsKey(CURRENT, 'RITA');
    assert.ok(!keyBelongsTo(`${other.split('.')[0]}.${tag}`, 'RITA', [CURRENT]));
    const oldForm = 'abcdefghijklmnopqrstuvwx';
    assert.ok(isOldFormKey(oldForm) && !isSelfCheckingKey(oldForm));
    assert.ok(!keyBelongsTo(oldForm, 'RITA', [CURRENT]));
    assert.ok(!isOldFormKey('guess-1') && !isSelfCheckingKey('guess-1'));
  });

  it('is accepted under the next secret, and under the previous one until the grace period ends', async () => {
    let now = Date.UTC(2026, 0, 1);
    const secrets = new WebhookSecrets({ current: CURRENT, previous: PREVIOUS, next: NEXT, graceMs: HOUR }, () => undefined, () => now);
    await secrets.startGrace({ deadline: async (_name, proposed) => proposed }, memoryLogger().logger);
    const underPrevious = mintCallEventsKey(PREVIOUS, 'RITA');
    const underNext = mintCallEventsKey(NEXT, 'RITA');
    assert.ok(keyBelongsTo(underPrevious, 'RITA', secrets.acceptedNow()));
    assert.ok(keyBelongsTo(underNext, 'RITA', secrets.acceptedNow()));
    now += HOUR;
    assert.ok(!keyBelongsTo(underPrevious, 'RITA', secrets.acceptedNow()), 'the grace period is over');
    assert.ok(keyBelongsTo(underNext, 'RITA', secrets.acceptedNow()));
  });
});

describe('whose a call-events address is, with and without the database', () => {
  let dir: string;
  let store: SqliteStore;
  let databaseAway: boolean;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    store = new SqliteStore(join(dir, 'bot.db'));
    databaseAway = false;
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh instance (nothing in memory) on `store`, whose database can be taken away. */
  function instance(): CallEventSubscriptions {
    const away = <T>(op: () => Promise<T>): Promise<T> => (databaseAway ? Promise.reject(new DatabaseUnavailableError('stopped')) : op());
    const gated = new Proxy(store, {
      get: (target, name, receiver) => {
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? (...args: unknown[]) => away(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) : value;
      },
    }) as Store;
    return new CallEventSubscriptions(
      { publicUrl: 'https://bot.example', webhookSecret: CURRENT, acceptedSecrets: () => [CURRENT], subscriptionNow: (id) => gated.subscription(id) },
      gated,
      {} as TokenVault,
      {} as WebhooksApi,
      new Metrics(),
      memoryLogger().logger,
    );
  }

  it('a key of the current form: its person only; unlinked with the database up; unchecked but theirs with it away', async () => {
    const key = mintCallEventsKey(CURRENT, 'RITA');
    await store.openSubscription('RITA', key);
    const sender = await instance().senderFor(key);
    assert.ok(sender);
    assert.equal(await sender.ownership('RITA'), 'owner');
    assert.equal(await sender.ownership('SAM'), 'someone-else');
    databaseAway = true;
    const fresh = await instance().senderFor(key);
    assert.equal(await fresh?.ownership('RITA'), 'unchecked', 'taken, and checked against the store when acted on');
    assert.equal(await fresh?.ownership('SAM'), 'someone-else', 'still no one else’s, without the database');
    databaseAway = false;
    await store.deleteSubscription('RITA');
    assert.equal(await sender.ownership('RITA'), 'unlinked');
  });

  it('a key of the old form: through the database only, and refused by a fresh instance while it is away', async () => {
    const key = 'abcdefghijklmnopqrstuvwx';
    await store.openSubscription('RITA', key);
    assert.equal(await (await instance().senderFor(key))?.ownership('RITA'), 'owner');
    assert.equal(await instance().senderFor('bcdefghijklmnopqrstuvwxy'), undefined, 'an address no one was given');
    databaseAway = true;
    await assert.rejects(instance().senderFor(key), DatabaseUnavailableError);
  });
});
