// Graph's error envelope and the errors the simulator answers with.
//
// Which code for which mistake (docs/META.md §3 lists 100 "invalid parameter", 131008 "missing
// parameter", 131009 "invalid value"; Meta documents no finer rule), the simulator's choice:
//   - 131008: a required parameter is absent.
//   - 100:    a parameter Meta does not know here (unknown field, caption on audio, context on a
//             reaction, an object of another type), a wrong JSON type, or a value outside an enum.
//   - 131009: a parameter of the right type whose value is out of range: too long, too many, too
//             few, empty, duplicated, malformed (phone number, URL, date, emoji).
//   - 131051: a message type Meta knows but the simulator does not simulate (order, flows…).
//   - 1320xx: template sends that do not match the catalogue (below, and validate/template.ts).
//   - 131053: media problems: upload refused (type, magic bytes, size) or a message naming a
//             media id that was never uploaded to this phone or has the wrong kind.
import { randomBytes } from 'node:crypto';

export interface GraphErrorInit {
  code: number;
  message: string;
  httpStatus?: number;
  type?: string;
  details?: string;
  subcode?: number;
  isTransient?: boolean;
}

export class GraphError extends Error {
  readonly code: number;
  readonly httpStatus: number;
  readonly type: string;
  readonly details: string | undefined;
  readonly subcode: number | undefined;
  readonly isTransient: boolean | undefined;

  constructor(init: GraphErrorInit) {
    super(init.message);
    this.name = 'GraphError';
    this.code = init.code;
    this.httpStatus = init.httpStatus ?? 400;
    this.type = init.type ?? 'OAuthException';
    this.details = init.details;
    this.subcode = init.subcode;
    this.isTransient = init.isTransient;
  }
}

/** Graph's fbtrace_id looks like "AXsgnV2Cm3ZMGF3dF_cfYIn": an A and 22 url-safe base64 characters. */
export function newTraceId(): string {
  return 'A' + randomBytes(17).toString('base64url').slice(0, 22);
}

/** The body Graph answers with: {"error":{message,type,code,error_subcode?,is_transient?,error_data?,fbtrace_id}}. */
export function errorBody(err: GraphError): string {
  const error: Record<string, unknown> = { message: err.message, type: err.type, code: err.code };
  if (err.subcode !== undefined) error['error_subcode'] = err.subcode;
  if (err.isTransient !== undefined) error['is_transient'] = err.isTransient;
  // WhatsApp errors carry error_data; Graph-level ones (190, unknown object, unknown path) do not.
  if (err.details !== undefined) error['error_data'] = { messaging_product: 'whatsapp', details: err.details };
  error['fbtrace_id'] = newTraceId();
  return JSON.stringify({ error });
}

export function missingParam(path: string): GraphError {
  return new GraphError({
    code: 131008,
    message: '(#131008) Required parameter is missing',
    details: `The parameter ${path} is required.`,
  });
}

export function invalidParam(details: string): GraphError {
  return new GraphError({ code: 100, message: '(#100) Invalid parameter', details });
}

export function unexpectedKey(key: string, path: string): GraphError {
  return invalidParam(`Unexpected key "${key}" on param "${path}".`);
}

export function wrongType(path: string, expected: string): GraphError {
  return invalidParam(`Param ${path} must be ${expected}.`);
}

export function invalidValue(details: string): GraphError {
  return new GraphError({ code: 131009, message: '(#131009) Parameter value is not valid', details });
}

export function unsupportedType(details: string): GraphError {
  return new GraphError({ code: 131051, message: '(#131051) Unsupported message type', details });
}

export function mediaError(details: string): GraphError {
  return new GraphError({ code: 131053, message: '(#131053) Media upload error', details });
}

export function authError(): GraphError {
  return new GraphError({
    code: 190,
    httpStatus: 401,
    message: 'Invalid OAuth access token - Cannot parse access token',
  });
}

/** What Graph answers for an object id it does not know (or the token may not see). */
export function unknownObject(id: string): GraphError {
  return new GraphError({
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      `Unsupported post request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
      'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
  });
}

/**
 * Graph names the path components it cannot route. Graph itself answers these with HTTP 400 and
 * code 2500; the simulator answers 404 and code 100 so that a wrong URL is obvious in a test and
 * the code stays inside docs/META.md §3's table (a permanent error).
 */
export function unknownPath(path: string): GraphError {
  return new GraphError({ code: 100, httpStatus: 404, message: `Unknown path components: ${path}` });
}

export function rateLimited(): GraphError {
  return new GraphError({
    code: 130429,
    message: '(#130429) Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
  });
}

export function pairRateLimited(): GraphError {
  return new GraphError({
    code: 131056,
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  });
}

/** For errors the simulator did not expect of itself: Graph's generic "unknown error". */
export function internalError(): GraphError {
  return new GraphError({ code: 1, httpStatus: 500, message: 'An unknown error occurred', isTransient: true });
}

// Template errors (docs/META.md, templates): Meta answers these synchronously, HTTP 400, with the
// component and what was expected in error_data.details.
function templateError(code: number, title: string, details: string): GraphError {
  return new GraphError({ code, message: `(#${code}) ${title}`, details });
}

/** 132000: a component got another number of parameters than the template has variables. */
export function templateParamCount(component: string, got: number, expected: number): GraphError {
  return templateError(
    132000,
    'Number of parameters does not match the expected number of params',
    `${component}: number of localizable_params (${got}) does not match the expected number of params (${expected})`,
  );
}

/** 132000 for named parameters: a name the template does not have, or one given twice. */
export function templateParamName(component: string, details: string): GraphError {
  return templateError(
    132000,
    'Number of parameters does not match the expected number of params',
    `${component}: ${details}`,
  );
}

/** 132001: no template of that name in that language, or one that is not approved (pending, rejected…). */
export function templateMissing(name: string, language: string): GraphError {
  return templateError(
    132001,
    'Template name does not exist in the translation',
    `template name (${name}) does not exist in ${language}`,
  );
}

/** 132005: the text with its parameters filled in is longer than the component allows. */
export function templateTooLong(component: string, length: number, max: number): GraphError {
  return templateError(
    132005,
    'Translated text too long',
    `${component}: the text with its parameters is ${length} characters long; at most ${max} are allowed`,
  );
}

/** 132007: a text parameter breaks Meta's character policy. */
export function templateCharPolicy(path: string): GraphError {
  return templateError(
    132007,
    'Template Format Character Policy Violated',
    `${path}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces`,
  );
}

/** 132012: a parameter of another kind than the template was created with. */
export function templateFormat(component: string, expected: string, received: string): GraphError {
  return templateError(
    132012,
    'Parameter format does not match format in the created template',
    `${component}: Format mismatch, expected ${expected}, received ${received}`,
  );
}

export function templatePaused(name: string): GraphError {
  return templateError(
    132015,
    'Template is Paused',
    `Template ${name} is paused due to low quality so it cannot be sent in a template message.`,
  );
}

export function templateDisabled(name: string): GraphError {
  return templateError(
    132016,
    'Template is disabled',
    `Template ${name} has been paused too many times due to low quality and is now permanently disabled.`,
  );
}

/** Graph's answer for an object a known token may not see, on a GET. */
export function unknownObjectGet(id: string): GraphError {
  return new GraphError({
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
      'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
  });
}
