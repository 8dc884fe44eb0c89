// The items parseWebhook turns one webhook body into (docs/META.md §10.4). Each entry, change,
// message and status becomes its own item, so the job applying them can record, skip or retry one
// without touching the others. Every item carries `path`, where in the body it came from.
import type { TemplateField } from './webhook-types.js';

/** A JSON value copied out of the body, bounded in depth, keys and string length (parse-read.ts). */
export type LooseJson = null | boolean | number | string | LooseJson[] | { [key: string]: LooseJson };

/** Meta's error object, as found in value.errors, messages[].errors and statuses[].errors. */
export interface MetaErrorDetail {
  code?: number;
  title?: string;
  message?: string;
  details?: string;
  href?: string;
}

interface ItemBase {
  /** e.g. `entry[0].changes[1].value.statuses[3]`; `''` is the whole body. */
  path: string;
  /** Optional fields that were present but unusable (wrong type, too long) and were left out. */
  notes?: string[];
}

/** Which business number and account a message or status belongs to. */
export interface ChangeOrigin {
  /** entry.id */
  wabaId: string;
  /** value.metadata.phone_number_id: route by this, never by the display number. */
  phoneNumberId: string;
  displayPhoneNumber?: string;
}

export interface StatusItem extends ItemBase, ChangeOrigin {
  kind: 'status';
  wamid: string;
  /** Kept as received: sent, delivered, read, played, failed, or a value Meta adds later. */
  status: string;
  /** ISO 8601, from Meta's unix seconds. */
  timestamp: string;
  recipientId?: string;
  recipientUserId?: string;
  recipientType?: string;
  recipientParticipantId?: string;
  bizOpaqueCallbackData?: string;
  errors: MetaErrorDetail[];
  conversation?: { id?: string; originType?: string; expiresAt?: string };
  pricing?: { billable?: boolean; category?: string; pricingModel?: string; type?: string };
}

export interface MediaContent {
  type: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  id: string;
  mimeType?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
  animated?: boolean;
  url?: string;
}

export interface ContactCard {
  formattedName?: string;
  firstName?: string;
  lastName?: string;
  phones: { phone?: string; waId?: string; type?: string }[];
  emails: { email?: string; type?: string }[];
  urls: { url?: string; type?: string }[];
  org?: { company?: string; department?: string; title?: string };
  birthday?: string;
}

export type InteractiveContent =
  | { type: 'interactive'; reply: 'button_reply'; id: string; title: string }
  | { type: 'interactive'; reply: 'list_reply'; id: string; title: string; description?: string }
  /** A Flow's answer: responseJson is Meta's JSON string, left unparsed for the consumer. */
  | { type: 'interactive'; reply: 'nfm_reply'; name?: string; body?: string; responseJson: string }
  /** call_permission_reply and anything newer: Meta's interactive.type in replyType, kept loosely. */
  | { type: 'interactive'; reply: 'other'; replyType: string; value: LooseJson };

export interface OrderItem {
  productRetailerId: string;
  quantity?: number;
  itemPrice?: number;
  currency?: string;
}

/** The part of an inbound message its `type` decides, normalised. */
export type MessageContent =
  | { type: 'text'; body: string }
  | MediaContent
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string; url?: string }
  | { type: 'contacts'; contacts: ContactCard[] }
  | InteractiveContent
  | { type: 'button'; payload?: string; text?: string }
  /** `emoji` absent and `removed` true when the user took the reaction back. */
  | { type: 'reaction'; messageId: string; emoji?: string; removed: boolean }
  | { type: 'order'; catalogId: string; text?: string; items: OrderItem[] }
  | { type: 'system'; systemType?: string; body?: string; waId?: string; userId?: string; parentUserId?: string }
  | { type: 'request_welcome' }
  | { type: 'unsupported'; unsupportedType?: string; errors: MetaErrorDetail[] }
  | { type: 'revoke'; originalMessageId: string }
  /** A type this parser does not know: the message still happened (and opens the 24 h window). */
  | { type: 'other'; value: LooseJson };

export interface MessageContext {
  /** The wamid replied to, or of the message whose button was tapped. */
  id?: string;
  from?: string;
  forwarded: boolean;
  frequentlyForwarded: boolean;
  referredProduct?: { catalogId?: string; productRetailerId?: string };
}

export interface MessageItem extends ItemBase, ChangeOrigin {
  kind: 'message';
  wamid: string;
  /** The sender's phone number; absent for username-only users (BSUIDs, 2026). */
  from?: string;
  /** from_user_id, else the matching contact's user_id. At least one of from/fromUserId is set. */
  fromUserId?: string;
  parentUserId?: string;
  profileName?: string;
  username?: string;
  timestamp: string;
  /** Meta's `type`, as received. */
  type: string;
  content: MessageContent;
  context?: MessageContext;
  /** Click-to-WhatsApp ad referral, kept as sent (bounded). */
  referral?: LooseJson;
  groupId?: string;
}

export interface TemplateEventItem extends ItemBase {
  kind: 'template_event';
  field: TemplateField;
  wabaId: string;
  templateId: string;
  templateName?: string;
  language?: string;
  /** The whole value, bounded; the template job reads event, scores or categories from it. */
  value: { [key: string]: LooseJson };
}

/** An error Meta reports for a whole change (value.errors): account or app level, no message. */
export interface ChangeErrorItem extends ItemBase {
  kind: 'error';
  wabaId: string;
  phoneNumberId?: string;
  error: MetaErrorDetail;
}

/** Something well-formed that this gateway does not use (another field, another product). */
export interface IgnoredItem extends ItemBase {
  kind: 'ignored';
  reason: string;
}

/** Something that should have been usable but was not; the ids found are kept for the record. */
export interface InvalidItem extends ItemBase {
  kind: 'invalid';
  reason: string;
  wabaId?: string;
  phoneNumberId?: string;
  wamid?: string;
}

export type WebhookItem = StatusItem | MessageItem | TemplateEventItem | ChangeErrorItem | IgnoredItem | InvalidItem;
export type WebhookItemKind = WebhookItem['kind'];

export interface ParsedWebhook {
  items: WebhookItem[];
}
