import { strict as assert } from 'node:assert';
import type { ParkedCall, Store } from '../../src/storage/store.js';
import { runAttempt, SupersededError, type Attempt } from '../../src/fence.js';
import { keepHouse } from '../../src/calls/housekeeping.js';
import { keepReportTallies } from '../../src/report/gather.js';
import { emptyTally } from '../../src/report/figures.js';
import { spaceSummary } from '../../src/report/gather.js';
import { periodOf } from '../../src/report/period.js';

const waiting = (id: string, roomId = 'ROOM'): ParkedCall => ({
  id,
  roomId,
  parkedBy: { personId: 'RITA', name: 'Rita' },
  caller: { name: 'Acme' },
  parkedAgainst: { number: '1000' },
  state: 'waiting',
  parkedAt: new Date(Date.now() + Number(id.slice(-1) || 0)).toISOString(),
});

export interface StoreUnderTest {
  store: Store;
  /** Opens the same database again, as a restarted instance would. */
  reopen: () => Promise<Store>;
  cleanUp: () => Promise<void>;
}

/** What every Store must do, whatever the database: run against each implementation. */
export function storeContract(open: () => Promise<StoreUnderTest | undefined>): void {
  let store: Store;
  let reopen: () => Promise<Store>;
  let cleanUp: () => Promise<void>;

  beforeEach(async function () {
    const opened = await open();
    if (!opened) return this.skip();
    ({ store, reopen, cleanUp } = opened);
  });
  afterEach(async () => {
    await store?.close();
    await cleanUp?.();
  });

  it('lets exactly one of many claims take a waiting call', async () => {
    await store.saveParkedCall(waiting('call-1'));
    const claims = await Promise.all(['A', 'B', 'C', 'D'].map((who) => store.claimForRetrieve('call-1', who, `tap-${who}`, Date.now(), 60_000)));
    assert.equal(claims.filter(Boolean).length, 1);
    assert.equal((await store.parkedCall('call-1'))?.state, 'retrieving');
  });

  it('gives a call back to everyone when a retrieve fails, and lets a stale claim lapse', async () => {
    await store.saveParkedCall(waiting('call-1'));
    const t0 = Date.now();
    assert.ok(await store.claimForRetrieve('call-1', 'A', 'tap-A', t0, 60_000));
    assert.equal(await store.claimForRetrieve('call-1', 'B', 'tap-B', t0 + 1000, 60_000), false);
    await store.moveParkedCall('call-1', { from: ['retrieving'], to: 'waiting', changes: {}, claimedBy: 'A' });
    assert.ok(await store.claimForRetrieve('call-1', 'B', 'tap-B', t0 + 2000, 60_000));
    assert.ok(await store.claimForRetrieve('call-1', 'C', 'tap-C', t0 + 62_001, 60_000), 'B died holding the claim; after the lease C may try');
  });

  it('rings only for the claim holder, and ends the ring only for the call that rings', async () => {
    await store.saveParkedCall(waiting('call-1'));
    await store.claimForRetrieve('call-1', 'SAM', 'tap-SAM', Date.now(), 60_000);
    const ringing = (personId: string, name: string) => ({
      from: ['retrieving' as const],
      to: 'ringing' as const,
      changes: { ringingFor: { personId, name }, handedCallId: 'NEW-CALL' },
      claimedBy: personId,
    });
    assert.equal(await store.moveParkedCall('call-1', ringing('MALLORY', 'Mallory')), false);
    assert.equal((await store.parkedCall('call-1'))?.state, 'retrieving');
    assert.equal(await store.moveParkedCall('call-1', ringing('SAM', 'Sam')), true);
    assert.equal((await store.parkedCallByHandedCall('NEW-CALL'))?.id, 'call-1', 'the call Webex started for the retrieve is known as the bot’s');
    assert.equal(await store.parkedCallByHandedCall('OTHER-CALL'), undefined);
    assert.deepEqual((await store.openParkedBefore('2100-01-01T00:00:00.000Z')).map((c) => c.id), ['call-1'], 'a ringing call may still expire');
    const answered = (handedCallId: string) => ({
      from: ['ringing' as const],
      to: 'retrieved' as const,
      changes: { retrievedBy: { personId: 'SAM', name: 'Sam' }, retrievedAt: '2026-11-23T10:00:00.000Z' },
      handedCallId,
      closedAtMs: Date.now(),
    });
    assert.equal(await store.moveParkedCall('call-1', answered('OLD-CALL')), false, 'another call’s event');
    assert.equal(await store.moveParkedCall('call-1', answered('NEW-CALL')), true);
    const call = await store.parkedCall('call-1');
    assert.equal(call?.state, 'retrieved');
    assert.deepEqual(call?.retrievedBy, { personId: 'SAM', name: 'Sam' });
    assert.equal(call?.claim, undefined);
  });

  it('lists only the waiting calls of a space, oldest first, with their card', async () => {
    await store.saveParkedCall(waiting('call-2'));
    await store.saveParkedCall(waiting('call-1'));
    await store.saveParkedCall(waiting('call-3', 'OTHER'));
    await store.attachCard('call-1', 'CARD-1');
    await store.claimForRetrieve('call-2', 'A', 'tap-A', Date.now(), 60_000);
    const list = await store.waitingInRoom('ROOM');
    assert.deepEqual(list.map((c) => [c.id, c.cardMessageId]), [['call-1', 'CARD-1']]);
  });

  it('says which calls are owed a card since when (the first time stands) until a card is attached, past parking', async () => {
    await store.saveParkedCall(waiting('call-1'));
    await store.saveParkedCall(waiting('call-2'));
    await store.saveParkedCall({ ...waiting('call-3'), state: 'parking' });
    await store.oweCard('call-1', '2026-11-29T10:00:00.000Z');
    await store.oweCard('call-1', '2026-11-29T10:30:00.000Z');
    await store.oweCard('call-2', '2026-11-29T09:00:00.000Z');
    await store.oweCard('call-3', '2026-11-29T10:00:00.000Z');
    assert.deepEqual((await store.owedCards('2026-11-29T09:30:00.000Z')).map((c) => [c.id, c.cardOwedAt]), [['call-1', '2026-11-29T10:00:00.000Z']]);
    assert.deepEqual((await store.owedCards('2026-11-29T08:00:00.000Z')).map((c) => c.id).sort(), ['call-1', 'call-2']);
    await store.attachCard('call-1', 'CARD-1');
    assert.deepEqual((await store.owedCards('2026-11-29T08:00:00.000Z')).map((c) => c.id), ['call-2']);
    assert.equal((await store.parkedCall('call-1'))?.cardOwedAt, undefined);
  });

  it('keeps everything across a restart', async () => {
    await store.saveParkedCall(waiting('call-1'));
    await store.saveAccount({ personId: 'RITA', displayName: 'Rita', sealedAccessToken: 'v1.a', sealedRefreshToken: 'v1.b', accessExpiresAt: 1, scope: 's', linkedAt: 'now' });
    await store.close();
    store = await reopen();
    assert.equal((await store.parkedCall('call-1'))?.state, 'waiting');
    assert.equal((await store.account('RITA'))?.sealedRefreshToken, 'v1.b');
  });

  it('re-seals tokens only while they are still the ones read: a refresh saved meanwhile wins', async () => {
    const account = { personId: 'RITA', displayName: 'Rita', sealedAccessToken: 'v1.old-a', sealedRefreshToken: 'v1.old-r', accessExpiresAt: 1, scope: 's', linkedAt: 'now' };
    await store.saveAccount(account);
    const resealed = { sealedAccessToken: 'v1.new-a', sealedRefreshToken: 'v1.new-r' };
    assert.equal(await store.resealAccount('RITA', account, resealed), true);
    assert.deepEqual(await store.account('RITA'), { ...account, ...resealed });
    await store.saveAccount({ ...account, sealedAccessToken: 'v1.refreshed-a', sealedRefreshToken: 'v1.refreshed-r', accessExpiresAt: 2 });
    assert.equal(await store.resealAccount('RITA', resealed, { sealedAccessToken: 'v1.x', sealedRefreshToken: 'v1.y' }), false);
    assert.equal((await store.account('RITA'))?.sealedAccessToken, 'v1.refreshed-a');
    assert.equal(await store.resealAccount('NOBODY', resealed, resealed), false);
  });

  it('records a deadline once: every instance and restart gets the first one', async () => {
    const other = await reopen();
    try {
      const firsts = await Promise.all([store.deadline('grace', 1_000), other.deadline('grace', 2_000)]);
      assert.equal(firsts[0], firsts[1]);
      assert.ok(firsts[0] === 1_000 || firsts[0] === 2_000);
      assert.equal(await other.deadline('grace', 5_000), firsts[0]);
      assert.equal(await store.deadline('another', 7_000), 7_000);
    } finally {
      await other.close();
    }
  });

  it('hands out a link state once, and never after it expires', async () => {
    const now = Date.now();
    await store.saveLinkState({ id: 'S1', personId: 'RITA', codeVerifier: 'v', expiresAt: now + 1000 });
    await store.saveLinkState({ id: 'S2', personId: 'RITA', codeVerifier: 'v', expiresAt: now + 1000 });
    assert.equal((await store.takeLinkState('S1', now))?.personId, 'RITA');
    assert.equal(await store.takeLinkState('S1', now), undefined);
    assert.equal(await store.linkState('S2', now + 2000), undefined);
    assert.equal(await store.takeLinkState('S2', now + 2000), undefined);
  });

  it('forgets every link state of one person, and only theirs (unlink)', async () => {
    const now = Date.now();
    await store.saveLinkState({ id: 'S1', personId: 'SAM', codeVerifier: 'v', expiresAt: now + 1000 });
    await store.saveLinkState({ id: 'S2', personId: 'SAM', codeVerifier: 'v', expiresAt: now + 1000 });
    await store.saveLinkState({ id: 'R1', personId: 'RITA', codeVerifier: 'v', expiresAt: now + 1000 });
    assert.equal(await store.deleteLinkStates('SAM'), 2);
    assert.equal(await store.linkState('S1', now), undefined);
    assert.equal(await store.takeLinkState('S2', now), undefined);
    assert.equal((await store.linkState('R1', now))?.personId, 'RITA');
    assert.equal(await store.deleteLinkStates('SAM'), 0);
  });

  it('finds the calls one person is retrieving: claimed by them, or ringing their phone', async () => {
    for (const id of ['call-1', 'call-2', 'call-3', 'call-4']) await store.saveParkedCall(waiting(id));
    await store.claimForRetrieve('call-1', 'SAM', 'tap-1', Date.now(), 60_000);
    await store.claimForRetrieve('call-2', 'SAM', 'tap-2', Date.now(), 60_000);
    await store.moveParkedCall('call-2', { from: ['retrieving'], to: 'ringing', changes: { ringingFor: { personId: 'SAM', name: 'Sam' }, handedCallId: 'C2' }, claimedBy: 'SAM' });
    await store.claimForRetrieve('call-3', 'PRIYA', 'tap-3', Date.now(), 60_000);
    const sams = await store.retrievesBy('SAM');
    assert.deepEqual(
      sams.map((call) => [call.id, call.state]),
      [
        ['call-1', 'retrieving'],
        ['call-2', 'ringing'],
      ],
    );
    await store.moveParkedCall('call-2', { from: ['ringing'], to: 'retrieved', changes: {}, handedCallId: 'C2', closedAtMs: Date.now() });
    assert.deepEqual((await store.retrievesBy('SAM')).map((call) => call.id), ['call-1'], 'a retrieve that ended is not in flight');
    assert.deepEqual((await store.retrievesBy('PRIYA')).map((call) => call.id), ['call-3']);
    // Call 4 rang Sam, who did not answer; now Priya is taking it: hers, not his.
    await store.claimForRetrieve('call-4', 'SAM', 'tap-4', Date.now(), 60_000);
    await store.moveParkedCall('call-4', { from: ['retrieving'], to: 'ringing', changes: { ringingFor: { personId: 'SAM', name: 'Sam' }, handedCallId: 'C4' }, claimedBy: 'SAM' });
    await store.moveParkedCall('call-4', { from: ['ringing'], to: 'waiting', changes: {}, handedCallId: 'C4' });
    await store.claimForRetrieve('call-4', 'PRIYA', 'tap-5', Date.now(), 60_000);
    assert.deepEqual((await store.retrievesBy('SAM')).map((call) => call.id), ['call-1']);
    assert.deepEqual((await store.retrievesBy('PRIYA')).map((call) => call.id), ['call-3', 'call-4']);
  });

  it('lets the same event take up its claim again after a crash, but no other tap', async () => {
    await store.saveParkedCall(waiting('call-1'));
    const t0 = Date.now();
    assert.ok(await store.claimForRetrieve('call-1', 'SAM', 'tap-1', t0, 60_000));
    assert.equal(await store.claimForRetrieve('call-1', 'SAM', 'tap-2', t0 + 10, 60_000), false, 'Sam tapping twice is two taps');
    assert.ok(await store.claimForRetrieve('call-1', 'SAM', 'tap-1', t0 + 20, 60_000), 'the replay of tap-1 resumes');
    assert.equal((await store.parkedCall('call-1'))?.claim?.key, 'tap-1');
  });

  it('records the outcome of a park started before a crash', async () => {
    await store.saveParkedCall({ ...waiting('call-1'), state: 'parking', callId: 'CALL', parkedAgainst: { number: '' } });
    assert.deepEqual(await store.waitingInRoom('ROOM'), [], 'a park in progress is not listed');
    await store.moveParkedCall('call-1', { from: ['parking'], to: 'waiting', changes: { parkedAgainst: { number: '2001', name: 'Rita' } } });
    const call = await store.parkedCall('call-1');
    assert.equal(call?.state, 'waiting');
    assert.deepEqual(call?.parkedAgainst, { number: '2001', name: 'Rita' });
    assert.equal(call?.callId, 'CALL');
  });

  it('replaces a changed field whole: a park moved to another call keeps nothing of the first caller', async () => {
    await store.saveParkedCall({ ...waiting('call-1'), state: 'parking', callId: 'STALE', caller: { name: 'Gone', number: '+15550002' }, parkedAgainst: { number: '' } });
    assert.ok(await store.moveParkedCall('call-1', { from: ['parking'], to: 'parking', changes: { callId: 'REAL', caller: { name: 'Withheld number' } } }));
    const call = await store.parkedCall('call-1');
    assert.equal(call?.callId, 'REAL');
    assert.deepEqual(call?.caller, { name: 'Withheld number' });
  });

  it('finds calls by park number and state, and by age, and never moves a closed one again', async () => {
    await store.saveParkedCall({ ...waiting('call-1'), caller: { name: 'Acme', number: '+15550100' }, parkedAt: '2026-11-23T10:00:00.000Z' });
    await store.saveParkedCall({ ...waiting('call-2', 'OTHER'), parkedAgainst: { number: '2001' }, parkedAt: '2026-11-23T10:05:00.000Z' });
    assert.deepEqual((await store.parkedOnNumber('1000', ['waiting'])).map((c) => c.id), ['call-1']);
    assert.deepEqual((await store.openParkedBefore('2026-11-23T10:01:00.000Z')).map((c) => c.id), ['call-1']);
    assert.ok(await store.moveParkedCall('call-1', { from: ['waiting'], to: 'rang-back', changes: {}, closedAtMs: Date.now() }));
    assert.equal(await store.moveParkedCall('call-1', { from: ['waiting'], to: 'expired', changes: {} }), false);
    assert.deepEqual(await store.parkedOnNumber('1000', ['waiting']), []);
    assert.deepEqual((await store.parkedOnNumber('1000', ['waiting', 'rang-back'])).map((c) => c.id), ['call-1']);
    assert.equal((await store.parkedCall('call-1'))?.state, 'rang-back');
  });

  it('prunes closed records after their retention, and parks that never completed', async () => {
    const now = Date.now();
    await store.saveParkedCall(waiting('call-1'));
    await store.saveParkedCall(waiting('call-2'));
    await store.saveParkedCall({ ...waiting('call-3'), state: 'parking', parkedAt: '2026-01-01T00:00:00.000Z' });
    await store.moveParkedCall('call-1', { from: ['waiting'], to: 'gone', changes: {}, closedAtMs: now - 10_000 });
    assert.equal(await store.pruneParkedCalls(now - 5_000, '2026-06-01T00:00:00.000Z'), 2);
    assert.equal(await store.parkedCall('call-1'), undefined);
    assert.equal(await store.parkedCall('call-3'), undefined);
    assert.equal((await store.parkedCall('call-2'))?.state, 'waiting', 'a waiting call is never pruned');
  });

  it('keeps one call-event subscription per person, checked by one instance at a time', async () => {
    const other = await reopen();
    try {
      const [a, b] = await Promise.all([store.openSubscription('RITA', 'key-a'), other.openSubscription('RITA', 'key-b')]);
      assert.equal(a.key, b.key, 'every instance gets the same key');
      const now = Date.now();
      const leases = await Promise.all([store.leaseSubscription('RITA', now, 30_000), other.leaseSubscription('RITA', now, 30_000)]);
      assert.equal(leases.filter(Boolean).length, 1);
      await store.recordSubscription('RITA', { webhookId: 'WH', status: 'active', fingerprint: 'f1', checkedAt: now });
      assert.deepEqual(await other.subscriptionByKey(a.key), { personId: 'RITA', key: a.key, webhookId: 'WH', status: 'active', fingerprint: 'f1', checkedAt: now });
      assert.ok(await other.leaseSubscription('RITA', now + 1, 30_000), 'recording ends the lease');
      await store.deleteSubscription('RITA');
      assert.equal(await store.subscription('RITA'), undefined);
    } finally {
      await other.close();
    }
  });

  it('moves a person’s subscription to a new key when a check records one, and keeps it otherwise', async () => {
    await store.openSubscription('RITA', 'old-key');
    await store.recordSubscription('RITA', { webhookId: 'WH', status: 'active', checkedAt: 1 });
    assert.equal((await store.subscription('RITA'))?.key, 'old-key', 'no key given: the address stays');
    await store.recordSubscription('RITA', { key: 'new-key', webhookId: 'WH', status: 'active', checkedAt: 2 });
    assert.equal(await store.subscriptionByKey('old-key'), undefined);
    assert.equal((await store.subscriptionByKey('new-key'))?.personId, 'RITA');
    await store.deleteSubscription('RITA');
  });

  it('writes a person’s call view only over the version read: one of two writers wins, and unlinking forgets it', async () => {
    const other = await reopen();
    try {
      assert.equal(await store.callView('RITA'), undefined);
      const created = await Promise.all([store.saveCallView('RITA', '{"a":1}', undefined), other.saveCallView('RITA', '{"b":1}', undefined)]);
      assert.equal(created.filter(Boolean).length, 1, 'one creates it');
      const read = await store.callView('RITA');
      assert.ok(read);
      const updates = await Promise.all([store.saveCallView('RITA', '{"c":1}', read.version), other.saveCallView('RITA', '{"d":1}', read.version)]);
      assert.equal(updates.filter(Boolean).length, 1, 'one updates it');
      assert.equal((await other.callView('RITA'))?.version, read.version + 1);
      await store.openSubscription('RITA', 'key');
      await store.deleteSubscription('RITA');
      assert.equal(await store.callView('RITA'), undefined);
    } finally {
      await other.close();
    }
  });

  it('keeps a person’s secondary lines as last read, replaced whole, across a restart, and forgets them on unlink', async () => {
    assert.equal(await store.personLines('RITA'), undefined);
    await store.savePersonLines('RITA', '{"lines":[{"ownerId":"A"}],"readAtMs":1}', 1);
    await store.savePersonLines('RITA', '{"lines":[],"readAtMs":2}', 2);
    store = await (async () => {
      await store.close();
      return reopen();
    })();
    assert.equal(await store.personLines('RITA'), '{"lines":[],"readAtMs":2}');
    assert.equal(await store.personLines('SAM'), undefined);
    await store.openSubscription('RITA', 'key');
    await store.deleteSubscription('RITA');
    assert.equal(await store.personLines('RITA'), undefined);
  });

  it('says whose upkeep is due, webhooks made for other settings first, then longest due first, and counts delivered events as a check', async () => {
    const now = Date.now();
    const account = (personId: string, refreshExpiresAt?: number) =>
      store.saveAccount({
        personId,
        displayName: personId,
        sealedAccessToken: 'a',
        sealedRefreshToken: 'r',
        accessExpiresAt: now + 3_600_000,
        ...(refreshExpiresAt ? { refreshExpiresAt } : {}),
        scope: '',
        linkedAt: new Date(now).toISOString(),
      });
    await account('NEVER');
    await account('OLD');
    await account('FRESH');
    await account('ENDING', now + 1000);
    await account('FAILED');
    for (const [personId, checkedAt] of [['OLD', now - 50_000], ['FRESH', now], ['ENDING', now]] as const) {
      await store.openSubscription(personId, `key-${personId}`);
      await store.recordSubscription(personId, { status: 'active', fingerprint: 'current', checkedAt });
    }
    await store.openSubscription('FAILED', 'key-FAILED');
    await store.recordSubscription('FAILED', { status: 'failed', reason: 'forbidden', checkedAt: now });
    const due = (checkedBeforeMs: number, refreshBeforeMs: number, limit: number, fingerprint = 'current') => store.dueForUpkeep({ checkedBeforeMs, refreshBeforeMs, fingerprint, limit });
    assert.deepEqual(await due(now - 10_000, now + 5000, 10), ['NEVER', 'OLD', 'ENDING']);
    assert.deepEqual(await due(now - 10_000, now, 2), ['NEVER', 'OLD']);
    await store.touchSubscription('OLD', now);
    assert.deepEqual(await due(now - 10_000, now, 10), ['NEVER']);
    // A new WEBHOOK_SECRET: everyone whose webhooks were made comes first; a failed check has none to move.
    assert.deepEqual(await due(now - 10_000, now, 10, 'rotated'), ['ENDING', 'FRESH', 'OLD', 'NEVER']);
  });

  it('gives a named lease to one instance at a time, and again once it runs out', async () => {
    const other = await reopen();
    try {
      const now = Date.now();
      const taken = await Promise.all([store.takeLease('job', now, 1000), other.takeLease('job', now, 1000)]);
      assert.equal(taken.filter(Boolean).length, 1);
      assert.equal(await store.takeLease('job', now + 500, 1000), false);
      assert.equal(await other.takeLease('job', now + 1001, 1000), true);
    } finally {
      await other.close();
    }
  });

  it('takes each delivery once, even from two instances, and forgets it after keepMs', async () => {
    const other = await reopen();
    try {
      const now = Date.now();
      const results = await Promise.all([store.takeDelivery('K1', '{}', now, 1000), other.takeDelivery('K1', '{}', now, 1000), store.takeDelivery('K1', '{}', now, 1000)]);
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.takeDelivery('K2', '{}', now, 1000), true);
      assert.equal(await store.takeDelivery('K1', '{}', now + 5000, 1000, 2000), true, 'forgotten after keepMs');
    } finally {
      await other.close();
    }
  });

  it('hands out deliveries whose work never finished once their lease runs out, to one instance, a bounded number of times', async () => {
    const other = await reopen();
    try {
      const t0 = Date.now();
      await store.takeDelivery('DONE', '{"a":1}', t0, 1000);
      await store.takeDelivery('CRASHED', '{"b":2}', t0, 1000);
      await store.finishDelivery('DONE', t0 + 10);
      assert.deepEqual(await store.staleDeliveries(t0 + 500, 1000, 3), [], 'lease still running');
      await store.takeDelivery('SLOW', '{}', t0, 1000);
      await store.renewDelivery('SLOW', t0 + 10_000);
      const [first, second] = await Promise.all([store.staleDeliveries(t0 + 1500, 1000, 3), other.staleDeliveries(t0 + 1500, 1000, 3)]);
      assert.deepEqual([...(first ?? []), ...(second ?? [])], [{ eventKey: 'CRASHED', body: '{"b":2}', attempt: 2 }], 'the takeover is the second attempt');
      assert.deepEqual(await store.staleDeliveries(t0 + 3000, 1000, 3), [{ eventKey: 'CRASHED', body: '{"b":2}', attempt: 3 }], 'third attempt');
      assert.deepEqual(await store.staleDeliveries(t0 + 5000, 1000, 3), [], 'no more after maxAttempts');
    } finally {
      await other.close();
    }
  });

  it('fences an event’s writes: after a takeover the superseded attempt changes nothing and is told so, the new one goes on', async () => {
    const other = await reopen();
    try {
      const t0 = Date.now();
      await store.takeDelivery('TAP', '{}', t0, 1000);
      const as = (attempt: number): Attempt => ({ eventKey: 'TAP', attempt, holds: () => store.attemptHolds('TAP', attempt) });
      const first = as(1);
      await runAttempt(first, () => store.saveParkedCall(waiting('call-1')));
      assert.ok(await runAttempt(first, () => store.claimForRetrieve('call-1', 'SAM', 'TAP', t0, 60_000)), 'attempt 1 holds the fence');
      assert.equal(await store.attemptHolds('TAP', 1), true);

      // Attempt 1's instance is paused past its lease; another instance takes the event over.
      assert.deepEqual(await other.staleDeliveries(t0 + 1500, 1000, 3), [{ eventKey: 'TAP', body: '{}', attempt: 2 }]);
      assert.equal(await store.attemptHolds('TAP', 1), false);
      assert.equal(await store.attemptHolds('TAP', 2), true);
      assert.equal(await store.attemptLease('TAP', 1), undefined, 'a superseded attempt has no lease');
      assert.equal(await store.attemptLease('TAP', 2), t0 + 2500, 'the takeover’s lease runs a lease from when it took over');

      const ringing = { from: ['retrieving' as const], to: 'ringing' as const, changes: { ringingFor: { personId: 'SAM', name: 'Sam' }, handedCallId: 'LATE' }, claimedBy: 'SAM' };
      await assert.rejects(runAttempt(first, () => store.moveParkedCall('call-1', ringing)), SupersededError);
      await assert.rejects(runAttempt(first, () => store.claimForRetrieve('call-1', 'SAM', 'TAP', t0 + 1600, 60_000)), SupersededError);
      await assert.rejects(runAttempt(first, () => store.attachCard('call-1', 'CARD-1')), SupersededError);
      await assert.rejects(runAttempt(first, () => store.attachPrivateCard('call-1', { roomId: 'DM', messageId: 'PRIVATE-1' })), SupersededError);
      await assert.rejects(runAttempt(first, () => store.attachMention('call-1', 'MENTION-1')), SupersededError);
      await assert.rejects(runAttempt(first, () => store.saveParkedCall(waiting('call-2'))), SupersededError);
      const untouched = await store.parkedCall('call-1');
      assert.equal(untouched?.state, 'retrieving');
      assert.equal(untouched?.cardMessageId, undefined);
      assert.equal(untouched?.privateCard, undefined);
      assert.equal(untouched?.mentionMessageId, undefined);
      assert.equal(await store.parkedCall('call-2'), undefined);

      // The takeover re-takes the event's claim and moves on; a move that loses its race (not its fence) is only false.
      const second = as(2);
      assert.ok(await runAttempt(second, () => other.claimForRetrieve('call-1', 'SAM', 'TAP', t0 + 1600, 60_000)));
      assert.ok(await runAttempt(second, () => other.moveParkedCall('call-1', { ...ringing, changes: { ...ringing.changes, handedCallId: 'RING-2' } })));
      assert.equal(await runAttempt(second, () => other.moveParkedCall('call-1', ringing)), false);
      assert.equal(await runAttempt(second, () => other.attachCard('call-1', 'CARD-2')), undefined);
      assert.equal(await runAttempt(second, () => other.attachMention('call-1', 'MENTION-2')), undefined);
      assert.equal(await runAttempt(second, () => other.attachMention('call-1', 'MENTION-3')), 'MENTION-2', 'the mention it replaced');
      assert.equal((await store.parkedCall('call-1'))?.mentionMessageId, 'MENTION-3');
      assert.equal((await store.parkedCall('call-1'))?.handedCallId, 'RING-2');

      // The superseded attempt neither keeps the lease alive nor finishes the event; the current one does.
      await store.renewDelivery('TAP', t0 + 60_000, 1);
      await store.finishDelivery('TAP', t0 + 1700, 1);
      assert.equal((await other.staleDeliveries(t0 + 3000, 1000, 5))[0]?.attempt, 3, 'neither renewed nor finished by attempt 1');
      await other.renewDelivery('TAP', t0 + 60_000, 3);
      assert.deepEqual(await other.staleDeliveries(t0 + 4500, 1000, 5), [], 'renewed by the current attempt');
      await other.finishDelivery('TAP', t0 + 5000, 3);
      assert.deepEqual(await other.staleDeliveries(t0 + 70_000, 1000, 5), [], 'finished by the current attempt');
    } finally {
      await other.close();
    }
  });

  it('keeps one ring choice per person across a restart, and clears it only while it is still the one meant', async () => {
    assert.equal(await store.ringChoice('SAM'), undefined);
    await store.saveRingChoice('SAM', { endpointId: 'DESK', name: 'Cisco 8865 (reception)' }, Date.now());
    await store.saveRingChoice('SAM', { endpointId: 'APP', name: 'Webex Desktop Application' }, Date.now());
    await store.saveRingChoice('RITA', { endpointId: 'RITA-DESK', name: "Rita's 'desk' \"phone\"" }, Date.now());
    const restarted = await reopen();
    try {
      assert.deepEqual(await restarted.ringChoice('SAM'), { endpointId: 'APP', name: 'Webex Desktop Application' });
      assert.equal(await restarted.clearRingChoice('SAM', 'DESK'), false, 'an older choice is not the one to clear');
      assert.deepEqual(await restarted.ringChoice('SAM'), { endpointId: 'APP', name: 'Webex Desktop Application' });
      assert.equal(await restarted.clearRingChoice('SAM', 'APP'), true);
      assert.equal(await restarted.ringChoice('SAM'), undefined);
      assert.equal(await restarted.clearRingChoice('RITA'), true, 'without an endpoint: whatever it was');
      assert.equal(await restarted.ringChoice('RITA'), undefined);
    } finally {
      await restarted.close();
    }
  });

  it('keeps the report’s hourly tallies past the retention of call records: settled hours once, the first tally standing, pruned after their own retention', async () => {
    const day = 86_400_000;
    const now = Date.parse('2026-12-04T12:00:00Z');
    const parkedAt = new Date(now - 3 * day + 10 * 60_000).toISOString();
    /** A call parked three days ago, closed as `to` after `afterS` seconds (as the lifecycle closes calls). */
    const closes = async (id: string, to: 'retrieved' | 'rang-back', afterS: number, roomId = 'ROOM'): Promise<void> => {
      await store.saveParkedCall({ ...waiting(id, roomId), parkedAt });
      const at = Date.parse(parkedAt) + afterS * 1000;
      const times = to === 'retrieved' ? { retrievedAt: new Date(at).toISOString() } : {};
      assert.ok(await store.moveParkedCall(id, { from: ['waiting'], to, changes: { ...times, closedAt: new Date(at).toISOString() }, closedAtMs: at }));
    };
    await closes('call-1', 'retrieved', 42);
    await closes('call-2', 'retrieved', 125);
    await closes('call-3', 'rang-back', 60);
    await closes('call-4', 'retrieved', 10, 'OTHER-ROOM');
    assert.deepEqual((await store.parkedCallsBetween(new Date(now - 4 * day).toISOString(), new Date(now).toISOString(), 'ROOM')).map((c) => c.id).sort(), ['call-1', 'call-2', 'call-3']);
    assert.equal((await store.parkedCallsBetween(new Date(now - 4 * day).toISOString(), new Date(now).toISOString())).length, 4, 'every space’s without a room');

    // Housekeeping with records kept 30 days: the hour three days ago is settled, and tallied.
    const housekeeping = (retentionMs: number, at: number): Promise<unknown> => {
      const settings = { maxWaitMs: 30 * 60_000, retentionMs, reportRetentionMs: 400 * day };
      return keepHouse(store, settings, new Date(at), (nowMs) => keepReportTallies(store, nowMs, settings));
    };
    await housekeeping(30 * day, now);
    // Much later, the records are pruned (kept 1 day); the tally is not, and a second run changes nothing.
    await housekeeping(1 * day, now + 10 * day);
    assert.equal(await store.parkedCall('call-1'), undefined, 'the call record is gone');
    const hour = Math.floor(Date.parse(parkedAt) / 3_600_000) * 3_600_000;
    const kept = await store.reportHours('ROOM', now - 5 * day, now);
    assert.deepEqual(kept, [{ hourStartMs: hour, parked: 3, taken: 2, rangBack: 1, hungUp: 0, untracked: 0, waiting: 0, waits: [42, 125] }]);
    assert.equal(JSON.stringify(kept).includes('RITA') || JSON.stringify(kept).includes('Acme'), false, 'no person, no caller');
    await store.keepReportHours('ROOM', [{ ...emptyTally(hour), parked: 99 }]);
    assert.equal((await store.reportHours('ROOM', hour, hour + 1))[0]?.parked, 3, 'the first tally stands');

    const summary = (await spaceSummary(store, 'ROOM', periodOf('month', now))).summary;
    assert.deepEqual([summary.totals.parked, summary.totals.taken, summary.medianWait, summary.longestWait], [3, 2, 83.5, 125], 'the report reads the tally');

    assert.equal(await store.pruneReportHours(hour + 1), 2, 'both spaces’ tallies of that hour');
    assert.deepEqual(await store.reportHours('ROOM', now - 5 * day, now), []);
  });

  it('answers a ping', async () => {
    await store.ping();
  });
}
