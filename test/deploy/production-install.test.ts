import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotProcess, freePort } from '../support/bot-process.js';
import { execForm, inStage, instructionsOf, parseDockerfile, replayCopy, splitFlags, type Stage, type StageDir } from '../support/dockerfile.js';
import { openFrontDesk, type FrontDesk } from '../support/front-desk.js';
import { cardOf, cardText } from '../support/world.js';
import { darkPixels, decodePng } from '../support/png.js';
import { waitFor } from '../support/wait.js';

const ROOT = join(__dirname, '..', '..');
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as Stage;
const cmd = execForm(instructionsOf(runtime, 'CMD').at(-1) ?? '[]');
/** The CMD's script and Node's flags before it. */
const entry = cmd.at(-1) ?? '';
const nodeFlags = cmd.slice(1, -1);
/** A stage's ENV settings (the `KEY=value …` form). */
const envOf = (stage: Stage): Record<string, string> =>
  Object.fromEntries(instructionsOf(stage, 'ENV').flatMap((args) => args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string])));
const env = envOf(runtime);
const healthcheck = execForm(splitFlags(instructionsOf(runtime, 'HEALTHCHECK').at(-1)?.replace(/\s+CMD\s+/, ' ') ?? '').rest);
const workdirOf = (stage: Stage): string => instructionsOf(stage, 'WORKDIR').at(-1) ?? '/';

/** `npm start`'s Node flags, as package.json has them. */
function npmStartFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const flags = /\bnode((?:\s+--\S+)*)\s+dist\/main\.js/.exec(start)?.[1];
  if (flags === undefined) throw new Error(`npm start does not run node … dist/main.js: ${start}`);
  return flags.trim().split(/\s+/).filter(Boolean);
}

/** `npm start`'s settings for Node's runtime (`KEY=value` before `node`), NODE_ENV aside. */
function npmStartRuntimeEnv(): Record<string, string> {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const assignments = /^((?:\w+=\S+\s+)*)node\b/.exec(start)?.[1] ?? '';
  return Object.fromEntries(assignments.trim().split(/\s+/).filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]).filter(([key]) => key !== 'NODE_ENV'));
}

/** Runs one command of a RUN instruction in `dir`, the way the image build would. */
function run(command: string, dir: string, stageEnv: Record<string, string>, installedModules?: string): void {
  const words = command.split(/\s+/);
  if (words[0] === 'npm' && words[1] === 'ci' && installedModules) {
    // The build stage's full install: this checkout's own, from the same lock file.
    symlinkSync(installedModules, join(dir, 'node_modules'), 'dir');
    return;
  }
  if (words[0] === 'npm') {
    const result = spawnSync('npm', [...words.slice(1), '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...stageEnv } });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return;
  }
  throw new Error(`The test does not know how to do "${command}" outside a container; teach it in test/deploy/production-install.test.ts`);
}

/** `chmod [-R] MODE PATH…` as the image build runs it (octal modes only: what the Dockerfile uses). */
function chmodAll(words: string[], target: StageDir): void {
  const recursive = words.includes('-R');
  const [mode, ...paths] = words.filter((word) => !word.startsWith('-'));
  if (!mode || !/^[0-7]{3,4}$/.test(mode)) throw new Error(`The test knows only octal chmod modes, not "${mode ?? ''}"`);
  const apply = (path: string): void => {
    chmodSync(path, Number.parseInt(mode, 8));
    if (recursive && statSync(path).isDirectory()) readdirSync(path).forEach((entry) => apply(join(path, entry)));
  };
  paths.forEach((path) => apply(inStage(target, path)));
}

/**
 * Lays a stage out in `dir` (its WORKDIR): COPY copies, `npm …` runs, `mkdir -p` makes folders, `chmod`
 * sets modes, and `chown` is left to Docker (this test's user owns everything it makes).
 */
function replay(stage: Stage, dir: string, laidOut: Record<string, StageDir>, installedModules?: string): StageDir {
  const target = { dir, workdir: workdirOf(stage) };
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'COPY') replayCopy(args, ROOT, laidOut, target);
    if (keyword !== 'RUN') continue;
    for (const command of splitFlags(args).rest.split('&&').map((part) => part.trim())) {
      const [program, ...rest] = command.split(/\s+/);
      if (program === 'mkdir') rest.filter((word) => !word.startsWith('-')).forEach((path) => mkdirSync(inStage(target, path), { recursive: true }));
      else if (program === 'chmod') chmodAll(rest, target);
      else if (program !== 'chown') run(command, dir, envOf(stage), installedModules);
    }
  }
  if (stage.name) laidOut[stage.name] = target;
  return target;
}

describe('The production image, done outside a container as its Dockerfile says (slow: installs from the npm registry)', function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  let app: string;
  let desk: FrontDesk | undefined;

  before(function () {
    this.timeout(600_000);
    const laidOut: Record<string, StageDir> = {};
    for (const stage of stages.slice(0, -1)) {
      const dir = mkdtempSync(join(tmpdir(), `parkbot-image-${stage.name ?? 'stage'}-`));
      dirs.push(dir);
      replay(stage, dir, laidOut, join(ROOT, 'node_modules'));
    }
    app = mkdtempSync(join(tmpdir(), 'parkbot-image-runtime-'));
    dirs.push(app);
    replay(runtime, app, laidOut);
  });

  after(async () => {
    await desk?.world.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('starts node itself (not npm, not a shell), with npm start’s heap flags, as an unprivileged user, stopped by SIGTERM', () => {
    assert.equal(cmd[0], 'node', 'CMD in exec form, node first: node is PID 1 and gets SIGTERM');
    assert.equal(entry, 'dist/main.js');
    assert.deepEqual(nodeFlags, npmStartFlags());
    assert.equal(env.NODE_ENV, 'production');
    for (const [key, value] of Object.entries(npmStartRuntimeEnv())) assert.equal(env[key], value, `ENV ${key}=${value}, as npm start has it`);
    const user = instructionsOf(runtime, 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user ?? '(none)'}: the bot must not run as root`);
    assert.deepEqual(instructionsOf(runtime, 'STOPSIGNAL'), ['SIGTERM']);
    assert.equal(healthcheck[0], 'node', 'the health check needs no curl');
  });

  it('runs on the Node.js release the project runs its tests on (package.json’s own node)', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const image = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-[\w-]*slim$/m.exec(dockerfile)?.[1];
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    assert.equal(image, pkg.devDependencies.node, 'ARG NODE_IMAGE: a slim image of the same Node.js release');
    assert.ok(stages.every((stage) => stage.image === '${NODE_IMAGE}'), 'every stage starts from it');
  });

  it('installs the production dependencies, none of the development ones, and none of the optional ones .npmrc leaves out', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    for (const name of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(app, 'node_modules', name, 'package.json')), `${name} is installed`);
    // Those only development needs (a few, such as @types/node, are also wanted by production packages).
    const devOnly = Object.keys(pkg.devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev);
    assert.ok(['typescript', 'mocha', 'tsx'].every((name) => devOnly.includes(name)));
    for (const name of devOnly) assert.equal(existsSync(join(app, 'node_modules', name)), false, `${name} (a development dependency) is not installed`);
    if (/^omit=.*\boptional\b/m.test(readFileSync(join(ROOT, '.npmrc'), 'utf8'))) {
      const optional = Object.keys(lock.packages).filter((path) => path && lock.packages[path]?.optional);
      const installed = optional.filter((path) => existsSync(join(app, path)));
      assert.deepEqual(installed, [], 'optional packages (.npmrc: omit=optional; an --omit on the command line replaces it)');
    }
    assert.equal(existsSync(join(app, 'src', 'main.ts')), false, 'no TypeScript sources, only dist/');
  });

  it('parks and retrieves through the simulator, keeps its SQLite database in data/ (and backs it up), answers its health check and stops cleanly on SIGTERM', async () => {
    desk = await openFrontDesk(['rita', 'sam'], {
      cwd: app,
      entry,
      nodeOptions: nodeFlags,
      // What the image has: its ENV, and DATABASE_URL's default (a file under WORKDIR/data).
      env: { ...env, DATABASE_URL: 'sqlite:./data/parkbot.db' },
    });
    const { world, rita, sam, frontDesk } = desk;
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp', number: '+15550100' } });

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park my call'), 'the parked-call card');
    assert.match(cardText(card), /Call waiting on 2001/);
    assert.match(cardText(card), /Acme Corp \(\+15550100\)/);
    assert.equal(cardOf(card).actions?.[0]?.title, 'Retrieve');
    const taken = await world.expectBotMessage(frontDesk, () => world.tap(sam, card), 'the retrieved card');
    assert.match(cardText(taken), /Retrieved by Sam Sales/);
    assert.equal(world.sim.telephony.list(sam.id)[0]?.remoteParty.name, 'Acme Corp', 'Sam has the caller');
    // The report's chart is drawn with the renderer and the font the image installed, nothing of the system's.
    const report = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'report'), 'the report card', (m) => cardText(m).startsWith('Front desk report'));
    const chart = await waitFor('the report chart', () => world.botMessages(frontDesk).find((m) => m.parentId === report.id && m.files?.length === 1));
    const image = decodePng(world.sim.org.contents.get(/\/contents\/([^/?]+)$/.exec(chart.files?.[0] ?? '')?.[1] ?? '')?.bytes ?? Buffer.alloc(0));
    assert.ok(darkPixels(image, { x: 60, y: 10, width: 400, height: 30 }) > 200, 'the chart’s title is drawn: the image carries its font');
    assert.ok(existsSync(join(app, 'node_modules', 'dejavu-fonts-ttf', 'ttf', 'DejaVuSans.ttf')));
    assert.ok(existsSync(join(app, 'data', 'parkbot.db')), 'the database is in the folder the image makes for its volume');
    const backup = spawnSync(process.execPath, ['dist/ops/backup.js', 'data/backup.db'], { cwd: app, env: { ...env, DATABASE_URL: 'sqlite:./data/parkbot.db' }, encoding: 'utf8' });
    assert.equal(backup.status, 0, `a backup from the installed image, while it runs: ${backup.stderr}`);
    assert.ok(existsSync(join(app, 'data', 'backup.db')));

    const probe = (): number | null =>
      spawnSync(process.execPath, healthcheck.slice(1), { env: { PORT: String(world.botPort) }, timeout: 10_000 }).status;
    assert.equal(probe(), 0, 'the HEALTHCHECK passes while the bot runs');
    assert.equal(await world.bot.stop('SIGTERM'), 0, 'SIGTERM stops the bot cleanly');
    assert.equal(probe(), 1, 'the HEALTHCHECK fails once it is gone');
  });

  it('serves the playground from what it copied, when no bot token is set', async () => {
    const port = await freePort();
    const playground = new BotProcess({ ...env, PORT: String(port), DOTENV_CONFIG_PATH: '/nonexistent/.env' }, { entry, nodeOptions: nodeFlags, cwd: app });
    try {
      await playground.start();
      for (const path of ['/playground', '/playground/app.js', '/playground/adaptivecards.js']) {
        const answer = await fetch(`http://localhost:${port}${path}`);
        assert.equal(answer.status, 200, `${path} answers`);
      }
    } finally {
      await playground.stop();
    }
  });
});
