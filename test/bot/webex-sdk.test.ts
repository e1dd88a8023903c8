import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FRAMEWORK_PLUGINS, UNUSED_INTERNAL_PLUGINS } from '../../src/bot/webex-sdk.js';

const root = join(__dirname, '..', '..');

describe('the Webex SDK as the framework loads it', () => {
  it('has every API the framework calls on webhooks, and none of the meetings, calendar or device plugins', () => {
    // A process of its own: this one may have loaded the whole SDK for other tests.
    const script = `
      const { loadWebexSdkForFramework } = require('./src/bot/webex-sdk.ts');
      loadWebexSdkForFramework();
      const Framework = require('webex-node-bot-framework');
      const Webex = require(require('node:module').createRequire(require.resolve('webex-node-bot-framework')).resolve('webex'));
      const webex = Webex.init({ credentials: { access_token: 'token' } });
      const apis = ['messages', 'memberships', 'people', 'rooms', 'webhooks', 'attachmentActions'].filter((name) => typeof webex[name]?.list === 'function' || typeof webex[name]?.get === 'function');
      const packages = Object.keys(require.cache).map((path) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/.exec(path)?.[1]).filter(Boolean);
      console.log(JSON.stringify({ framework: typeof Framework, apis, plugins: [...new Set(packages)].filter((name) => name.startsWith('@webex/')), packages: [...new Set(packages)], internal: ['conversation', 'mercury', 'encryption', 'device'].filter((name) => webex.internal[name]) }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const loaded = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { framework: string; apis: string[]; plugins: string[]; packages: string[]; internal: string[] };
    assert.equal(loaded.framework, 'function');
    assert.deepEqual(loaded.apis, ['messages', 'memberships', 'people', 'rooms', 'webhooks', 'attachmentActions']);
    for (const unused of ['@webex/plugin-meetings', '@webex/internal-plugin-calendar', '@webex/plugin-device-manager', '@webex/internal-plugin-presence']) {
      assert.ok(!loaded.plugins.includes(unused), `${unused} is not loaded`);
    }
    // Used only by listen() (the Mercury websocket) and the encrypted read-status listings: neither
    // plugin is registered, and what they would load (the KMS stack, the websocket client) is not.
    assert.deepEqual(loaded.internal, ['device']);
    for (const unused of ['@webex/internal-plugin-encryption', '@webex/internal-plugin-feature', 'node-jose', 'pkijs', 'node-forge', 'ws']) {
      assert.ok(!loaded.packages.includes(unused), `${unused} is not loaded`);
    }
  });

  it('leaves out only internal plugins the framework’s plugins require, so an SDK upgrade that drops or renames one is noticed', () => {
    const fromSdk = createRequire(createRequire(require.resolve('webex-node-bot-framework')).resolve('webex'));
    const required = new Set(
      FRAMEWORK_PLUGINS.flatMap((plugin) => [...readFileSync(fromSdk.resolve(plugin), 'utf8').matchAll(/require\("(@webex\/[^"]+)"\)/g)].map((match) => match[1])),
    );
    for (const unused of UNUSED_INTERNAL_PLUGINS) assert.ok(required.has(unused), `${unused} is required by one of ${FRAMEWORK_PLUGINS.join(', ')}`);
  });

  it('loads plugins the SDK’s own entry point loads, so an SDK upgrade that renames one is noticed', () => {
    const entry = createRequire(require.resolve('webex-node-bot-framework')).resolve('webex');
    const source = readFileSync(join(entry, '..', 'webex.js'), 'utf8');
    const sdkPlugins = [...source.matchAll(/require\('(@webex\/[^']+)'\)/g)].map((match) => match[1]);
    for (const plugin of FRAMEWORK_PLUGINS) assert.ok(sdkPlugins.includes(plugin), `${plugin} is one of the SDK's own`);
  });
});
