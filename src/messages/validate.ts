// The whole body check of POST /send-whatsapp in one call, outside HTTP (the property and limit tests):
// the route's schema with the route's Ajv setup, the same error translation, then the rules.
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../http/ajv.js';
import { validationErrorToAppError } from '../http/validation-errors.js';
import { checkMessageRules } from './rules.js';
import { SEND_BODY_WORDING, SendWhatsAppBody, type SendRequest } from './schema.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= createAjv().compile(SendWhatsAppBody);
  return compiled;
}

/**
 * Returns the body as a SendRequest, or throws the 400 the route would answer (MissingField,
 * InvalidField, InvalidMessageType). Like the route, it fills in defaults in place (reaction.emoji).
 */
export function validateSendRequest(body: unknown): SendRequest {
  const validate = validator();
  if (!validate(body)) throw validationErrorToAppError(validate.errors ?? [], 'body', body, SEND_BODY_WORDING);
  const req = body as SendRequest;
  checkMessageRules(req);
  return req;
}
