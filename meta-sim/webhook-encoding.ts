// Writing and signing a webhook body the way Meta does (docs/META.md §5): the signature is an
// HMAC-SHA256 keyed with the app secret, sent as "sha256=<hex>", and for non-ASCII text it is
// computed over the escaped form (\u00e4, lowercase hex; an emoji becomes its two surrogates).
import { createHmac } from 'node:crypto';
import type { WebhookEncoding } from './webhook-types.js';

/** Every UTF-16 code unit past ASCII, one at a time, so astral characters come out as surrogate pairs. */
const NON_ASCII = /[\u0080-\uffff]/g;

function escapeUnit(unit: string): string {
  return '\\u' + unit.charCodeAt(0).toString(16).padStart(4, '0');
}

/** JSON text with non-ASCII characters written as \uXXXX escapes. Valid JSON in, equal JSON out. */
export function escapeNonAscii(json: string): string {
  return json.replace(NON_ASCII, escapeUnit);
}

/**
 * "/" written as "\/", as Meta's serializer does. In JSON text a "/" can only occur inside a
 * string, so replacing every one is safe (a preceding backslash is itself written "\\").
 */
export function escapeSlashes(json: string): string {
  return json.replaceAll('/', '\\/');
}

export function sign(secret: string, text: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

export interface EncodedWebhook {
  body: string;
  signature: string;
}

export function encodeWebhook(payload: unknown, secret: string, encoding: WebhookEncoding): EncodedWebhook {
  const plain = JSON.stringify(payload);
  switch (encoding) {
    case 'escaped': {
      const body = escapeNonAscii(escapeSlashes(plain));
      return { body, signature: sign(secret, body) };
    }
    case 'utf8-escaped-signature': {
      const body = escapeSlashes(plain);
      return { body, signature: sign(secret, escapeNonAscii(body)) };
    }
    case 'utf8':
      return { body: plain, signature: sign(secret, plain) };
  }
}

export const ENCODINGS: readonly WebhookEncoding[] = ['escaped', 'utf8-escaped-signature', 'utf8'];

export function isEncoding(v: unknown): v is WebhookEncoding {
  return typeof v === 'string' && (ENCODINGS as readonly string[]).includes(v);
}
