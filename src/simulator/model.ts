/** The records the simulator keeps, in the shapes the Webex REST API returns (see shared/webex-spec). */

export interface SimPerson {
  id: string;
  emails: string[];
  phoneNumbers: { type: string; value: string }[];
  extension?: string;
  displayName: string;
  nickName: string;
  firstName: string;
  lastName: string;
  orgId: string;
  created: string;
  type: 'person' | 'bot';
}

export interface SimRoom {
  id: string;
  title: string;
  type: 'direct' | 'group';
  isLocked: boolean;
  lastActivity: string;
  creatorId: string;
  created: string;
  ownerId: string;
}

export interface SimMembership {
  id: string;
  roomId: string;
  personId: string;
  personEmail: string;
  personDisplayName: string;
  personOrgId: string;
  isModerator: boolean;
  isMonitor: boolean;
  isRoomHidden: boolean;
  roomType: 'direct' | 'group';
  created: string;
}

export interface SimAttachment {
  contentType: string;
  content: unknown;
}

export interface SimMessage {
  id: string;
  roomId: string;
  roomType: 'direct' | 'group';
  parentId?: string;
  text?: string;
  markdown?: string;
  html?: string;
  /** At most one: Webex takes one file per message. */
  files?: string[];
  attachments?: SimAttachment[];
  personId: string;
  personEmail: string;
  mentionedPeople?: string[];
  created: string;
  updated?: string;
}

export interface SimAttachmentAction {
  id: string;
  type: 'submit';
  messageId: string;
  inputs: Record<string, unknown>;
  personId: string;
  roomId: string;
  created: string;
}

export interface SimWebhook {
  id: string;
  name: string;
  targetUrl: string;
  resource: string;
  event: string;
  filter?: string;
  secret?: string;
  status: 'active' | 'inactive';
  created: string;
  orgId: string;
  createdBy: string;
  appId: string;
  ownedBy: 'creator' | 'org';
}

export interface SimParty {
  name?: string;
  number?: string;
  personId?: string;
  placeId?: string;
  privacyEnabled: boolean;
  callType: 'location' | 'organization' | 'external' | 'emergency' | 'repair' | 'other';
}

export type SimCallState = 'connecting' | 'alerting' | 'connected' | 'held' | 'remoteHeld' | 'disconnected';

export interface SimCall {
  id: string;
  callSessionId: string;
  personality: 'originator' | 'terminator' | 'clickToDial';
  state: SimCallState;
  remoteParty: SimParty;
  appearance: number;
  created: string;
  answered?: string;
  muteCapable: boolean;
  muted: boolean;
  /** A parked call ringing back the person who parked it. */
  recall?: { type: 'park'; party: SimParty };
}

/** A device or application a person's calls ring on. */
export interface SimEndpoint {
  id: string;
  type: 'DEVICE' | 'APPLICATION';
  name: string;
  isPreferredAnswerEndpoint: boolean;
}

export interface SimParkedCall {
  call: SimCall;
  parkedBy: string;
  /** The secondary line it was parked from (its `lineOwnerId`): a recall rings that line again (modelled). */
  fromLine?: string;
  parkedAgainst: SimParty;
  parkedAt: string;
  /** When it rings back the parker if nobody retrieves it. */
  recallAt: string;
}

export type TokenKind = 'bot' | 'access' | 'refresh';

export interface SimToken {
  personId: string;
  kind: TokenKind;
  scopes: string[];
  expiresAt: number;
  clientId?: string;
}

export interface SimIntegration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  name: string;
}

export interface SimAuthorizationCode {
  clientId: string;
  redirectUri: string;
  personId: string;
  scopes: string[];
  codeChallenge?: string;
  expiresAt: number;
}

/**
 * A failure the test asks for: the next `times` matching requests wait `delayMs`, then get `status`
 * instead of an answer (or, without a status, their normal answer).
 */
export interface SimFault {
  method: string;
  path: string;
  status?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  times: number;
  personId?: string;
}

/**
 * Webex failing for a while rather than once: every matching API request until `until` (epoch ms) is
 * answered `status` with Webex's error body (and `Retry-After` when set), as in a 5xx or 429 storm.
 */
export interface SimOutage {
  status: number;
  until: number;
  retryAfterSeconds?: number;
  /** Only these methods; every method when unset. */
  method?: string;
  /** Only paths starting with this (relative to `/v1`), e.g. `/telephony/calls`; every path when unset. */
  pathPrefix?: string;
  /** Only requests made with a person's own token ('access') or the bot's ('bot'). */
  tokenKind?: 'access' | 'bot';
}

export interface SimRequestRecord {
  method: string;
  /** Relative to `/v1`. */
  path: string;
  query: Record<string, unknown>;
  personId?: string;
  tokenKind?: TokenKind;
  status: number;
  /** The JSON body sent, if any. */
  body?: unknown;
  /** The JSON body answered, if any. */
  response?: unknown;
  /** When it arrived, and when its answer left (epoch ms, sub-millisecond). */
  at: number;
  answeredAt?: number;
}

export interface SimDelivery {
  webhookId: string;
  /** Exactly what was sent, to replay a delivery as Webex does when it retries. */
  body: string;
  signature?: string;
  resource: string;
  event: string;
  dataId: string;
  status: number | 'error';
  at: number;
}

/**
 * A line that appears on people's phones besides their own (Webex's secondary lines): a virtual line
 * (the company's main number, say), a workspace's line, or a colleague's line shared onto their phone.
 * Its calls are reached with `lineOwnerId` = its `id` (for `PEOPLE`, the colleague's person id).
 */
export interface SimLine {
  id: string;
  memberType: 'PEOPLE' | 'PLACE' | 'VIRTUAL_LINE';
  displayName: string;
  extension?: string;
  phoneNumber?: string;
  /** Whose phones the line appears on. */
  sharedWith: string[];
}

/** A file posted with a message, kept whole so that a test (or the playground) can look at it. */
export interface SimContent {
  id: string;
  roomId: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}
