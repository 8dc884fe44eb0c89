// The one typed description of every table. Timestamps are ISO-8601 UTC strings on both engines,
// so the same queries compare and sort them the same way on SQLite and PostgreSQL.
import type { Generated } from 'kysely';

/**
 * pending, then sent/failed/unknown from the send path; delivered, read, played and failed from
 * Meta's status webhooks (conversations/status-order.ts); received for an inbound message.
 */
export type MessageStatus = 'pending' | 'sent' | 'failed' | 'unknown' | 'delivered' | 'read' | 'played' | 'received';

export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  whatsapp_provider_choice: string;
  meta_phone_id: string | null;
  /** AES-256-GCM ciphertext (organizations/token-cipher.ts), never the token itself. */
  whatsapp_bearer_token: string | null;
  /** The WhatsApp Business Account the number belongs to (digits), if known. */
  meta_waba_id: string | null;
  /** Meta's app id of the app whose webhooks this organization receives: meta_apps.meta_app_id. */
  meta_app_id: string | null;
  /** The 24-hour window rule for this organization: 'on', 'off', or null for WINDOW_CHECK (migration 012). */
  window_check: string | null;
  created_at: string;
  updated_at: string;
}

/** A Meta app (migration 004): one may serve many organizations, each by its meta_phone_id. */
export interface MetaAppsTable {
  id: string;
  /** Meta's app id (digits), public: the `{app}` of the webhook URL. Never changes. */
  meta_app_id: string;
  name: string | null;
  /** AES-256-GCM ciphertext (organizations/token-cipher.ts), never the secret itself. */
  app_secret: string;
  /** Ciphertext of the app secret before the last change, while it is still accepted; else null. */
  app_secret_previous: string | null;
  /** AES-256-GCM ciphertext, as app_secret. */
  verify_token: string;
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  /** Non-secret display prefix, e.g. "fiq_3kT9x2". */
  prefix: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  key_hash: string;
  label: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface ContactsTable {
  id: string;
  organization_id: string;
  /** Digits only; null for a WhatsApp user known only by user id (no number in the webhook). */
  whatsapp_number: string | null;
  name: string | null;
  email: string | null;
  /** JSON object of custom fields, or null. */
  custom_fields: string | null;
  created_at: string;
  updated_at: string;
  /** Meta's business-scoped user id (2026), when a webhook named it; unique per organization. */
  user_id: string | null;
}

export interface CustomerSessionsTable {
  id: string;
  organization_id: string;
  contact_id: string;
  status: string;
  message_count: Generated<number>;
  last_message_at: string;
  created_at: string;
  updated_at: string;
  /** The customer's last inbound message: the 24-hour window runs from here. */
  last_inbound_at: string | null;
  /** Inbound messages no agent has read yet. */
  unread_count: Generated<number>;
  /** When Meta said the window was closed (131047): closed until the customer writes after it (migration 012). */
  window_closed_at: string | null;
}

export interface HelpdeskMessagesTable {
  id: string;
  organization_id: string;
  contact_id: string;
  session_id: string;
  direction: 'outbound' | 'inbound';
  message_type: string;
  /** The request content as JSON. */
  content: string;
  media_url: string | null;
  whatsapp_message_id: string | null;
  status: MessageStatus;
  error_code: string | null;
  error_message: string | null;
  /** JSON: Meta's error or the transport failure, for the inbox and operators. */
  error_details: string | null;
  request_id: string | null;
  created_at: string;
  updated_at: string;
  /** When the current status happened (Meta's timestamp for webhook statuses). */
  status_at: string | null;
  /** JSON: Meta's pricing and conversation from the latest status that carried them. */
  pricing: string | null;
  conversation: string | null;
  /** Inbound: the wamid this message replies to, or the one a reaction is on. */
  context_wamid: string | null;
  /** Inbound media: pending, stored or failed; null for a message without media. */
  media_status: string | null;
  /** Inbound media: fetch attempts so far (each claim counts one). */
  media_attempts: Generated<number>;
  /** Inbound media, while pending: when the next attempt is due, or the claim's lease; null = now. */
  media_next_at: string | null;
  /** A free-form send: when its window closed or was to close as it was sent; else null (migration 012). */
  window_ends_at: string | null;
  /** Sent from the inbox: the agent who sent it; else null (migration 016). */
  sent_by_agent_id: string | null;
}

export interface IdempotencyKeysTable {
  organization_id: string;
  idempotency_key: string;
  scope: string;
  request_hash: string;
  state: 'in_progress' | 'done';
  response_status: number | null;
  response_body: string | null;
  expires_at: string;
  created_at: string;
}

export interface WebhookReceiptsTable {
  id: string;
  meta_app_id: string;
  received_at: string;
  /** The signed body as received (UTF-8 text). */
  body: string;
  state: 'pending' | 'processed' | 'failed';
  attempts: Generated<number>;
  processed_at: string | null;
  /** JSON: counts per item kind, and each item not applied with its path and reason. */
  outcome: string | null;
  last_error: string | null;
}

export interface MessageStatusesTable {
  id: string;
  organization_id: string;
  whatsapp_message_id: string;
  /** As Meta sent it: sent, delivered, read, played, failed, or a value Meta adds later. */
  status: string;
  /** Meta's timestamp. */
  occurred_at: string;
  received_at: string;
  recipient_id: string | null;
  /** JSON arrays/objects as Meta sent them (errors[] of a failed status, conversation, pricing). */
  errors: string | null;
  conversation: string | null;
  pricing: string | null;
  receipt_id: string;
  /** When it was applied to its message; null while no message has its wamid. */
  applied_at: string | null;
}

export interface Database {
  organizations: OrganizationsTable;
  meta_apps: MetaAppsTable;
  api_keys: ApiKeysTable;
  contacts: ContactsTable;
  customer_sessions: CustomerSessionsTable;
  helpdesk_messages: HelpdeskMessagesTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_receipts: WebhookReceiptsTable;
  message_statuses: MessageStatusesTable;
  webhook_endpoints: WebhookEndpointsTable;
  events: EventsTable;
  event_deliveries: EventDeliveriesTable;
  event_attempts: EventAttemptsTable;
  templates: TemplatesTable;
  template_resyncs: TemplateResyncsTable;
  event_clock: EventClockTable;
  agents: AgentsTable;
  agent_sessions: AgentSessionsTable;
  agent_password_tokens: AgentPasswordTokensTable;
}

/** An inbox agent of one organization (migration 013, src/agents/). */
export interface AgentsTable {
  id: string;
  organization_id: string;
  /** Trimmed and lower-cased: unique per organization whatever its letter case. */
  email: string;
  name: string | null;
  role: 'admin' | 'agent';
  /** Argon2id PHC string; null until the agent has set a password through their link. */
  password_hash: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A signed-in browser: id is the SHA-256 of the cookie's token, never the token itself. */
export interface AgentSessionsTable {
  id: string;
  agent_id: string;
  organization_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** A one-time set-password link: id is the SHA-256 of its token. */
export interface AgentPasswordTokensTable {
  id: string;
  agent_id: string;
  created_at: string;
  expires_at: string;
}

/** One row: the last number given to an event (migration 010). */
export interface EventClockTable {
  id: number;
  seq: number;
}

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types, or ["*"]. */
  event_types: string;
  /** Encrypted (TokenCipher), as Meta tokens are. */
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
  enabled: number;
  disabled_reason: string | null;
  /** Since when every attempt failed; null after a success. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export interface EventsTable {
  id: string;
  organization_id: string;
  type: string;
  /** The thread (customer_sessions.id), if the event has one. */
  conversation_id: string | null;
  /** What orders it: its thread; null when nothing does (an event without a thread). */
  order_key: string | null;
  /** Its number on event_clock, in commit order (migration 010). */
  order_seq: number | null;
  /** JSON: the event's data. */
  payload: string;
  created_at: string;
}

export interface EventDeliveriesTable {
  event_id: string;
  endpoint_id: string;
  order_key: string | null;
  order_seq: number | null;
  state: 'pending' | 'delivered' | 'dead';
  attempts: Generated<number>;
  next_at: string;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface EventAttemptsTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** An organization's message template, as Meta's last sync (or template webhook) gave it (migration 011). */
export interface TemplatesTable {
  organization_id: string;
  /** The WhatsApp Business Account it was read from (organizations.meta_waba_id at the sync). */
  waba_id: string;
  /** Meta's template id: the webhooks' message_template_id. */
  meta_id: string;
  name: string;
  language: string;
  /** Meta's status, upper-case: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … */
  status: string;
  category: string;
  /** POSITIONAL or NAMED. */
  parameter_format: string;
  /** JSON: Meta's components array as returned. */
  components: string;
  /** Meta's quality score (GREEN, YELLOW, RED, UNKNOWN), if it gave one. */
  quality: string | null;
  rejected_reason: string | null;
  synced_at: string;
}

/** A resync asked for by a template webhook, taken by the template job (migration 011). */
export interface TemplateResyncsTable {
  organization_id: string;
  id: string;
  requested_at: string;
}
