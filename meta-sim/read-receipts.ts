// POST /{phone_number_id}/messages with {"status":"read"}: Meta's read receipt (blue ticks on the
// customer's phone for that message and the earlier ones), optionally with a typing indicator
// shown until the business replies or for 25 seconds. Same URL as a message, so the messages route
// hands such a body here; it is recorded apart from messages, answered {"success":true}, and
// sends no status webhooks (a receipt is not a message).
import { invalidParam, invalidValue, missingParam } from './errors.js';
import type { GraphAnswer } from './graph-reply.js';
import { Ring } from './ring.js';
import { expectObject, isObject, onlyKeys, requiredString, sub } from './validate/check.js';

/** A read receipt the simulator accepted. */
export interface SimReadReceipt {
  phoneId: string;
  /** The wamid marked read. */
  messageId: string;
  /** Whether a typing indicator was asked for with it. */
  typing: boolean;
  /** Epoch milliseconds. */
  at: number;
}

const KEYS = new Set(['messaging_product', 'status', 'message_id', 'typing_indicator']);
const WAMID = /^wamid\.[A-Za-z0-9+/=_-]{1,512}$/;

/** Whether a /messages body is a read receipt rather than a message: Meta tells them by `status`. */
export function isReadReceipt(body: unknown): boolean {
  return isObject(body) && body['status'] !== undefined && body['type'] === undefined;
}

/** Checks a read receipt as Graph would; throws Graph's error. */
export function validateReadReceipt(body: unknown): { messageId: string; typing: boolean } {
  const o = expectObject(body, 'body');
  onlyKeys(o, KEYS, '');
  const product = requiredString(o, 'messaging_product', '');
  if (product !== 'whatsapp') throw invalidParam('Param messaging_product must be "whatsapp".');
  if (requiredString(o, 'status', '') !== 'read') throw invalidParam('Param status must be one of {read}.');
  const messageId = requiredString(o, 'message_id', '');
  if (!WAMID.test(messageId)) throw invalidValue('Param message_id must be a valid WhatsApp message id.');
  const typing = o['typing_indicator'];
  if (typing === undefined) return { messageId, typing: false };
  const t = expectObject(typing, 'typing_indicator');
  onlyKeys(t, new Set(['type']), 'typing_indicator');
  if (t['type'] === undefined) throw missingParam(sub('typing_indicator', 'type'));
  if (t['type'] !== 'text') throw invalidParam("Param typing_indicator['type'] must be one of {text}.");
  return { messageId, typing: true };
}

/** The handle's view of them (startMetaSim): oldest first, cleared by reset(). */
export interface MetaSimReadReceipts {
  readReceipts(): SimReadReceipt[];
}

/** The receipts accepted so far, newest kept within the record limit. */
export class ReadReceiptLog {
  readonly #ring: Ring<SimReadReceipt>;

  constructor(limit: number) {
    this.#ring = new Ring(limit);
  }

  /** Checks and records one receipt, and answers as Graph does. */
  accept(phoneId: string, body: unknown, at: number): GraphAnswer {
    const r = validateReadReceipt(body);
    this.#ring.push({ phoneId, messageId: r.messageId, typing: r.typing, at });
    return { status: 200, body: '{"success":true}' };
  }

  list(): SimReadReceipt[] {
    return this.#ring.toArray();
  }

  clear(): void {
    this.#ring.clear();
  }
}
