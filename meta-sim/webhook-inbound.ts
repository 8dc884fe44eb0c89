// A customer's message as Meta posts it (docs/META.md §5, §6): messages[] with the type's object,
// contacts[] with the profile name, wa_id and business-scoped user id. Media bytes (given as
// base64 or generated) are stored under a new media id, fetched through GET /{version}/{media-id}.
import { defaultUserId } from './phone-info.js';
import type { SimState } from './state.js';
import { isObject } from './validate/check.js';
import { isEncoding } from './webhook-encoding.js';
import { generateMedia } from './inbound-media.js';
import { MAX_BATCH, WebhookParseError } from './webhook-parse.js';
import { groupEntries } from './webhook-statuses.js';
import type { InboundType, SimInboundResult, WebhookEncoding } from './webhook-types.js';

type Obj = Record<string, unknown>;

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);
const TYPES: ReadonlySet<string> = new Set<InboundType>([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'request_welcome',
  'unsupported',
  'revoke',
]);
const COMMON_KEYS = new Set([
  'phone_id',
  'type',
  'from',
  'name',
  'user_id',
  'id',
  'timestamp',
  'context',
  'referral',
  'encoding',
  'errors',
  'error_code',
]);
const INTERACTIVE_TYPES = new Set(['button_reply', 'list_reply', 'nfm_reply', 'call_permission_reply']);

const DEFAULT_MIME: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg',
  document: 'application/pdf',
  sticker: 'image/webp',
};
const DEFAULT_MEDIA_SIZE = 1024;
/** Meta: inbound files over 100 MB never arrive (131052). */
const MAX_INBOUND_BYTES = 100 * 1_000_000;

// Unsupported messages carry one of two errors (docs/META.md §6).
const UNSUPPORTED_TITLES: ReadonlyMap<number, string> = new Map([
  [131051, 'Message type unknown'],
  [131060, 'This message is currently unavailable'],
]);

function fail(message: string): never {
  throw new WebhookParseError(message);
}

export interface BuiltInbound {
  phoneId: string;
  message: Obj;
  contact: Obj;
  encoding: WebhookEncoding | undefined;
  /** The customer's wa_id, when the message has one. */
  from: string | undefined;
  /** When the customer wrote (epoch ms): its timestamp when given, else now on the sim clock. */
  at: number;
}

/** Builds one inbound message from the /_sim/inbound body; stores its media, if any. */
export function buildInbound(state: SimState, raw: unknown, origin: string, now = state.clock.now()): BuiltInbound {
  if (!isObject(raw)) fail('an inbound message must be a JSON object');
  const type = raw['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) fail(`type must be one of ${[...TYPES].join(', ')}`);
  for (const key of Object.keys(raw))
    if (!COMMON_KEYS.has(key) && key !== type) fail(`unknown field "${key}" for an inbound ${type} message`);
  const phoneId = phoneOf(state, raw['phone_id']);
  // null: a user known only by a username and a business-scoped user id (docs/META.md §10.3).
  const from = raw['from'] === null ? undefined : stringOr(raw, 'from', '16505551234');
  if (from !== undefined && !/^\d{6,15}$/.test(from)) fail("from must be the customer's wa_id: 6 to 15 digits");
  const name = stringOr(raw, 'name', 'Test Customer');
  const wabaId = state.webhooks.phones.get(phoneId).wabaId;
  const userId =
    raw['user_id'] === null ? undefined : stringOr(raw, 'user_id', defaultUserId(wabaId, from ?? `username:${name}`));
  if (from === undefined && userId === undefined) fail('a message needs a sender: from, user_id or both');
  const id = stringOr(raw, 'id', '');
  const ts = raw['timestamp'];
  if (ts !== undefined && (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0))
    fail('timestamp must be unix seconds');
  const encoding = raw['encoding'];
  if (encoding !== undefined && !isEncoding(encoding)) fail('encoding must be escaped, utf8-escaped-signature or utf8');

  const message: Obj = {};
  if (from !== undefined) message['from'] = from;
  if (userId !== undefined) message['from_user_id'] = userId;
  message['id'] = id !== '' ? id : state.newWamid(from ?? '0');
  message['timestamp'] = String(ts ?? Math.floor(now / 1000));
  message['type'] = type;
  if (raw['context'] !== undefined) {
    // A reply names the business number it answers; filled in when left out.
    const context = objectOf(raw['context'], 'context');
    if (context['id'] !== undefined && context['from'] === undefined)
      message['context'] = { from: state.webhooks.phones.get(phoneId).displayPhoneNumber, ...context };
    else message['context'] = context;
  }
  const content = typeObject(state, type, raw, phoneId, origin);
  if (content !== undefined) message[type] = content;
  if (type === 'unsupported') message['errors'] = unsupportedErrors(raw);
  if (raw['referral'] !== undefined) message['referral'] = objectOf(raw['referral'], 'referral');

  const contact: Obj = { profile: { name } };
  if (from !== undefined) contact['wa_id'] = from;
  if (userId !== undefined) contact['user_id'] = userId;
  return { phoneId, message, contact, encoding, from, at: typeof ts === 'number' ? ts * 1000 : now };
}

function phoneOf(state: SimState, v: unknown): string {
  if (v === undefined) {
    if (state.phones.size !== 1) fail('phone_id is required when the simulator knows more than one phone');
    const only = state.phones.keys().next().value;
    if (only === undefined) fail('the simulator knows no phone');
    return only;
  }
  if (typeof v !== 'string' || !state.phones.has(v))
    fail(`phone_id ${JSON.stringify(v)} is not a phone the simulator knows`);
  return v;
}

function stringOr(o: Obj, key: string, fallback: string): string {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v === '') fail(`${key} must be a non-empty string`);
  return v;
}

function objectOf(v: unknown, what: string): Obj {
  if (!isObject(v)) fail(`${what} must be an object`);
  return { ...v };
}

function typeObject(state: SimState, type: string, raw: Obj, phoneId: string, origin: string): unknown {
  const v = raw[type];
  if (MEDIA_TYPES.has(type)) return mediaObject(state, type, v === undefined ? {} : objectOf(v, type), phoneId, origin);
  switch (type) {
    case 'text': {
      if (typeof v === 'string') return { body: v };
      const o = v === undefined ? { body: 'Hello' } : objectOf(v, 'text');
      if (typeof o['body'] !== 'string') fail('text.body must be a string');
      return o;
    }
    case 'location':
      return v === undefined ? { latitude: 37.4847, longitude: -122.1484 } : objectOf(v, 'location');
    case 'contacts': {
      if (v === undefined) return [{ name: { formatted_name: 'Barbara Johnson', first_name: 'Barbara' } }];
      if (!Array.isArray(v) || v.length === 0 || !v.every(isObject))
        fail('contacts must be a non-empty array of cards');
      return v;
    }
    case 'interactive': {
      const o = objectOf(v, 'interactive');
      const sub = o['type'];
      if (typeof sub !== 'string' || !INTERACTIVE_TYPES.has(sub))
        fail(`interactive.type must be one of ${[...INTERACTIVE_TYPES].join(', ')}`);
      const reply = objectOf(o[sub], `interactive.${sub}`);
      // Meta sends a Flow's answer as a JSON string, not an object.
      if (sub === 'nfm_reply' && reply['response_json'] !== undefined && typeof reply['response_json'] !== 'string')
        reply['response_json'] = JSON.stringify(reply['response_json']);
      return { ...o, [sub]: reply };
    }
    case 'button':
      return v === undefined ? { payload: 'YES', text: 'Yes' } : objectOf(v, 'button');
    case 'reaction': {
      const o = objectOf(v, 'reaction');
      if (typeof o['message_id'] !== 'string') fail('reaction.message_id is required');
      // Meta omits the emoji key when a reaction is removed, rather than sending "".
      if (o['emoji'] === '' || o['emoji'] === null) delete o['emoji'];
      return o;
    }
    case 'revoke': {
      const o = objectOf(v, 'revoke');
      if (typeof o['original_message_id'] !== 'string') fail('revoke.original_message_id is required');
      return o;
    }
    case 'unsupported':
      return v === undefined ? { type: 'unknown' } : objectOf(v, 'unsupported');
    case 'request_welcome':
      if (v !== undefined) fail('request_welcome messages carry no object');
      return undefined;
    default:
      // order, system: passed through as given.
      return objectOf(v, type);
  }
}

function unsupportedErrors(raw: Obj): unknown {
  if (raw['errors'] !== undefined) {
    if (!Array.isArray(raw['errors'])) fail('errors must be an array');
    return raw['errors'];
  }
  const code = raw['error_code'] ?? 131051;
  if (typeof code !== 'number' || !Number.isInteger(code)) fail('error_code must be a number');
  const title = UNSUPPORTED_TITLES.get(code) ?? 'Message type unknown';
  return [{ code, title, message: title, error_data: { details: title } }];
}

function mediaObject(state: SimState, type: string, o: Obj, phoneId: string, origin: string): Obj {
  const { data, size, ...rest } = o;
  const animated = type === 'sticker' ? rest['animated'] === true : false;
  const voice = type === 'audio' ? rest['voice'] === true : false;
  let mime = rest['mime_type'];
  if (mime === undefined) mime = voice ? 'audio/ogg; codecs=opus' : DEFAULT_MIME[type];
  if (typeof mime !== 'string' || mime === '') fail(`${type}.mime_type must be a string`);
  let bytes: Buffer | undefined;
  if (data !== undefined) {
    if (typeof data !== 'string') fail(`${type}.data must be base64`);
    bytes = Buffer.from(data, 'base64');
    if (bytes.length === 0) fail(`${type}.data is empty`);
  } else {
    if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 50_000_000))
      fail(`${type}.size must be a whole number of bytes up to 50000000`);
    bytes = generateMedia(mime, typeof size === 'number' ? size : DEFAULT_MEDIA_SIZE, animated);
    if (bytes === undefined) fail(`the simulator cannot make ${mime} bytes: send them as ${type}.data (base64)`);
  }
  if (bytes.length > MAX_INBOUND_BYTES) fail('Meta does not deliver inbound files over 100 MB');
  const id = state.newMediaId();
  const item = state.webhooks.media.add(phoneId, id, mime, bytes);
  const url = state.webhooks.urls.issue(origin, id, phoneId, state.webhooks.config().mediaUrlTtlMs);
  const out: Obj = {};
  if (rest['caption'] !== undefined) out['caption'] = rest['caption'];
  if (type === 'document') out['filename'] = rest['filename'] ?? defaultFilename(mime);
  out['mime_type'] = mime;
  out['sha256'] = item.sha256;
  out['id'] = id;
  out['url'] = url;
  if (type === 'audio') out['voice'] = voice;
  if (type === 'sticker') out['animated'] = animated;
  for (const [k, v] of Object.entries(rest)) if (!(k in out)) out[k] = v;
  return out;
}

function defaultFilename(mime: string): string {
  if (mime === 'application/pdf') return 'document.pdf';
  if (mime === 'text/plain') return 'document.txt';
  return 'document';
}

/** Builds the messages, posts them in one webhook per subscribed app, and answers what was posted. */
export async function postInbound(state: SimState, body: unknown, origin: string): Promise<SimInboundResult> {
  let list: unknown[];
  let encoding: WebhookEncoding | undefined;
  if (isObject(body) && body['messages'] !== undefined) {
    for (const key of Object.keys(body))
      if (key !== 'messages' && key !== 'encoding') fail(`unknown field "${key}" beside messages`);
    const m = body['messages'];
    if (!Array.isArray(m) || m.length === 0 || m.length > MAX_BATCH)
      fail(`messages must be an array of 1 to ${MAX_BATCH} inbound messages`);
    list = m;
    if (body['encoding'] !== undefined) {
      if (!isEncoding(body['encoding'])) fail('encoding must be escaped, utf8-escaped-signature or utf8');
      encoding = body['encoding'];
    }
  } else {
    list = [body];
  }
  const now = state.clock.now();
  const built = list.map((raw) => buildInbound(state, raw, origin, now));
  // The customer wrote: the window opens (or moves), whether or not the webhook is delivered.
  // A system message (a changed number, say) is Meta's, not the customer's.
  for (const b of built)
    if (b.from !== undefined && b.message['type'] !== 'system') state.windows.opened(b.phoneId, b.from, b.at);
  encoding ??= built[0]?.encoding;
  const byPhone = new Map<string, Obj[]>();
  const contactsByPhone = new Map<string, Map<string, Obj>>();
  for (const b of built) {
    const msgs = byPhone.get(b.phoneId) ?? [];
    msgs.push(b.message);
    byPhone.set(b.phoneId, msgs);
    const contacts = contactsByPhone.get(b.phoneId) ?? new Map<string, Obj>();
    contacts.set(String(b.contact['wa_id'] ?? b.contact['user_id']), b.contact);
    contactsByPhone.set(b.phoneId, contacts);
  }
  // contacts[] precedes messages[] in Meta's payloads.
  const entries = groupEntries(state.webhooks.phones, 'messages', byPhone, (phoneId) => ({
    contacts: [...(contactsByPhone.get(phoneId)?.values() ?? [])],
  }));
  const deliveries = await state.webhooks.dispatcher.dispatch(entries, 'messages', encoding);
  return {
    messages: built.map((b) => b.message),
    contacts: [...contactsByPhone.values()].flatMap((m) => [...m.values()]),
    deliveries,
  };
}
