import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { World, cardOf, cardText, submitButtons, type TestPerson } from '../support/world.js';
import { waitFor } from '../support/wait.js';
import { darkPixels, decodePng } from '../support/png.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

/** Seconds in a wait as the card writes it: "42 s", "2 min 5 s". */
function seconds(words: string): number {
  const minutes = /(\d+) min/.exec(words)?.[1] ?? '0';
  const secs = /(\d+) s/.exec(words)?.[1] ?? '0';
  return Number(minutes) * 60 + Number(secs);
}

/** The value of a card's fact, by its title. */
function fact(message: SimMessage, title: string): string | undefined {
  const facts = (cardOf(message).body as { type: string; facts?: { title: string; value: string }[] }[]).flatMap((item) => (item.type === 'FactSet' ? (item.facts ?? []) : []));
  return facts.find((f) => f.title === title)?.value;
}

describe('Team insights: `report` answers in the space with the desk’s figures and a chart', function () {
  this.timeout(90_000);
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;
  const waits: number[] = [];
  const callers: [{ name: string; number: string }, { name: string; number: string }, { name: string; number: string }] = [
    { name: 'Alpha Customer', number: '+15550901' },
    { name: 'Bravo Customer', number: '+15550902' },
    { name: 'Charlie Customer', number: '+15550903' },
  ];

  before(async function () {
    this.timeout(90_000);
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk(['rita', 'sam', 'priya']));
    for (const person of [rita, sam, priya]) await world.callEventsWatched(person);
    // Two calls taken after known waits (about 1 s and 3 s), one rang back to Rita.
    for (const [caller, waitMs] of [[callers[0], 1000], [callers[1], 3000]] as const) {
      world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: caller });
      const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), `the card for ${caller.name}`, (m) => cardText(m).includes(caller.name));
      const parkedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      await world.expectBotMessage(frontDesk, () => world.tap(sam, card, submitButtons(card)[0]?.data), 'the retrieved card', (m) => cardText(m).startsWith('Retrieved by Sam Sales'));
      waits.push((Date.now() - parkedAt) / 1000);
      world.hangUpEverything();
    }
    const third = callers[2];
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: third });
    await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'), 'the third card', (m) => cardText(m).includes(third.name));
    await world.expectBotMessage(frontDesk, async () => world.sim.telephony.recall('2001'), 'the rang-back card', (m) => cardText(m).startsWith('Rang back to Rita'));
    world.hangUpEverything();
  });

  after(async () => {
    await world?.close();
  });

  it('posts the figures as a FactSet, then a PNG chart in its thread; nothing names a caller', async () => {
    const report = await world.expectBotMessage(frontDesk, () => world.say(priya, frontDesk, 'report'), 'the report card', (m) => cardText(m).startsWith('Front desk report'));
    assert.equal(fact(report, 'Calls parked'), '3');
    assert.equal(fact(report, 'Taken (retrieved or picked up)'), '2');
    assert.equal(fact(report, 'Rang back to the parker'), '1');
    assert.equal(fact(report, 'Caller hung up while parked'), '0');
    const [first = 0, second = 0] = waits;
    assert.ok(Math.abs(seconds(fact(report, 'Typical wait until taken (median)') ?? '') - (first + second) / 2) <= 1, `median of ${waits.join(', ')}: ${fact(report, 'Typical wait until taken (median)')}`);
    assert.ok(Math.abs(seconds(fact(report, 'Longest wait until taken') ?? '') - second) <= 1, `longest of ${waits.join(', ')}`);
    assert.match(fact(report, 'Busiest hour') ?? '', /^\{\{TIME\(\d{4}-\d\d-\d\dT\d\d:00:00Z\)\}\}–\{\{TIME\(/, 'in the reader’s own time zone');
    assert.match(cardText(report), /█/, 'a text bar chart for clients that block files');

    const chart = await waitFor('the chart', () => world.botMessages(frontDesk).find((m) => m.parentId === report.id && m.files?.length === 1));
    const contentId = /\/contents\/([^/?]+)$/.exec(chart.files?.[0] ?? '')?.[1] ?? '';
    const content = world.sim.org.contents.get(contentId);
    assert.ok(content, 'the file was uploaded with the message (multipart)');
    assert.equal(content.contentType, 'image/png');
    assert.ok(content.bytes.length < 1024 * 1024, 'under 1 MB, so Webex previews it');
    const image = decodePng(content.bytes);
    assert.ok(image.width >= 600 && image.height >= 300, `${image.width}×${image.height}`);
    assert.ok(darkPixels(image, { x: 60, y: 10, width: 400, height: 30 }) > 200, 'the title is drawn (a font was loaded)');
    assert.ok(darkPixels(image, { x: 0, y: 60, width: 60, height: 330 }) > 10, 'the axis labels are drawn');
    assert.equal(darkPixels(image, { x: 0, y: 0, width: 50, height: 50 }), 0, 'and white where nothing is');

    const everything = [report, chart].map((m) => `${JSON.stringify(m.attachments ?? '')} ${m.markdown ?? ''} ${m.text ?? ''}`).join(' ') + content.name;
    for (const caller of callers) {
      assert.ok(!everything.includes(caller.name) && !everything.includes(caller.number.slice(2)), `no trace of ${caller.name}`);
    }
    assert.ok(!/Rita|Sam|Priya/.test(everything), 'no person named in the space’s report');
  });

  it('counts the waits and outcomes for operators in /metrics', async () => {
    const metrics = await (await fetch(`${world.botUrl}/metrics`)).text();
    assert.match(metrics, /^parkbot_parked_wait_seconds_count\{outcome="retrieved"\} 2$/m);
    assert.match(metrics, /^parkbot_parked_wait_seconds_count\{outcome="rang-back"\} 1$/m);
    const sum = Number(/^parkbot_parked_wait_seconds_sum\{outcome="retrieved"\} (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(Math.abs(sum - waits.reduce((a, b) => a + b, 0)) <= 1.5, `the waits added up: ${sum}`);
    assert.match(metrics, /^parkbot_reports_total\{kind="space"\} 1$/m);
  });

  it('`report today` charts by hour; `report me` in a 1:1 gives one’s own figures, and in a space only a private pointer', async () => {
    const today = await world.expectBotMessage(frontDesk, () => world.say(priya, frontDesk, 'report today'), 'today’s report', (m) => cardText(m).startsWith('Front desk report: the last 24 hours'));
    assert.equal(fact(today, 'Calls parked'), '3');

    const direct = world.directSpace(sam);
    const mine = await world.expectBotMessage(direct, () => world.say(sam, direct, 'report me'), 'Sam’s own report', (m) => cardText(m).startsWith('Your calls'));
    assert.equal(fact(mine, 'Calls you took'), '2');
    assert.equal(fact(mine, 'Calls you parked'), '0');

    const seen = world.seenIn(frontDesk);
    await world.say(sam, frontDesk, 'report me');
    const pointer = await waitFor('the private pointer', () => world.botMessages(direct).find((m) => /report me/.test(m.text ?? '') && !m.attachments));
    assert.ok(pointer);
    assert.deepEqual(world.botMessages(frontDesk).filter((m) => !seen.has(m.id)), [], 'nothing personal in the space');
  });
});
