// parseWebhook: one webhook body, already signature-checked and JSON-parsed, into items (docs/META.md
// §10.4). Every entry, change, message and status is read on its own and fails on its own: peers
// lost whole batches by reading only [0] (pywa#229) or by letting one bad item abort the rest
// (frappe_whatsapp#252). Pure and total: no I/O, and no JSON value makes it throw.
import { MESSAGES_FIELD, TEMPLATE_FIELDS, WABA_OBJECT, type TemplateField } from '../meta/webhook-types.js';
import { looseRecord } from './parse-loose.js';
import { readMessage, readContacts, type ContactInfo } from './parse-message.js';
import { Fields, LIMITS, ParseFail, isRecord, own, readError, type Rec } from './parse-read.js';
import { readStatus } from './parse-status.js';
import type {
  ChangeOrigin,
  InvalidItem,
  ParsedWebhook,
  TemplateEventItem,
  WebhookItem,
} from '../meta/webhook-items.js';

export type * from '../meta/webhook-items.js';
export { LIMITS as WEBHOOK_LIMITS } from './parse-read.js';

/** Collects items up to LIMITS.items, then one `invalid` item saying where reading stopped. */
class Items {
  readonly list: WebhookItem[] = [];
  full = false;

  add(item: WebhookItem): void {
    if (this.full) return;
    if (this.list.length < LIMITS.items) {
      this.list.push(item);
      return;
    }
    this.full = true;
    const reason = `more than ${LIMITS.items} items in one body; the rest was not read`;
    this.list.push({ kind: 'invalid', path: item.path, reason });
  }
}

/** Ids found so far on the way down, kept on an invalid item so it can still be recorded. */
type Known = Pick<InvalidItem, 'wabaId' | 'phoneNumberId' | 'wamid'>;

function quote(s: unknown): string {
  return typeof s === 'string' ? JSON.stringify(s.slice(0, 64)) : typeof s;
}

function knownId(o: unknown, key: string): string | undefined {
  const v = isRecord(o) ? own(o, key) : undefined;
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.id ? v : undefined;
}

function invalid(path: string, reason: string, known: Known = {}, notes: string[] = []): InvalidItem {
  const item: InvalidItem = { kind: 'invalid', path, reason };
  for (const [k, v] of Object.entries(known)) if (v !== undefined) item[k as keyof Known] = v;
  if (notes.length > 0) item.notes = notes;
  return item;
}

/** Reads one object with `read`; any failure becomes an invalid item for this object alone. */
function attempt(items: Items, v: unknown, path: string, known: Known, read: (f: Fields) => WebhookItem): void {
  if (!isRecord(v)) return items.add(invalid(path, 'not an object', known));
  const notes: string[] = [];
  try {
    const item = read(new Fields(v, '', notes));
    if (notes.length > 0) item.notes = notes;
    items.add(item);
  } catch (e) {
    // ParseFail carries the reason; anything else is our bug, still confined to this item.
    const reason = e instanceof ParseFail ? e.message : `unexpected error: ${String(e).slice(0, 200)}`;
    items.add(invalid(path, reason, known, notes));
  }
}

/** An array under `key`, or an invalid item and []; absent is [] without one. */
function arrayAt(items: Items, o: Rec, key: string, path: string, known: Known): unknown[] {
  const v = own(o, key);
  if (v === undefined || Array.isArray(v)) return v ?? [];
  items.add(invalid(path, `${key} is not an array`, known));
  return [];
}

/** Messages and statuses of one change; `origin` is a reason when the change cannot be routed. */
function walkUpdates(items: Items, value: Rec, wabaId: string, origin: ChangeOrigin | string, path: string): void {
  const known: Known = typeof origin === 'string' ? { wabaId } : { wabaId, phoneNumberId: origin.phoneNumberId };
  const contacts: ContactInfo[] = readContacts(value);
  const each = (key: string, read: (f: Fields, o: ChangeOrigin, p: string) => WebhookItem) =>
    arrayAt(items, value, key, `${path}.${key}`, known).forEach((entry, i) => {
      if (items.full) return;
      const p = `${path}.${key}[${i}]`;
      const ids = { ...known, wamid: knownId(entry, 'id') };
      attempt(items, entry, p, ids, (f) => {
        if (typeof origin === 'string') throw new ParseFail(origin);
        return read(f, origin, p);
      });
    });
  each('messages', (f, o, p) => readMessage(f, o, contacts, p));
  each('statuses', readStatus);
}

function walkChangeErrors(items: Items, value: Rec, wabaId: string, path: string): void {
  const phoneNumberId = knownId(own(value, 'metadata'), 'phone_number_id');
  const known: Known = { wabaId, phoneNumberId };
  arrayAt(items, value, 'errors', `${path}.errors`, known).forEach((entry, i) => {
    if (items.full) return;
    attempt(items, entry, `${path}.errors[${i}]`, known, (f) => {
      const item: WebhookItem = { kind: 'error', path: `${path}.errors[${i}]`, wabaId, error: readError(f) };
      if (phoneNumberId !== undefined) item.phoneNumberId = phoneNumberId;
      return item;
    });
  });
}

/** The origin of a messages change, or the reason its messages and statuses cannot be routed. */
function changeOrigin(value: Rec, wabaId: string): ChangeOrigin | string {
  const metadata = own(value, 'metadata');
  if (!isRecord(metadata)) return 'value.metadata is missing or not an object';
  const phone = own(metadata, 'phone_number_id');
  if (typeof phone !== 'string' || phone === '') return 'value.metadata.phone_number_id is missing';
  if (phone.length > LIMITS.id) return `value.metadata.phone_number_id is longer than ${LIMITS.id} characters`;
  const display = knownId(metadata, 'display_phone_number');
  return display === undefined
    ? { wabaId, phoneNumberId: phone }
    : { wabaId, phoneNumberId: phone, displayPhoneNumber: display };
}

function walkMessagesChange(items: Items, value: Rec, wabaId: string, path: string): void {
  const has = (k: string) => own(value, k) !== undefined;
  if (!has('messages') && !has('statuses') && !has('errors')) {
    return items.add({ kind: 'ignored', path, reason: 'value has no messages, statuses or errors' });
  }
  walkUpdates(items, value, wabaId, changeOrigin(value, wabaId), path);
  walkChangeErrors(items, value, wabaId, path);
}

function templateId(v: unknown): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^\d{1,64}$/.test(v)) return v;
  throw new ParseFail(v === undefined ? 'message_template_id is missing' : 'message_template_id is not an id');
}

function readTemplateEvent(f: Fields, field: TemplateField, wabaId: string, path: string): TemplateEventItem {
  const item: TemplateEventItem = {
    kind: 'template_event',
    path,
    field,
    wabaId,
    templateId: templateId(own(f.o, 'message_template_id')),
    value: looseRecord(f.o, 'value', f.notes),
  };
  const name = f.optStr('message_template_name', LIMITS.short);
  const language = f.optStr('message_template_language');
  if (name !== undefined) item.templateName = name;
  if (language !== undefined) item.language = language;
  return item;
}

function isTemplateField(field: string): field is TemplateField {
  return (TEMPLATE_FIELDS as readonly string[]).includes(field);
}

function walkChange(items: Items, change: unknown, wabaId: string, path: string): void {
  if (!isRecord(change)) return items.add(invalid(path, 'not an object', { wabaId }));
  const field = own(change, 'field');
  const value = own(change, 'value');
  if (typeof field !== 'string') return items.add(invalid(path, 'field is missing or not a string', { wabaId }));
  if (field !== MESSAGES_FIELD && !isTemplateField(field)) {
    return items.add({ kind: 'ignored', path, reason: `field ${quote(field)} is not handled` });
  }
  if (!isRecord(value)) return items.add(invalid(`${path}.value`, 'value is missing or not an object', { wabaId }));
  if (field === MESSAGES_FIELD) return walkMessagesChange(items, value, wabaId, `${path}.value`);
  attempt(items, value, `${path}.value`, { wabaId }, (f) => readTemplateEvent(f, field, wabaId, `${path}.value`));
}

function walkEntry(items: Items, entry: unknown, path: string): void {
  if (!isRecord(entry)) return items.add(invalid(path, 'not an object'));
  const wabaId = knownId(entry, 'id');
  if (wabaId === undefined) return items.add(invalid(path, 'id (the WABA id) is missing or not a string'));
  if (own(entry, 'changes') === undefined) return items.add(invalid(path, 'changes is missing', { wabaId }));
  const changes = arrayAt(items, entry, 'changes', `${path}.changes`, { wabaId });
  if (changes.length === 0 && Array.isArray(own(entry, 'changes'))) {
    return items.add({ kind: 'ignored', path, reason: 'changes is empty' });
  }
  for (let i = 0; i < changes.length && !items.full; i++)
    walkChange(items, changes[i], wabaId, `${path}.changes[${i}]`);
}

function walkBody(items: Items, body: unknown): void {
  if (!isRecord(body)) return items.add(invalid('', 'body is not an object'));
  const object = own(body, 'object');
  if (typeof object !== 'string') return items.add(invalid('', 'object is missing or not a string'));
  if (object !== WABA_OBJECT)
    return items.add({ kind: 'ignored', path: '', reason: `object ${quote(object)} is not ${WABA_OBJECT}` });
  const entries = own(body, 'entry');
  if (!Array.isArray(entries)) return items.add(invalid('entry', 'entry is missing or not an array'));
  if (entries.length === 0) return items.add({ kind: 'ignored', path: 'entry', reason: 'entry is empty' });
  for (let i = 0; i < entries.length && !items.full; i++) walkEntry(items, entries[i], `entry[${i}]`);
}

/**
 * Turns a webhook body into one item per entry, change, message, status and change-level error.
 * Never throws; whatever cannot be used is an `ignored` or `invalid` item with a reason and path.
 */
export function parseWebhook(body: unknown): ParsedWebhook {
  const items = new Items();
  try {
    walkBody(items, body);
  } catch (e) {
    items.add(invalid('', `unexpected error: ${String(e).slice(0, 200)}`));
  }
  return { items: items.list };
}
