// An answer's body checked outside a route (the attachments route builds one from its form
// fields): the answer schema with the routes' Ajv setup and the same 400 wording.
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../http/ajv.js';
import { validationErrorToAppError } from '../http/validation-errors.js';
import { ANSWER_BODY_WORDING, AnswerBody, type AnswerRequest } from './answer-schema.js';

let compiled: ValidateFunction | undefined;

/** The body as an AnswerRequest, or the 400 the JSON route would answer for it. */
export function validateAnswer(body: unknown): AnswerRequest {
  compiled ??= createAjv().compile(AnswerBody);
  if (!compiled(body)) throw validationErrorToAppError(compiled.errors ?? [], 'body', body, ANSWER_BODY_WORDING);
  return body as AnswerRequest;
}
