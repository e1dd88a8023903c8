import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BotProcess, freePort } from '../support/bot-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const SKIP_REASON = `Chromium is not installed at ${CHROMIUM} (run \`npm run install-chromium\` as root): the browser test is SKIPPED, not passed`;

/** A person uses the playground in a real browser: Chromium driven by Playwright. */
describe('the playground in a browser', function () {
  this.timeout(60_000);
  let bot: BotProcess;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stderr.write(`\n${'!'.repeat(100)}\n!! ${SKIP_REASON}\n${'!'.repeat(100)}\n`);
      return this.skip();
    }
    const port = await freePort();
    // Parked calls ring back after 6 s here, not Webex's 45 s, so a recall happens within the test.
    bot = new BotProcess({ PORT: String(port), DOTENV_CONFIG_PATH: '/nonexistent/.env', PLAYGROUND_RECALL_SECONDS: '6' });
    await bot.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://localhost:${port}/playground`);
  });

  after(async () => {
    await browser?.close();
    await bot?.stop();
  });

  const actAs = (name: string) => page.getByLabel(new RegExp(name)).check();

  async function say(text: string): Promise<void> {
    await page.locator('#text').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  async function link(name: string): Promise<void> {
    await actAs(name);
    await say('link');
    const consentTab = page.waitForEvent('popup');
    await page.locator('#private').getByText('Login with Webex').last().click();
    const consent = await consentTab;
    const personId = await consent.locator('option', { hasText: name }).getAttribute('value');
    await consent.getByLabel('Sign in as').selectOption(personId ?? '');
    await consent.getByRole('button', { name: 'Accept' }).click();
    await consent.getByText("You're all set").waitFor();
    await consent.close();
  }

  it('parks from the desk card; a colleague’s Retrieve rings their phone, a Decline puts the card back, an Answer retrieves it', async () => {
    await page.getByText('Rita Reception').first().waitFor();
    await page.locator('#messages').getByText("Hi, I'm Park Bot").waitFor();
    await link('Rita Reception');
    await link('Sam Sales');

    await actAs('Rita Reception');
    page.once('dialog', (dialog) => void dialog.accept('Acme Corp'));
    await page.locator('.person', { hasText: 'Rita Reception' }).getByRole('button', { name: 'Ring', exact: true }).click();
    await page.getByText('On a call with Acme Corp').waitFor();
    const desk = page.locator('#messages .card', { hasText: 'Front desk' }).first();
    await desk.getByRole('button', { name: 'Park for…' }).click();
    await desk.getByText('Note (optional)').waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await desk.screenshot({ path: join(ARTIFACTS, 'desk-card.png') });
    await desk.getByRole('button', { name: 'Park for…' }).click();
    await desk.getByRole('button', { name: 'Park my call' }).click();
    const card = page.locator('#messages .card', { hasText: 'Call waiting on 2001' });
    await card.waitFor();

    await actAs('Sam Sales');
    await card.getByText('Retrieve', { exact: true }).click();
    const ringingCard = page.locator('#messages .card', { hasText: 'Ringing Sam Sales…' });
    await ringingCard.waitFor();
    // The new card is posted first and the old one deleted after it: the page shows both for a moment.
    await page.locator('#messages .card', { hasText: 'Call waiting on 2001' }).waitFor({ state: 'detached' });
    assert.equal(await ringingCard.getByText('Retrieve', { exact: true }).count(), 0, 'no Retrieve button while Sam’s phone rings');

    const sams = page.locator('.person', { hasText: 'Sam Sales' });
    await sams.getByText('Ringing: Acme Corp').waitFor();
    assert.equal(await sams.getByRole('button', { name: 'Answer' }).count(), 1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground-ringing.png') });
    await sams.getByRole('button', { name: 'Decline' }).click();
    const waitingAgain = page.locator('#messages .card', { hasText: 'Call waiting on 2001' });
    await waitingAgain.waitFor();
    await ringingCard.waitFor({ state: 'detached' });
    await page.locator('#private').getByText(/Acme Corp.* is still parked on 2001/).waitFor();

    await waitingAgain.getByText('Retrieve', { exact: true }).click();
    await ringingCard.waitFor();
    await sams.getByRole('button', { name: 'Answer' }).click();
    await sams.getByText('On a call with Acme Corp (connected)').waitFor();
    await page.locator('#messages').getByText('Retrieved by Sam Sales').waitFor();
  });

  it('counts down to a recall, then the card says the call rang back to the receptionist', async () => {
    await actAs('Rita Reception');
    page.once('dialog', (dialog) => void dialog.accept('Globex'));
    await page.locator('.person', { hasText: 'Rita Reception' }).getByRole('button', { name: 'Ring', exact: true }).click();
    await page.getByText('On a call with Globex').waitFor();
    await say('park');
    await page.locator('#messages .card', { hasText: 'Call waiting on 2001' }).waitFor();
    await page.locator('#parked').getByText(/Globex on 2001 · rings back Rita Reception in \d+ s/).waitFor();

    await page.locator('#messages .card', { hasText: 'Rang back to Rita Reception' }).waitFor({ timeout: 15_000 });
    // The new card is posted first and the old one deleted after it: the page shows both for a moment.
    await page.locator('#messages .card', { hasText: 'Call waiting on 2001' }).waitFor({ state: 'detached' });
    await page.locator('.person', { hasText: 'Rita Reception' }).getByText('Ringing back: Globex').waitFor();

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });
  });

  it('the Report button answers with the desk’s figures and a chart drawn on the server, in the card’s thread', async () => {
    await page.locator('#report').click(); // the playground's own button (the desk card has one too)
    const card = page.locator('#messages .msg', { has: page.locator('.card', { hasText: 'Front desk report' }) }).last();
    await card.waitFor();
    const chart = page.locator('#messages .msg.reply img.chart').last();
    await chart.waitFor();
    // Loaded and drawn, not only in the page: a PNG of the chart's own size.
    await page.waitForFunction("[...document.querySelectorAll('img.chart')].some((img) => img.complete && img.naturalWidth >= 600)");
    assert.match((await card.textContent()) ?? '', /Calls parked\s*2/);
    await chart.scrollIntoViewIfNeeded();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#messages').screenshot({ path: join(ARTIFACTS, 'report.png') });
    await card.locator('.card').screenshot({ path: join(ARTIFACTS, 'report-card.png') });
    await chart.screenshot({ path: join(ARTIFACTS, 'report-chart.png') });
  });
});
