import { strict as assert } from 'node:assert';
import { signBody } from '../../src/webhooks/signature.js';
import { WebhookSecrets, type SecretUse } from '../../src/webhooks/webhook-secrets.js';
import { personalSecret } from '../../src/webhooks/call-event-subscriptions.js';
import { memoryLogger } from '../support/memory-logger.js';

const CURRENT = 'the-current-webhook-secret';
const PREVIOUS = 'the-previous-webhook-secret';
const NEXT = 'the-next-webhook-secret';
const body = Buffer.from('{"id":"W1"}');
const HOUR = 60 * 60_000;

/** The store's deadlines, shared like a database between "instances". */
function deadlines(): { deadline(name: string, proposedMs: number): Promise<number>; names: Map<string, number> } {
  const names = new Map<string, number>();
  return {
    names,
    deadline: async (name, proposedMs) => {
      if (!names.has(name)) names.set(name, proposedMs);
      return names.get(name) as number;
    },
  };
}

describe('webhook secrets during a rotation', () => {
  let now: number;
  let accepted: SecretUse[];
  const secrets = (settings: { previous?: string; next?: string } = {}) => new WebhookSecrets({ current: CURRENT, graceMs: HOUR, ...settings }, (use) => accepted.push(use), () => now);

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    accepted = [];
  });

  it('accepts the current secret only, without a rotation', async () => {
    const only = secrets();
    await only.startGrace(deadlines(), memoryLogger().logger);
    assert.deepEqual(only.verify(body, signBody(body, CURRENT)), { ok: true, signedWith: 'current' });
    assert.deepEqual(only.verify(body, signBody(body, PREVIOUS)), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(only.verify(body, undefined), { ok: false, reason: 'no-signature' });
    assert.deepEqual(accepted, ['current']);
  });

  it('accepts the previous secret until the grace period ends, then refuses it, and counts which secret signed', async () => {
    const rotating = secrets({ previous: PREVIOUS });
    await rotating.startGrace(deadlines(), memoryLogger().logger);
    assert.deepEqual(rotating.verify(body, signBody(body, PREVIOUS)), { ok: true, signedWith: 'previous' });
    assert.deepEqual(rotating.verify(body, signBody(body, CURRENT)), { ok: true, signedWith: 'current' });
    now += HOUR - 1;
    assert.equal(rotating.verify(body, signBody(body, PREVIOUS)).ok, true);
    now += 1;
    assert.deepEqual(rotating.verify(body, signBody(body, PREVIOUS)), { ok: false, reason: 'previous-secret-expired' });
    assert.deepEqual(rotating.verify(body, signBody(body, 'some-other-secret-entirely')), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(accepted, ['previous', 'current', 'previous']);
  });

  it('refuses the previous secret until the grace period is known', () => {
    assert.equal(secrets({ previous: PREVIOUS }).verify(body, signBody(body, PREVIOUS)).ok, false);
  });

  it('starts the grace period once, at the first start with the pair: later instances and restarts end it at the same moment', async () => {
    const store = deadlines();
    const { logger, text } = memoryLogger();
    const first = secrets({ previous: PREVIOUS });
    await first.startGrace(store, logger);
    now += HOUR / 2;
    const restarted = secrets({ previous: PREVIOUS });
    await restarted.startGrace(store, logger);
    assert.equal(restarted.graceEndsAt, first.graceEndsAt);
    now += HOUR / 2;
    const late = secrets({ previous: PREVIOUS });
    await late.startGrace(store, logger);
    assert.equal(late.verify(body, signBody(body, PREVIOUS)).ok, false, 'a restart after the grace period does not start another');
    assert.match(text(), /grace period ended/);
    for (const name of store.names.keys()) assert.ok(!name.includes(PREVIOUS) && !name.includes(CURRENT), 'no secret in the store');
    for (const secret of [PREVIOUS, CURRENT]) assert.ok(!text().includes(secret), 'no secret in the logs');
    const nextRotation = new WebhookSecrets({ current: 'yet-another-new-secret', previous: CURRENT, graceMs: HOUR }, () => {}, () => now);
    await nextRotation.startGrace(store, logger);
    assert.equal(nextRotation.verify(body, signBody(body, CURRENT)).ok, true, 'the next rotation has a grace period of its own');
  });

  it('always accepts the next secret, never registered yet', async () => {
    const learning = secrets({ next: NEXT });
    await learning.startGrace(deadlines(), memoryLogger().logger);
    now += 30 * 24 * HOUR;
    assert.deepEqual(learning.verify(body, signBody(body, NEXT)), { ok: true, signedWith: 'next' });
    assert.equal(learning.current, CURRENT);
  });

  it("checks people's own secrets, derived from each accepted secret", async () => {
    const rotating = secrets({ previous: PREVIOUS });
    await rotating.startGrace(deadlines(), memoryLogger().logger);
    const derive = (secret: string) => personalSecret(secret, 'KEY1');
    assert.deepEqual(rotating.verify(body, signBody(body, personalSecret(PREVIOUS, 'KEY1')), derive), { ok: true, signedWith: 'previous' });
    assert.deepEqual(rotating.verify(body, signBody(body, personalSecret(CURRENT, 'KEY1')), derive), { ok: true, signedWith: 'current' });
    assert.equal(rotating.verify(body, signBody(body, personalSecret(CURRENT, 'KEY2')), derive).ok, false, "another person's secret");
    assert.equal(rotating.verify(body, signBody(body, PREVIOUS), derive).ok, false, 'the bot secret itself is not a person’s');
  });
});
