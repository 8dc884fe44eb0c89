// What Meta POSTs to a webhook, as Meta documents it (docs/META.md §10). These types describe the
// wire and document the fields the parser reads; they are never trusted. A body arrives as
// `unknown`, and src/inbound/parse.ts checks every field before anything is typed as one of these.
// Every field is optional on purpose: Meta adds, drops and omits fields between versions (BSUIDs in
// 2026 made `from` and `wa_id` optional), and a type that promised them would lie.

/** The one `object` value this gateway handles; other products' webhooks share the same app. */
export const WABA_OBJECT = 'whatsapp_business_account';

/** `field` values of the changes the parser turns into items; others are ignored, with a reason. */
export const MESSAGES_FIELD = 'messages';
export const TEMPLATE_FIELDS = [
  'message_template_status_update',
  'message_template_quality_update',
  'template_category_update',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

export interface WebhookBody {
  object?: string;
  entry?: WebhookEntry[];
}

export interface WebhookEntry {
  /** The WABA id. */
  id?: string;
  /** Unix seconds, on some fields only. */
  time?: number;
  changes?: WebhookChange[];
}

export interface WebhookChange {
  field?: string;
  value?: unknown;
}

/** Meta's error object, the same in value.errors, messages[].errors and statuses[].errors. */
export interface WebhookError {
  code?: number;
  title?: string;
  /** Same text as title in current versions. */
  message?: string;
  error_data?: { details?: string };
  href?: string;
}

/** The `value` of a `messages` change: inbound messages, statuses of ours, or errors. */
export interface MessagesValue {
  messaging_product?: 'whatsapp';
  /** Route by phone_number_id; display_phone_number is for people. */
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: WebhookContact[];
  messages?: InboundMessage[];
  statuses?: WebhookStatus[];
  errors?: WebhookError[];
}

/** Status webhooks carry contacts without `profile` since 2026: nothing here is guaranteed. */
export interface WebhookContact {
  wa_id?: string;
  /** Business-scoped user id (BSUID), e.g. `US.…`. */
  user_id?: string;
  parent_user_id?: string;
  profile?: { name?: string; username?: string };
}

export interface WebhookStatus {
  /** The wamid our send call returned. */
  id?: string;
  /** sent, delivered, read, played, failed; legacy deleted, warning; anything later. */
  status?: string;
  /** Unix seconds as a string. */
  timestamp?: string;
  recipient_id?: string;
  recipient_user_id?: string;
  recipient_type?: string;
  recipient_participant_id?: string;
  biz_opaque_callback_data?: string;
  conversation?: { id?: string; expiration_timestamp?: string; origin?: { type?: string } };
  pricing?: { billable?: boolean; pricing_model?: string; category?: string; type?: string };
  errors?: WebhookError[];
}

export interface WebhookMedia {
  id?: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  /** audio: true for a push-to-talk voice note. */
  voice?: boolean;
  /** sticker only. */
  animated?: boolean;
  /** 2026: a short-lived download URL; still needs the bearer token. */
  url?: string;
}

export interface WebhookContactCard {
  name?: { formatted_name?: string; first_name?: string; last_name?: string };
  phones?: { phone?: string; wa_id?: string; type?: string }[];
  emails?: { email?: string; type?: string }[];
  urls?: { url?: string; type?: string }[];
  org?: { company?: string; department?: string; title?: string };
  birthday?: string;
}

export interface WebhookInteractive {
  type?: string;
  button_reply?: { id?: string; title?: string };
  list_reply?: { id?: string; title?: string; description?: string };
  /** A Flow's answer; `response_json` is a JSON string, not an object. */
  nfm_reply?: { name?: string; body?: string; response_json?: string };
}

export interface InboundMessage {
  /** The sender's phone number; may be omitted for username-only users (2026). */
  from?: string;
  from_user_id?: string;
  id?: string;
  timestamp?: string;
  type?: string;
  group_id?: string;
  context?: {
    from?: string;
    id?: string;
    forwarded?: boolean;
    frequently_forwarded?: boolean;
    referred_product?: { catalog_id?: string; product_retailer_id?: string };
  };
  referral?: Record<string, unknown>;
  text?: { body?: string };
  image?: WebhookMedia;
  video?: WebhookMedia;
  audio?: WebhookMedia;
  document?: WebhookMedia;
  sticker?: WebhookMedia;
  location?: { latitude?: number; longitude?: number; name?: string; address?: string; url?: string };
  contacts?: WebhookContactCard[];
  interactive?: WebhookInteractive;
  button?: { text?: string; payload?: string };
  /** `emoji` is omitted, not empty, when the user removes a reaction. */
  reaction?: { message_id?: string; emoji?: string };
  order?: {
    catalog_id?: string;
    text?: string;
    product_items?: { product_retailer_id?: string; quantity?: number; item_price?: number; currency?: string }[];
  };
  system?: { body?: string; type?: string; wa_id?: string; user_id?: string; parent_user_id?: string };
  unsupported?: { type?: string };
  revoke?: { original_message_id?: string };
  errors?: WebhookError[];
}

/** The value of the three template fields; ids come as numbers in some versions, strings in others. */
export interface TemplateEventValue {
  message_template_id?: number | string;
  message_template_name?: string;
  message_template_language?: string;
  /** status update: APPROVED, REJECTED, PAUSED, … */
  event?: string;
  reason?: string;
  previous_quality_score?: string;
  new_quality_score?: string;
  previous_category?: string;
  new_category?: string;
}
