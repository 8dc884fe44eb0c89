// Public types of the simulator's webhook side: the apps it posts to, the statuses it posts for
// accepted messages, the faults that bend them, inbound messages and the delivery log.
// They live beside types.ts rather than in it, so the older shapes there stay exactly as they were.
import type { MetaSimTemplateControls, MetaSimTemplateOptions } from './templates-types.js';
import type { MetaSim, MetaSimOptions } from './types.js';

/**
 * How a webhook body is written and what the signature covers (docs/META.md §5):
 *  - 'escaped' (default): the body itself is the escaped form: every non-ASCII UTF-16 code unit as
 *    \uXXXX with lowercase hex and every "/" as "\/"; the signature covers those exact bytes.
 *  - 'utf8-escaped-signature': the body carries raw UTF-8 (slashes still escaped), but the
 *    signature is computed over the escaped form, so only a receiver that re-escapes verifies it.
 *  - 'utf8': plain JSON.stringify output in UTF-8, signed over those bytes.
 */
export type WebhookEncoding = 'escaped' | 'utf8-escaped-signature' | 'utf8';

/**
 * One Meta app: its callback URL and app secret. It receives the webhooks of every WABA it is
 * subscribed to (all WABAs when `wabas` is absent). Several apps on one WABA each receive every
 * webhook, as at Meta; to give each phone number its own callback, give each phone its own WABA id
 * and subscribe one app to it.
 */
export interface SimWebhookApp {
  /** Default: "app-1", "app-2", … in the order added. Adding an app with an existing id replaces it. */
  id?: string;
  callbackUrl: string;
  appSecret: string;
  /** WABA ids the app is subscribed to; absent = all. */
  wabas?: string[];
  /** Overrides the simulator-wide encoding for this app. */
  encoding?: WebhookEncoding;
}

/** Milliseconds after the send is accepted; null = that status is never posted automatically. */
export interface SimStatusDelays {
  sent: number | null;
  delivered: number | null;
  read: number | null;
}

export interface SimWebhookConfig {
  /** Default { sent: 0, delivered: 500, read: 1500 }. */
  statusDelays: SimStatusDelays;
  /**
   * Waits before each retry, in ms: a webhook is tried once, then once after each wait, so it is
   * tried retryScheduleMs.length + 1 times before the simulator gives up. Default
   * [1000, 5000, 30000, 120000, 600000]; tests use a few milliseconds.
   */
  retryScheduleMs: number[];
  /** An attempt that has not answered within this many ms counts as failed (default 10000). */
  timeoutMs: number;
  /** Default 'escaped', as Meta does. */
  encoding: WebhookEncoding;
  /** How long a media download URL stays valid (default 300000: Meta's 5 minutes). */
  mediaUrlTtlMs: number;
  /**
   * Business-scoped user ids on statuses, as Meta has sent them since 2026 (default false): each
   * status gets recipient_user_id, and the value a contacts[] of {wa_id, user_id}, without profile.
   */
  statusContacts: boolean;
}

/** Per-phone facts webhooks carry. Defaults are derived from the phone id, so they never change between runs. */
export interface SimPhoneInfo {
  /** entry[].id of the phone's webhooks. */
  wabaId?: string;
  /** metadata.display_phone_number, digits. */
  displayPhoneNumber?: string;
}

export interface MetaSimWebhookOptions {
  /** Apps to post webhooks to. Without any, nothing is posted (and benchmarks pay nothing). */
  apps?: SimWebhookApp[];
  /** phone_number_id -> WABA id and display number. */
  phoneInfo?: Record<string, SimPhoneInfo>;
  webhookConfig?: Partial<SimWebhookConfig>;
}

export type MetaSimAllOptions = MetaSimOptions & MetaSimWebhookOptions & MetaSimTemplateOptions;

export interface SimFailedStatus {
  code: number;
  /** Default: the title Meta uses for the code when the simulator knows it, else "Message failed to send". */
  title?: string;
  /** Default: the title (Meta sends the same text). */
  message?: string;
  details?: string;
  /** 'sent' (default): failed follows a sent status; 'none': failed is the only status. */
  after?: 'sent' | 'none';
}

/**
 * Bends the statuses posted for matching accepted messages. Tried in the order injected; at most
 * one applies to a message. Options combine.
 */
export interface SimStatusFault {
  /** Only messages to this recipient (digits; a leading + is ignored). */
  to?: string;
  skip?: number;
  /** Default 1; Infinity allowed (null over HTTP). */
  times?: number;
  /** Post every status this many extra times (each as its own webhook). */
  duplicate?: number;
  /** Post the statuses latest first (read, delivered, sent); timestamps keep the true order. */
  reverse?: boolean;
  /** No delivered: read follows sent directly, as when the user has the chat open. */
  skipDelivered?: boolean;
  /** End with a failed status carrying this error; no delivered or read. */
  failed?: SimFailedStatus;
  /** The first status is posted, and its first attempt answered, before the send call is answered. */
  beforeAnswer?: boolean;
  /** Post all of the message's statuses in one webhook, at the time of the last. */
  batch?: boolean;
  /** Post no statuses at all. */
  none?: boolean;
  encoding?: WebhookEncoding;
}

/** One status of POST /_sim/statuses: posted now, for a message the simulator accepted. */
export interface SimStatusItem {
  wamid: string;
  /** sent, delivered, read, played, failed, or any other string (receivers must keep unknown ones). */
  status: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** For failed. */
  error?: Omit<SimFailedStatus, 'after'>;
}

export type InboundType =
  | 'text'
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contacts'
  | 'interactive'
  | 'button'
  | 'reaction'
  | 'order'
  | 'system'
  | 'request_welcome'
  | 'unsupported'
  | 'revoke';

/**
 * A customer's message. `type` names the object; for media types that object may also carry
 * `data` (base64 bytes) and `mime_type`, and the simulator stores the bytes and fills in id,
 * sha256, url and mime_type. Everything not listed passes through to Meta's payload unchanged.
 */
export interface SimInbound {
  /** Default: the only phone, else required. */
  phone_id?: string;
  type: InboundType;
  /** The customer's wa_id (digits), default "16505551234"; null = a username user with no phone number (from and wa_id omitted). */
  from?: string | null;
  /** contacts[].profile.name, default "Test Customer". */
  name?: string;
  /** The business-scoped user id; default derived from the WABA and wa_id; null = omitted. */
  user_id?: string | null;
  /** Default: a new wamid. */
  id?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  context?: Record<string, unknown>;
  referral?: Record<string, unknown>;
  encoding?: WebhookEncoding;
  [typeObject: string]: unknown;
}

export type WebhookKind = 'statuses' | 'messages' | 'templates';

export interface SimWebhookAttempt {
  /** Epoch ms the attempt started. */
  at: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed without an HTTP status (timeout, refused connection…). */
  error?: string;
  ms: number;
}

export interface SimWebhookDelivery {
  /** "wh-1", "wh-2", … */
  id: string;
  appId: string;
  callbackUrl: string;
  /** What the payload carries: message statuses, inbound messages, or a template change (field message_template_status_update, message_template_quality_update or template_category_update). */
  kind: WebhookKind;
  /** pending: not yet answered 200 and retries remain; delivered: answered 200; failed: gave up. */
  state: 'pending' | 'delivered' | 'failed';
  /** The exact body posted. */
  body: string;
  /** The X-Hub-Signature-256 header posted. */
  signature: string;
  encoding: WebhookEncoding;
  /** The body parsed. */
  payload: unknown;
  /** Statuses: the message wamids; messages: the inbound wamids. */
  wamids: string[];
  /** Statuses: the status values, in payload order. */
  statuses: string[];
  attempts: SimWebhookAttempt[];
  createdAt: number;
}

export interface SimInboundResult {
  /** The messages[] items as posted. */
  messages: unknown[];
  contacts: unknown[];
  /** One delivery per subscribed app. */
  deliveries: string[];
}

/** What the verification handshake saw (Meta's GET when a callback URL is saved). */
export interface SimVerifyResult {
  /** True when the callback answered 200 with exactly the challenge as its body. */
  verified: boolean;
  callbackUrl: string;
  challenge: string;
  status?: number;
  body?: string;
  error?: string;
}

export interface MetaSimWebhooks {
  addApp(app: SimWebhookApp): string;
  removeApps(): void;
  configure(config: Partial<SimWebhookConfig>): void;
  config(): SimWebhookConfig;
  setPhoneInfo(phoneId: string, info: SimPhoneInfo): void;
  /** The WABA id and display number webhooks of this phone carry. */
  phoneInfo(phoneId: string): Required<SimPhoneInfo>;
  injectStatusFault(f: SimStatusFault): void;
  clearStatusFaults(): void;
  /** Posts these statuses in one webhook per app (at most 1000). */
  emitStatuses(items: SimStatusItem[]): Promise<string[]>;
  /** One message, or several posted in one webhook (at most 1000). */
  inbound(message: SimInbound | SimInbound[]): Promise<SimInboundResult>;
  deliveries(): SimWebhookDelivery[];
  /** Meta's handshake: GET callback?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…, to an app's URL or any URL. */
  verify(target: { appId?: string; callbackUrl?: string; verifyToken: string }): Promise<SimVerifyResult>;
}

/** What startMetaSim answers: the Graph side, the webhook side, templates, the window and the clock. */
export type MetaSimWithWebhooks = MetaSim & { webhooks: MetaSimWebhooks } & MetaSimTemplateControls;
