import { createRequire, Module } from 'node:module';

/**
 * The Webex SDK plugins the framework uses with webhooks: its identity (`people`), the spaces, their
 * memberships and messages, card actions and its own webhooks. `plugin-authorization` comes first, as in
 * the SDK's own entry point: it loads device registration, which the SDK's URL handling relies on.
 */
export const FRAMEWORK_PLUGINS = [
  '@webex/plugin-authorization',
  '@webex/plugin-logger',
  '@webex/plugin-attachment-actions',
  '@webex/plugin-messages',
  '@webex/plugin-memberships',
  '@webex/plugin-people',
  '@webex/plugin-rooms',
  '@webex/plugin-webhooks',
];

type WebexConstructor = (new (attrs: object) => unknown) & { init?: (attrs?: { config?: object }) => unknown };

/**
 * Makes the framework's `require('webex')` load only {@link FRAMEWORK_PLUGINS}. The SDK's entry point
 * (`webex/dist/webex.js`, repeated here without the rest of its plugin list) also loads meetings,
 * calendar, presence, support, teams and device management, which a bot on webhooks never calls: about
 * 20 MB more resident memory at start, and half a second. Must run before the framework is loaded.
 */
export function loadWebexSdkForFramework(): void {
  const entry = createRequire(require.resolve('webex-node-bot-framework')).resolve('webex');
  if (require.cache[entry]) return;
  const fromSdk = createRequire(entry);
  if (!(globalThis as { _babelPolyfill?: boolean })._babelPolyfill) fromSdk('@babel/polyfill');
  for (const plugin of FRAMEWORK_PLUGINS) fromSdk(plugin);
  const merge = fromSdk('lodash/merge') as (...objects: object[]) => object;
  const WebexCore = (fromSdk('@webex/webex-core') as { default: { extend(props: object): WebexConstructor } }).default;
  const config = fromSdk('./config') as object;
  const { version } = fromSdk('../package.json') as { version: string };
  const Webex = WebexCore.extend({ webex: true, version });
  Webex.init = (attrs: { config?: object } = {}) => new Webex({ ...attrs, config: merge({}, config, attrs.config ?? {}) });
  const loaded = new Module(entry);
  loaded.filename = entry;
  loaded.loaded = true;
  loaded.exports = Webex;
  require.cache[entry] = loaded;
}
