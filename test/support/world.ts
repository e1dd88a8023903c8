import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSimulator, type SimulatorOptions, type WebexSimulator } from '../../src/simulator/server.js';
import type { SimCall, SimMessage, SimPerson, SimRoom, SimRequestRecord, SimWebhook } from '../../src/simulator/model.js';
import type { SimTelephony } from '../../src/simulator/telephony.js';
import { BotProcess, freePort } from './bot-process.js';
import { LoadBalancer } from './load-balancer.js';
import { waitFor } from './wait.js';
import { WebexContract } from './webex-contract.js';

let contract: WebexContract | undefined;

/**
 * Everything the simulator was asked and answered, and every delivery it sent, against Webex's own
 * structure. Requests made by the test itself (people chatting) are held to it too.
 */
export function contractViolations(sim: WebexSimulator): string[] {
  contract ??= new WebexContract();
  const found = new Set<string>();
  for (const exchange of sim.requests) contract.check(exchange).forEach((problem) => found.add(problem));
  for (const delivery of sim.webhooks.deliveries) contract.checkDelivery(delivery.body).forEach((problem) => found.add(problem));
  return [...found];
}

/** Strong, as the bot requires (`openssl rand -hex 32`); fixed so tests can sign deliveries with it. */
export const WEBHOOK_SECRET = '9c4e1f7a2b8d05e3c6a91f4d7b2e8c05a3f6d9b1e4c7a02f5d8b3e6c9a1f4d7b';

export interface TestPerson {
  person: SimPerson;
  /** The person's own Webex client token, for chatting and tapping cards (not the bot's). */
  clientToken: string;
  name: string;
  id: string;
}

interface Card {
  body?: unknown[];
  actions?: { type: string; title?: string; url?: string; data?: Record<string, unknown> }[];
}

/**
 * A Webex organisation on the local simulator with the real bot running against it: people chat and
 * tap cards through the simulator's REST API, and the bot hears about it by signed webhooks.
 */
export interface WorldOptions {
  env?: Record<string, string>;
  /** Bot instances behind a round-robin load balancer at PUBLIC_URL; they need a shared database. */
  instances?: number;
  /** A shared PostgreSQL database (from the test run's server) instead of a SQLite file. */
  databaseUrl?: string;
  /** The bot's entry script: the TypeScript source by default, or the built `dist/main.js`. */
  entry?: string;
  /** The folder the bot runs in, `entry` being relative to it: the project by default. */
  cwd?: string;
  /** Node's own flags for the bot (BOT_NODE_OPTIONS by default). */
  nodeOptions?: string[];
  /** A command the bot's Node runs under, such as `['prlimit', '--nofile=1024:1024']`. */
  launcher?: string[];
  /** How the simulator behaves (a network's distance, for the benchmark). */
  simulator?: SimulatorOptions;
}

export class World {
  readonly bots: BotProcess[];
  /**
   * Whoever's phone rings with a retrieve answers it a moment later, as people mostly do. Tests of a
   * ringing retrieve (declined, not answered) turn this off and use the phones themselves.
   */
  answerRetrieves = true;
  private constructor(
    readonly sim: WebexSimulator,
    readonly botPerson: SimPerson,
    readonly botToken: string,
    readonly dataDir: string,
    readonly botPort: number,
    instancePorts: number[],
    env: Record<string, string>,
    process: Pick<WorldOptions, 'entry' | 'cwd' | 'nodeOptions' | 'launcher'>,
    private readonly balancer?: LoadBalancer,
  ) {
    this.bots = instancePorts.map((port) => new BotProcess({ ...env, PORT: String(port) }, process));
    sim.org.on('event', (event) => {
      const { callId, personality, state } = event.data;
      if (!this.answerRetrieves || event.resource !== 'telephony_calls' || event.event !== 'created' || personality !== 'clickToDial' || state !== 'alerting') return;
      const personId = event.actorId;
      setTimeout(() => {
        const phones = sim.telephonyOf(sim.org.person(personId).orgId);
        if (phones.list(personId).some((call) => call.id === callId && call.state === 'alerting')) phones.answer(personId, callId);
      }, 50).unref();
    });
  }

  static async create(options: WorldOptions = {}): Promise<World> {
    const sim = await startSimulator(options.simulator);
    const botPerson = sim.org.addPerson({ displayName: 'Park Bot', email: 'parkbot@webex.bot', type: 'bot' });
    const botToken = sim.org.issueToken(botPerson.id, 'bot', []);
    const port = await freePort();
    const instancePorts = options.instances && options.instances > 1 ? await Promise.all(Array.from({ length: options.instances }, () => freePort())) : [port];
    const balancer = instancePorts.length > 1 ? new LoadBalancer(instancePorts) : undefined;
    await balancer?.listen(port);
    const publicUrl = `http://127.0.0.1:${port}`;
    const integration = sim.oauth.registerIntegration('Park Bot', [`${publicUrl}/oauth/callback`]);
    const dataDir = mkdtempSync(join(tmpdir(), 'parkbot-test-'));
    const env = {
      WEBEX_BOT_TOKEN: botToken,
      WEBEX_API_URL: sim.apiUrl,
      WEBEX_U2C_URL: sim.u2cUrl,
      PUBLIC_URL: publicUrl,
      WEBHOOK_SECRET,
      WEBEX_CLIENT_ID: integration.clientId,
      WEBEX_CLIENT_SECRET: integration.clientSecret,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: options.databaseUrl ?? `sqlite:${join(dataDir, 'parkbot.db')}`,
      SPOOL_DIR: join(dataDir, 'spool'),
      LOG_LEVEL: 'info',
      ...options.env,
    };
    return new World(sim, botPerson, botToken, dataDir, port, instancePorts, env, options, balancer);
  }

  /** The first (or only) bot instance. */
  get bot(): BotProcess {
    return this.bots[0] as BotProcess;
  }

  /** Which instance each request through the load balancer reached. */
  get routed(): number[] {
    return this.balancer?.routed ?? [];
  }

  /** The bot's public address: the load balancer when there are several instances. */
  get botUrl(): string {
    return `http://127.0.0.1:${this.botPort}`;
  }

  get databaseFile(): string {
    return join(this.dataDir, 'parkbot.db');
  }

  /** Starts every instance; each reports ready only once its webhooks are registered. */
  async start(): Promise<void> {
    for (const bot of this.bots) await bot.start();
  }

  /** Stops everything, then fails if any request or answer departed from Webex's structure. */
  async close(): Promise<void> {
    for (const bot of this.bots) await bot.stop();
    await this.balancer?.close();
    await this.sim.close();
    rmSync(this.dataDir, { recursive: true, force: true });
    const violations = contractViolations(this.sim);
    if (violations.length) throw new Error(`Requests or answers that do not match the Webex API subset:\n  ${violations.join('\n  ')}`);
  }

  /** A person of the home organisation, or of `orgId` (`sim.addOrganisation()`). */
  addPerson(displayName: string, extension?: string, orgId?: string): TestPerson {
    const email = `${displayName.toLowerCase().replace(/\W+/g, '.')}@example.com`;
    const person = this.sim.org.addPerson({ displayName, email, ...(extension ? { extension } : {}), ...(orgId ? { orgId } : {}) });
    const clientToken = this.sim.org.issueToken(person.id, 'access', ['spark:all']);
    return { person, clientToken, name: displayName, id: person.id };
  }

  /** A group space with these people and the bot. */
  groupSpace(title: string, members: TestPerson[]): SimRoom {
    const [creator, ...others] = members;
    if (!creator) throw new Error('a space needs people');
    return this.sim.org.createRoom(creator.id, title, [...others.map((p) => p.id), this.botPerson.id]);
  }

  directSpace(person: TestPerson): SimRoom {
    return this.sim.org.directRoom(person.id, this.botPerson.id);
  }

  /**
   * Webex's deliveries so far have reached the bot and it has acted on them, as when a person looks at
   * her phone before she types (README: the call view does not know a call whose events are on their way).
   * Delivered means answered; `actedOnMs` is the moment more the bot is given to act on them.
   */
  async delivered(actedOnMs = 200): Promise<void> {
    await this.sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, actedOnMs));
  }

  /** Types a message as `person`; in a group space it @mentions the bot first, as a Webex client does. */
  async say(person: TestPerson, room: SimRoom, text: string): Promise<SimMessage> {
    const markdown = room.type === 'group' ? `<@personId:${this.botPerson.id}|Park Bot> ${text}` : text;
    return this.api<SimMessage>(person.clientToken, 'POST', '/messages', { roomId: room.id, markdown });
  }

  /** Taps a card button as `person`: Webex records an attachment action with the button's data. */
  async tap(person: TestPerson, cardMessage: SimMessage, inputs?: Record<string, unknown>): Promise<void> {
    const submit = inputs ?? submitButtons(cardMessage)[0]?.data;
    if (!submit) throw new Error('The card has no submit button');
    await this.api(person.clientToken, 'POST', '/attachment/actions', { type: 'submit', messageId: cardMessage.id, inputs: submit });
  }

  async api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.sim.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** The bot's messages in a space, oldest first. */
  botMessages(room: SimRoom): SimMessage[] {
    return [...this.sim.org.messages.values()].filter((m) => m.roomId === room.id && m.personId === this.botPerson.id);
  }

  /** Waits for the bot to post in `room` while `action` runs; returns its first new message that `matches`. */
  async expectBotMessage(room: SimRoom, action: () => Promise<unknown>, what = 'a bot message', matches = notSuperseded): Promise<SimMessage> {
    const seen = new Set(this.botMessages(room).map((m) => m.id));
    await action();
    return this.newBotMessage(room, seen, what, matches);
  }

  /**
   * The first bot message in `room` that is not in `seen` and `matches`. By default that leaves out
   * what the bot posts unprompted around a test's action: the welcome and desk card of a space just
   * made, and the card saying an earlier test's call is "No longer parked on" a number a new park has
   * taken (tests share spaces).
   */
  async newBotMessage(room: SimRoom, seen: Set<string>, what = 'a bot message', matches = notSuperseded): Promise<SimMessage> {
    return waitFor(what, () => this.botMessages(room).find((m) => !seen.has(m.id) && matches(m)));
  }

  seenIn(room: SimRoom): Set<string> {
    return new Set(this.botMessages(room).map((m) => m.id));
  }

  /**
   * Links `person`'s Webex account the way they would: the DM'd button, Webex's consent page, back.
   * `withoutScope`: as if linked before the bot asked for that scope.
   */
  async link(person: TestPerson, withoutScope?: string): Promise<string> {
    const dm = this.directSpace(person);
    const prompt = await this.expectBotMessage(dm, () => this.say(person, dm, 'link'), 'the link prompt');
    return this.followLink(person, linkUrlIn(prompt), withoutScope);
  }

  /** Follows a link-prompt URL in a browser signed in to Webex as `signedInAs`; returns the final page. */
  async followLink(signedInAs: TestPerson, url: string, withoutScope?: string): Promise<string> {
    const start = await fetch(url, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location') ?? '');
    if (start.status !== 302 || !authorize.href.startsWith(this.sim.apiUrl)) throw new Error(`unexpected /oauth/start answer ${start.status}`);
    if (withoutScope) authorize.searchParams.set('scope', (authorize.searchParams.get('scope') ?? '').split(' ').filter((scope) => scope !== withoutScope).join(' '));
    const consentPage = await fetch(authorize);
    if (consentPage.status !== 200) throw new Error(`consent page ${consentPage.status}`);
    const form = new URLSearchParams(authorize.searchParams);
    form.set('personId', signedInAs.id);
    const consent = await fetch(`${this.sim.apiUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    const callback = consent.headers.get('location') ?? '';
    const done = await fetch(callback);
    return `${done.status} ${await done.text()}`;
  }

  /** Every phone in the org goes idle: no calls up, nothing parked. */
  hangUpEverything(): void {
    for (const orgId of this.sim.org.orgIds) this.sim.telephonyOf(orgId).reset();
  }

  /** The `telephony_calls` webhooks a person's own token has made. */
  callWebhooks(person: TestPerson): SimWebhook[] {
    return [...this.sim.org.webhooks.values()].filter((w) => w.createdBy === person.id && w.resource === 'telephony_calls');
  }

  /** Waits until the bot has registered `person`'s call events (one webhook per event it watches). */
  async callEventsWatched(person: TestPerson): Promise<SimWebhook[]> {
    return waitFor(`${person.name}'s call events webhooks`, () => {
      const webhooks = this.callWebhooks(person);
      return webhooks.length === 3 && webhooks;
    });
  }

  /** The phones of the person's organisation. */
  phonesOf(person: TestPerson): SimTelephony {
    return this.sim.telephonyOf(person.person.orgId);
  }

  /** The retrieve ringing on the person's phone, if any. */
  ringingRetrieve(person: TestPerson): SimCall | undefined {
    return this.phonesOf(person)
      .list(person.id)
      .find((call) => call.personality === 'clickToDial' && call.state === 'alerting');
  }

  /** Call-control requests the simulator received, with whose token they came. */
  callControl(path: string): SimRequestRecord[] {
    return this.sim.requests.filter((r) => r.path === `/telephony/calls${path}`);
  }
}

/** Also the card of a retrieve ringing the retriever's phone: what follows it is the outcome. */
const UNPROMPTED = /^(No longer parked on |Hi, I'm Park Bot|Front desk: |Ringing .*…)/;
const notSuperseded = (message: SimMessage): boolean => !UNPROMPTED.test(message.text ?? '');

export function cardOf(message: SimMessage): Card {
  const content = message.attachments?.[0]?.content;
  if (!content) throw new Error(`message has no card: ${message.text ?? ''}`);
  return content;
}

/** Every Action.Submit in a card, top-level or inside its body, in reading order. */
export function submitButtons(message: SimMessage): { title?: string; data?: Record<string, unknown> }[] {
  const found: { title?: string; data?: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'Action.Submit') found.push(record);
      Object.values(record).forEach(walk);
    }
  };
  const card = cardOf(message);
  walk(card.body);
  walk(card.actions);
  return found;
}

/** Every text a card shows, flattened, for assertions about what people read. */
export function cardText(message: SimMessage): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'value']) if (typeof record[key] === 'string') texts.push(record[key]);
      Object.values(record).forEach(walk);
    }
  };
  walk(cardOf(message));
  return texts.join(' | ');
}

export function linkUrlIn(message: SimMessage): string {
  const url = cardOf(message).actions?.find((a) => a.type === 'Action.OpenUrl')?.url;
  if (!url) throw new Error('no link in the prompt');
  return url;
}
