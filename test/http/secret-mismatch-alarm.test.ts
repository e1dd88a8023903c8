import { strict as assert } from 'node:assert';
import { SecretMismatchAlarm } from '../../src/http/secret-mismatch-alarm.js';
import { Metrics } from '../../src/ops/metrics.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('the webhook secret mismatch alarm', () => {
  let now: number;
  let metrics: Metrics;
  let log: ReturnType<typeof memoryLogger>;
  let alarm: SecretMismatchAlarm;
  const alarms = () => log.text().split('\n').filter((line) => line.includes('"webhook-secret-mismatch"')).length;
  const fail = (client: string, times: number, reason = 'bad-signature') => {
    for (let i = 0; i < times; i += 1) alarm.refused(client, reason);
  };

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    metrics = new Metrics();
    log = memoryLogger();
    alarm = new SecretMismatchAlarm(metrics, log.logger, { failures: 10, windowMs: 60_000, trustMs: 60 * 60_000, quietMs: 10 * 60_000 }, () => now);
  });

  it('says once when an address that signs correctly keeps failing, and again only after a quiet spell', async () => {
    alarm.signed('webex');
    fail('webex', 9);
    assert.equal(alarms(), 0, 'a few failures are no alarm');
    fail('webex', 1);
    assert.equal(alarms(), 1);
    now += 5 * 60_000;
    fail('webex', 50);
    assert.equal(alarms(), 1, 'not one per delivery while it goes on');
    now += 10 * 60_000;
    alarm.signed('webex');
    fail('webex', 10);
    assert.equal(alarms(), 2, 'again after a quiet spell');
    assert.match(await metrics.registry.metrics(), /parkbot_webhook_secret_mismatch_alarms_total 2/);
  });

  it('ignores addresses that never signed correctly, other refusals, and failures spread thin', () => {
    fail('stranger', 100);
    alarm.signed('webex');
    fail('webex', 100, 'unknown-webhook');
    for (let i = 0; i < 20; i += 1) {
      now += 61_000;
      fail('webex', 5);
    }
    assert.equal(alarms(), 0);
    fail('webex', 10, 'previous-secret-expired');
    assert.equal(alarms(), 1, 'a rotation’s grace over before the webhooks moved counts too');
  });
});
