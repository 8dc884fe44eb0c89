// Checks what code and the control API hand the webhook side: apps, configuration, status faults
// and explicit statuses. JSON has no Infinity, so `times: null` means it, as for Graph faults.
import { isEncoding } from './webhook-encoding.js';
import type {
  SimFailedStatus,
  SimPhoneInfo,
  SimStatusDelays,
  SimStatusFault,
  SimStatusItem,
  SimWebhookApp,
  SimWebhookConfig,
} from './webhook-types.js';
import { isObject } from './validate/check.js';

export class WebhookParseError extends Error {}

/** Meta: one webhook aggregates at most 1000 updates (docs/META.md §5). */
export const MAX_BATCH = 1000;

type Obj = Record<string, unknown>;

function fail(message: string): never {
  throw new WebhookParseError(message);
}

function object(v: unknown, what: string): Obj {
  if (!isObject(v)) fail(`${what} must be a JSON object`);
  return v;
}

function onlyKeys(o: Obj, keys: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`unknown ${what} field "${k}"`);
}

function optInt(o: Obj, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(`${key} must be a whole number from ${min} to ${max}`);
  return v;
}

function optString(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') fail(`${key} must be a non-empty string`);
  return v;
}

const MAX_MS = 2_147_483_647;

/** Accepts camelCase (code) and snake_case (HTTP) spellings of the same field. */
function pick(o: Obj, camel: string, snake: string): unknown {
  return o[camel] !== undefined ? o[camel] : o[snake];
}

export function parseApp(body: unknown): SimWebhookApp {
  const o = object(body, 'an app');
  onlyKeys(o, ['id', 'callbackUrl', 'callback_url', 'appSecret', 'app_secret', 'wabas', 'encoding'], 'app');
  const callbackUrl = pick(o, 'callbackUrl', 'callback_url');
  const appSecret = pick(o, 'appSecret', 'app_secret');
  if (typeof callbackUrl !== 'string') fail('callback_url is required');
  try {
    const u = new URL(callbackUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') fail('callback_url must be http(s)');
  } catch (err) {
    if (err instanceof WebhookParseError) throw err;
    fail(`callback_url is not a URL: "${callbackUrl}"`);
  }
  if (typeof appSecret !== 'string' || appSecret === '') fail('app_secret is required');
  const id = optString(o, 'id');
  const wabas = o['wabas'];
  if (wabas !== undefined && (!Array.isArray(wabas) || !wabas.every((w) => typeof w === 'string' && /^\d+$/.test(w))))
    fail('wabas must be an array of WABA ids (digits)');
  const encoding = o['encoding'];
  if (encoding !== undefined && !isEncoding(encoding)) fail('encoding must be escaped, utf8-escaped-signature or utf8');
  return {
    callbackUrl,
    appSecret,
    ...(id !== undefined ? { id } : {}),
    ...(wabas !== undefined ? { wabas: wabas as string[] } : {}),
    ...(encoding !== undefined ? { encoding } : {}),
  };
}

function delay(v: unknown, key: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_MS)
    fail(`${key} must be null or a whole number of ms`);
  return v;
}

export function parseDelays(v: unknown, base: SimStatusDelays): SimStatusDelays {
  const o = object(v, 'status delays');
  onlyKeys(o, ['sent', 'delivered', 'read'], 'status delay');
  return {
    sent: o['sent'] === undefined ? base.sent : delay(o['sent'], 'sent'),
    delivered: o['delivered'] === undefined ? base.delivered : delay(o['delivered'], 'delivered'),
    read: o['read'] === undefined ? base.read : delay(o['read'], 'read'),
  };
}

export function parseSchedule(v: unknown): number[] {
  if (!Array.isArray(v) || v.length > 100 || !v.every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_MS))
    fail('retry schedule must be an array of at most 100 whole numbers of ms');
  return [...(v as number[])];
}

/** A partial configuration applied over `base`; unknown fields refused. */
export function parseConfig(body: unknown, base: SimWebhookConfig): SimWebhookConfig {
  const o = object(body, 'the webhook configuration');
  onlyKeys(
    o,
    [
      'statusDelays',
      'status_delays',
      'retryScheduleMs',
      'retry_schedule_ms',
      'timeoutMs',
      'timeout_ms',
      'encoding',
      'mediaUrlTtlMs',
      'media_url_ttl_ms',
      'statusContacts',
      'status_contacts',
    ],
    'configuration',
  );
  const out: SimWebhookConfig = { ...base, statusDelays: { ...base.statusDelays } };
  const delays = pick(o, 'statusDelays', 'status_delays');
  if (delays !== undefined) out.statusDelays = parseDelays(delays, base.statusDelays);
  const schedule = pick(o, 'retryScheduleMs', 'retry_schedule_ms');
  if (schedule !== undefined) out.retryScheduleMs = parseSchedule(schedule);
  const timeout = pick(o, 'timeoutMs', 'timeout_ms');
  if (timeout !== undefined) out.timeoutMs = positiveMs(timeout, 'timeout_ms');
  const ttl = pick(o, 'mediaUrlTtlMs', 'media_url_ttl_ms');
  if (ttl !== undefined) out.mediaUrlTtlMs = positiveMs(ttl, 'media_url_ttl_ms');
  if (o['encoding'] !== undefined) {
    if (!isEncoding(o['encoding'])) fail('encoding must be escaped, utf8-escaped-signature or utf8');
    out.encoding = o['encoding'];
  }
  const contacts = pick(o, 'statusContacts', 'status_contacts');
  if (contacts !== undefined) {
    if (typeof contacts !== 'boolean') fail('status_contacts must be a boolean');
    out.statusContacts = contacts;
  }
  return out;
}

function positiveMs(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_MS) fail(`${key} must be a whole number of ms`);
  return v;
}

export function parsePhoneInfo(body: unknown): { phoneId: string; info: SimPhoneInfo } {
  const o = object(body, 'phone info');
  const phoneId = optString(o, 'phone_id');
  if (phoneId === undefined) fail('phone_id is required');
  const wabaId = optString(o, 'waba_id');
  const display = optString(o, 'display_phone_number');
  if (wabaId !== undefined && !/^\d{1,20}$/.test(wabaId)) fail('waba_id must be digits');
  if (display !== undefined && !/^\d{1,20}$/.test(display)) fail('display_phone_number must be digits');
  return {
    phoneId,
    info: {
      ...(wabaId !== undefined ? { wabaId } : {}),
      ...(display !== undefined ? { displayPhoneNumber: display } : {}),
    },
  };
}

function parseFailed(v: unknown, allowAfter: boolean): SimFailedStatus {
  const o = object(v, 'failed');
  onlyKeys(
    o,
    allowAfter ? ['code', 'title', 'message', 'details', 'after'] : ['code', 'title', 'message', 'details'],
    'failed',
  );
  const code = optInt(o, 'code', 0, Number.MAX_SAFE_INTEGER);
  if (code === undefined) fail('failed.code is required');
  const after = o['after'];
  if (after !== undefined && after !== 'sent' && after !== 'none') fail("failed.after must be 'sent' or 'none'");
  const title = optString(o, 'title');
  const message = optString(o, 'message');
  const details = optString(o, 'details');
  return {
    code,
    ...(title !== undefined ? { title } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(details !== undefined ? { details } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

const STATUS_FAULT_KEYS = [
  'to',
  'skip',
  'times',
  'duplicate',
  'reverse',
  'skipDelivered',
  'skip_delivered',
  'failed',
  'beforeAnswer',
  'before_answer',
  'batch',
  'none',
  'encoding',
];

export function parseStatusFault(body: unknown): SimStatusFault {
  const o = object(body, 'a status fault');
  onlyKeys(o, STATUS_FAULT_KEYS, 'status fault');
  const f: SimStatusFault = {};
  const to = optString(o, 'to');
  if (to !== undefined) f.to = to;
  const skip = optInt(o, 'skip', 0, Number.MAX_SAFE_INTEGER);
  if (skip !== undefined) f.skip = skip;
  const times = o['times'];
  if (times === null || times === Infinity) f.times = Infinity;
  else {
    const t = optInt(o, 'times', 1, Number.MAX_SAFE_INTEGER);
    if (t !== undefined) f.times = t;
  }
  const duplicate = optInt(o, 'duplicate', 0, 100);
  if (duplicate !== undefined) f.duplicate = duplicate;
  const flags: [keyof SimStatusFault, unknown][] = [
    ['reverse', o['reverse']],
    ['skipDelivered', pick(o, 'skipDelivered', 'skip_delivered')],
    ['beforeAnswer', pick(o, 'beforeAnswer', 'before_answer')],
    ['batch', o['batch']],
    ['none', o['none']],
  ];
  for (const [key, v] of flags) {
    if (v === undefined) continue;
    if (typeof v !== 'boolean') fail(`${key} must be a boolean`);
    (f as Record<string, unknown>)[key] = v;
  }
  if (o['failed'] !== undefined) f.failed = parseFailed(o['failed'], true);
  if (o['encoding'] !== undefined) {
    if (!isEncoding(o['encoding'])) fail('encoding must be escaped, utf8-escaped-signature or utf8');
    f.encoding = o['encoding'];
  }
  return f;
}

export function parseStatusItems(body: unknown): SimStatusItem[] {
  const o = object(body, 'the request');
  onlyKeys(o, ['statuses'], 'request');
  const list = o['statuses'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BATCH)
    fail(`statuses must be an array of 1 to ${MAX_BATCH} items`);
  return list.map((raw, i) => {
    const item = object(raw, `statuses[${i}]`);
    onlyKeys(item, ['wamid', 'status', 'timestamp', 'error'], 'status');
    const wamid = optString(item, 'wamid');
    const status = optString(item, 'status');
    if (wamid === undefined || status === undefined) fail(`statuses[${i}] needs wamid and status`);
    const timestamp = optInt(item, 'timestamp', 0, 99_999_999_999);
    const error = item['error'] === undefined ? undefined : parseFailed(item['error'], false);
    return {
      wamid,
      status,
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  });
}
