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

/**
 * Internal plugins the public ones above require only for what a bot on webhooks never does: `listen()`
 * (events over the Mercury websocket) and the read-status listings (encrypted conversations). Loading
 * them brings the KMS encryption stack (node-jose, pkijs, node-forge, a WebCrypto polyfill), the
 * websocket client and the conversation, feature and user plugins: about 1,900 of the SDK's files,
 * 9 MB of heap and 11 MB resident at start (bench/README.md). They are replaced by empty modules, so
 * `webex.internal.conversation` and `webex.internal.mercury` do not exist: calling `listen()` or a
 * `…WithReadStatus` listing fails at once instead of opening a socket.
 */
export const UNUSED_INTERNAL_PLUGINS = ['@webex/internal-plugin-conversation', '@webex/internal-plugin-mercury'];

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
  for (const plugin of FRAMEWORK_PLUGINS) {
    const fromPlugin = createRequire(fromSdk.resolve(plugin));
    for (const unused of UNUSED_INTERNAL_PLUGINS) leaveEmpty(fromPlugin.resolve(unused));
    fromSdk(plugin);
  }
  const merge = fromSdk('lodash/merge') as (...objects: object[]) => object;
  const WebexCore = (fromSdk('@webex/webex-core') as { default: { extend(props: object): WebexConstructor } }).default;
  const config = fromSdk('./config') as object;
  const { version } = fromSdk('../package.json') as { version: string };
  const Webex = WebexCore.extend({ webex: true, version });
  Webex.init = (attrs: { config?: object } = {}) => new Webex({ ...attrs, config: merge({}, config, attrs.config ?? {}) });
  provide(entry, Webex);
}

/** `require(path)` returns `exports` from now on, without reading the file. */
function provide(path: string, exports: unknown): void {
  const loaded = new Module(path);
  loaded.filename = path;
  loaded.loaded = true;
  loaded.exports = exports;
  require.cache[path] = loaded;
}

/** An SDK plugin module, required only for the plugin it registers, made to register nothing. */
function leaveEmpty(path: string): void {
  if (!require.cache[path]) provide(path, {});
}
