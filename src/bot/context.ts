import type { CallingApi } from '../webex/calling-api.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { LinkFlow } from '../auth/link-flow.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import type { Conversation } from './conversation.js';
import type { Metrics } from '../ops/metrics.js';

/** Everything a handler may use; built once at start and passed in, so tests can pass their own. */
export interface BotServices {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
  linkFlow: LinkFlow;
  logger: Logger;
  metrics: Metrics;
}

/** One incoming event: where to answer and with what. */
export interface HandlerContext {
  services: BotServices;
  conversation: Conversation;
  isDirect: boolean;
  logger: Logger;
}
