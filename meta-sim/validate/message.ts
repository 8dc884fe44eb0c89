// The envelope of POST /{version}/{phone_number_id}/messages (docs/META.md §1), then the object its
// `type` names. Returns what the answer needs: the recipient as sent and as digits.
import { invalidParam, invalidValue, missingParam, unexpectedKey, unsupportedType, wrongType } from '../errors.js';
import {
  expectObject,
  isObject,
  onlyKeys,
  optionalString,
  requiredLiteral,
  requiredString,
  type Obj,
  type ValidationContext,
} from './check.js';
import { validateContacts } from './contacts.js';
import { validateInteractive } from './interactive.js';
import { validateLocation } from './location.js';
import { validateMediaMessage } from './media.js';
import { validateReaction } from './reaction.js';
import { validateTemplate, type TemplateOutcome } from './template.js';
import { validateText } from './text.js';

type Validator = (v: unknown, ctx: ValidationContext) => void;

const VALIDATORS: ReadonlyMap<string, Validator> = new Map<string, Validator>([
  ['text', validateText],
  ['image', (v, ctx) => validateMediaMessage('image', v, ctx)],
  ['video', (v, ctx) => validateMediaMessage('video', v, ctx)],
  ['audio', (v, ctx) => validateMediaMessage('audio', v, ctx)],
  ['document', (v, ctx) => validateMediaMessage('document', v, ctx)],
  ['sticker', (v, ctx) => validateMediaMessage('sticker', v, ctx)],
  ['location', validateLocation],
  ['contacts', validateContacts],
  ['interactive', validateInteractive],
  ['reaction', validateReaction],
]);

// Types Meta sends that the simulator does not simulate: refused as unsupported (131051).
const NOT_SIMULATED = new Set(['order', 'system', 'unknown']);

const ENVELOPE_KEYS = new Set([
  'messaging_product',
  'recipient_type',
  'to',
  'type',
  'context',
  'biz_opaque_callback_data',
]);
const CONTEXT_KEYS = new Set(['message_id']);

// "+" then 8–15 digits, or the digits alone (E.164 has at most 15).
const RECIPIENT = /^\+?\d{8,15}$/;

export interface ValidMessage {
  /** `to` exactly as sent. */
  to: string;
  /** `to` as digits: Meta's wa_id. */
  waId: string;
  type: string;
  /** Template sends: what the statuses need (category) and an asynchronous failure, if any. */
  template?: TemplateOutcome;
}

export function validateMessage(body: unknown, ctx: ValidationContext): ValidMessage {
  if (!isObject(body)) throw invalidParam('The request body must be a JSON object.');
  requiredLiteral(body, 'messaging_product', '', ['whatsapp']);
  // ⚠ The spec requires recipient_type, Meta's own examples leave it out: optional, and the
  // simulator only simulates one-to-one messages.
  if (body['recipient_type'] !== undefined) requiredLiteral(body, 'recipient_type', '', ['individual']);
  const to = requiredString(body, 'to', '');
  if (!RECIPIENT.test(to))
    throw invalidValue(`Param to must be a phone number: "+" and 8 to 15 digits, or the digits alone; got "${to}".`);
  const type = requiredString(body, 'type', '');
  const validate = VALIDATORS.get(type);
  if (validate === undefined && type !== 'template') {
    if (NOT_SIMULATED.has(type)) throw unsupportedType(`The simulator does not simulate messages of type "${type}".`);
    throw wrongType('type', `one of {${[...VALIDATORS.keys(), 'template'].join(', ')}}`);
  }
  checkEnvelopeKeys(body, type);
  // Meta: up to 512 characters of opaque data echoed in status webhooks.
  optionalString(body, 'biz_opaque_callback_data', '', 512);
  validateContext(body, type);
  const waId = to.charCodeAt(0) === 43 ? to.slice(1) : to;
  if (validate === undefined) return { to, waId, type, template: validateTemplate(body[type], ctx) };
  validate(body[type], ctx);
  return { to, waId, type };
}

/** The object named by `type` and nothing of another type; no unknown top-level keys. */
function checkEnvelopeKeys(body: Obj, type: string): void {
  for (const key in body) {
    if (key === type || ENVELOPE_KEYS.has(key)) continue;
    if (VALIDATORS.has(key) || key === 'template')
      throw invalidParam(`Unexpected key "${key}" for a message of type "${type}".`);
    throw unexpectedKey(key, 'message');
  }
  if (body[type] === undefined) throw missingParam(type);
}

/** Meta: context.message_id makes a reply; reactions cannot be replies (docs/META.md §1). */
function validateContext(body: Obj, type: string): void {
  const v = body['context'];
  if (v === undefined) return;
  if (type === 'reaction')
    throw invalidParam('Param context is not allowed on reaction messages: a reaction cannot be a reply.');
  const context = expectObject(v, 'context');
  onlyKeys(context, CONTEXT_KEYS, 'context');
  requiredString(context, 'message_id', 'context');
}
