import type { CallingApi } from '../webex/calling-api.js';
import type { IdentityApi } from '../webex/identity-api.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { LinkFlow } from '../auth/link-flow.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../logger.js';
import type { Conversation } from './conversation.js';
import type { Metrics } from '../ops/metrics.js';
import type { CardBoard } from './card-board.js';
import type { SpaceMembers } from '../calls/park-call.js';
import type { MessagingApi } from '../webex/messaging-api.js';
import type { CallEventSubscriptions } from '../webhooks/call-event-subscriptions.js';
import type { RecentCalls } from '../calls/recent-calls.js';
import type { CallView } from '../calls/call-view.js';
import type { PersonLines } from '../calls/lines.js';
import type { ReportSettings } from '../config.js';

/** Everything a handler may use; built once at start and passed in, so tests can pass their own. */
export interface BotServices {
  calling: CallingApi;
  identity: IdentityApi;
  vault: TokenVault;
  store: Store;
  linkFlow: LinkFlow;
  logger: Logger;
  metrics: Metrics;
  board: CardBoard;
  subscriptions: CallEventSubscriptions;
  members: SpaceMembers;
  messaging: MessagingApi;
  recentCalls: RecentCalls;
  callView: CallView;
  /** Each person's secondary lines (the main number on their phone). */
  lines: PersonLines;
  /** `report`: the settings, and how long call records (with names) are kept. */
  report: ReportSettings & { recordsRetentionMs: number };
}

/** One incoming event: where to answer and with what. */
export interface HandlerContext {
  /** The event's key: what a replay of the same event has in common with the first run. */
  eventKey: string;
  services: BotServices;
  conversation: Conversation;
  isDirect: boolean;
  /** A card tap: answers that concern only the tapper go to them privately. */
  fromCard: boolean;
  logger: Logger;
}
