import { strict as assert } from 'node:assert';
import * as AC from 'adaptivecards/dist/adaptivecards.js';
import { parseCommand } from '../../src/chat/command.js';
import { humanWait, outcomeOf, tallyCalls, waitOf, HOUR_MS } from '../../src/report/figures.js';
import { periodOf } from '../../src/report/period.js';
import { summarize } from '../../src/report/summary.js';
import { personReportCard, spaceReportCard } from '../../src/report/report-card.js';
import { MIN_PEOPLE_SHOWN, takenByPerson } from '../../src/report/gather.js';
import { CARD_MAX_BYTES, utf8Bytes } from '../../src/chat/limits.js';
import { countActions } from '../../src/simulator/org.js';
import type { ParkedCall } from '../../src/storage/store.js';

const now = Date.parse('2026-12-04T15:30:00Z');
const call = (id: string, state: ParkedCall['state'], parkedAt: string, extra: Partial<ParkedCall> = {}): ParkedCall => ({
  id,
  roomId: 'ROOM',
  parkedBy: { personId: 'RITA', name: 'Rita Reception' },
  caller: { name: 'Secret Customer', number: '+15550199' },
  parkedAgainst: { number: '2001' },
  state,
  parkedAt,
  ...extra,
});

function problemsAt13(card: unknown): string[] {
  const context = new AC.SerializationContext(AC.Versions.v1_3);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  return [...Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message), ...parsed.validateProperties().validationEvents.map((e) => e.message)];
}

describe('report: figures, card and command', () => {
  it('reads `report`, `report today|week|month` and `report me`, the week by default', () => {
    assert.deepEqual(parseCommand('report'), { kind: 'report', period: 'week' });
    assert.deepEqual(parseCommand('Report today'), { kind: 'report', period: 'today' });
    assert.deepEqual(parseCommand('report this month'), { kind: 'report', period: 'month' });
    assert.deepEqual(parseCommand('report me'), { kind: 'report', period: 'week', me: true });
    assert.deepEqual(parseCommand('report me month'), { kind: 'report', period: 'month', me: true });
    assert.equal(parseCommand('report everyone').kind, 'unknown');
  });

  it('counts each call once by what became of it; a park Webex refused is not a parked call', () => {
    const at = '2026-12-04T10:05:00.000Z';
    const calls = [
      call('a', 'retrieved', at, { retrievedAt: '2026-12-04T10:05:42.000Z', closedAt: '2026-12-04T10:05:42.000Z' }),
      call('b', 'picked-up', at, { closedAt: '2026-12-04T10:07:05.000Z' }),
      call('c', 'rang-back', at),
      call('d', 'gone', at),
      call('e', 'expired', at),
      call('f', 'superseded', at),
      call('g', 'ringing', at),
      call('h', 'gone', at, { notParked: 'forbidden' }),
      call('i', 'parking', at),
    ];
    assert.deepEqual(calls.map(outcomeOf), ['taken', 'taken', 'rangBack', 'hungUp', 'untracked', 'untracked', 'waiting', undefined, undefined]);
    assert.deepEqual([waitOf(calls[0]!), waitOf(calls[1]!), waitOf(calls[2]!)], [42, 125, undefined]);
    const [hour] = tallyCalls(calls);
    assert.deepEqual(hour, { hourStartMs: Date.parse('2026-12-04T10:00:00Z'), parked: 7, taken: 2, rangBack: 1, hungUp: 1, untracked: 2, waiting: 1, waits: [42, 125] });
    const summary = summarize(tallyCalls(calls), periodOf('week', now));
    assert.equal(summary.medianWait, 83.5);
    assert.equal(summary.longestWait, 125);
    assert.equal(summary.busiestHour, 10);
    assert.equal(summary.buckets.length, 7);
    assert.equal(summarize(tallyCalls(calls), periodOf('today', now)).buckets.length, 24);
  });

  it('writes waits as people read them', () => {
    assert.deepEqual([0, 42, 60, 125, 3600, 3725].map(humanWait), ['0 s', '42 s', '1 min', '2 min 5 s', '1 h', '1 h 2 min']);
  });

  it('shows the space’s figures as a valid card within Webex’s limits, says what still waits, names no caller and no one', () => {
    const calls = Array.from({ length: 24 * 30 }, (_, i) =>
      call(`c${i}`, i % 4 ? 'retrieved' : 'waiting', new Date(now - i * HOUR_MS).toISOString(), { retrievedAt: new Date(now - i * HOUR_MS + 30_000).toISOString(), retrievedBy: { personId: 'SAM', name: 'Sam Sales' } }),
    );
    const { card, fallback } = spaceReportCard(summarize(tallyCalls(calls), periodOf('month', now)), now);
    assert.deepEqual(problemsAt13(card), []);
    assert.ok(utf8Bytes(JSON.stringify(card)) <= CARD_MAX_BYTES, `${utf8Bytes(JSON.stringify(card))} bytes`);
    assert.ok(countActions(card) <= 5);
    const everything = JSON.stringify(card) + fallback;
    for (const secret of ['Secret Customer', '5550199', 'Rita', 'Sam']) assert.ok(!everything.includes(secret), secret);
    assert.match(everything, /still waiting/);
    assert.match(JSON.stringify(card), /\{\{DATE\(2026-11-05T00:00:00Z, SHORT\)\}\}/, 'the start in the reader’s time zone');
  });

  it('counts calls taken per person only with five people or more, alphabetically, never who let callers go', () => {
    const taker = (id: string, name: string): ParkedCall => call(id, 'retrieved', new Date(now).toISOString(), { retrievedBy: { personId: name.toUpperCase(), name } });
    const four = ['Dee', 'Ann', 'Cy', 'Bo'].map((name, i) => taker(`t${i}`, name));
    assert.deepEqual(takenByPerson(four), [], `fewer than ${MIN_PEOPLE_SHOWN}`);
    const five = [...four, taker('t9', 'Eve'), taker('t10', 'Eve'), call('x', 'gone', new Date(now).toISOString())];
    assert.deepEqual(takenByPerson(five), [{ name: 'Ann', taken: 1 }, { name: 'Bo', taken: 1 }, { name: 'Cy', taken: 1 }, { name: 'Dee', taken: 1 }, { name: 'Eve', taken: 2 }]);
    const { card } = spaceReportCard(summarize(tallyCalls(five), periodOf('week', now)), now, takenByPerson(five));
    assert.deepEqual(problemsAt13(card), []);
    assert.match(JSON.stringify(card), /"title":"Eve","value":"2"/);
  });

  it('lists the first people alphabetically and counts the rest, so a large team’s report stays within the card budget', () => {
    const people = Array.from({ length: 300 }, (_, i) => ({ name: `${String(i).padStart(3, '0')} ${'A very long display name '.repeat(4)}`, taken: 2 }));
    const { card } = spaceReportCard(summarize(tallyCalls([]), periodOf('month', now)), now, people);
    assert.ok(utf8Bytes(JSON.stringify(card)) <= CARD_MAX_BYTES, `${utf8Bytes(JSON.stringify(card))} bytes`);
    const text = JSON.stringify(card);
    assert.match(text, /"title":"000 A very/, 'the first alphabetically');
    assert.ok(!text.includes('"title":"299 '), 'not every one');
    assert.match(text, /280 more people took 560 calls/);
  });

  it('gives a person their own figures, and says when records no longer reach back that far', () => {
    const { card, fallback } = personReportCard({ parked: 3, parkedTaken: 2, parkedRangBack: 1, parkedHungUp: 0, took: 4, medianWaitTaken: 50 }, 'the last 30 days', now, 'Calls are kept with names for 7 days only, so these figures start then.');
    assert.deepEqual(problemsAt13(card), []);
    assert.match(fallback, /Calls you took: 4/);
    assert.match(fallback, /50 s/);
    assert.match(fallback, /7 days only/);
  });
});
