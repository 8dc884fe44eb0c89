// The one place errors become responses. A client only ever sees the API contract's shape
// {error, message, ...}: never a framework's default body, a stack trace or an internal message.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.js';
import {
  AppError,
  echo,
  HeaderTooLarge,
  InternalError,
  InvalidRequest,
  NotFound,
  PayloadTooLarge,
  RequestTimeout,
  ServiceUnavailable,
  UnsupportedContentType,
} from '../errors.js';
import { loneSurrogateError, validationErrorToAppError, type BodyWording } from './validation-errors.js';
import { MULTIPART_FORM } from './keywords/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route's 400s word its tagged objects (http/validation.ts BodyWording). */
    bodyWording?: BodyWording;
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  request_id: string;
  [extra: string]: unknown;
}

export function errorBody(err: AppError, requestId: string): ErrorBody {
  return { error: err.error, message: err.message, ...err.extra, request_id: requestId };
}

/** Fastify's own errors (parsing, limits) as ours; anything unknown stays unknown. */
function translate(err: FastifyError | Error, request: FastifyRequest): AppError | undefined {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & { validation?: unknown[]; validationContext?: string };
  // A body Fastify parsed as text (text/plain, its default parser) fails the schema as "must be an
  // object": the real mistake is the Content-Type.
  if (Array.isArray(fe.validation) && (fe.validationContext ?? 'body') === 'body' && typeof request.body === 'string') {
    return new UnsupportedContentType('Request body must be JSON: send it with Content-Type: application/json');
  }
  if (Array.isArray(fe.validation))
    return validationErrorToAppError(
      fe.validation,
      fe.validationContext ?? 'body',
      request.body,
      request.routeOptions.config.bodyWording,
    );
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLarge(
        `Request body is larger than the ${request.routeOptions.bodyLimit ?? 1048576} bytes allowed`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequest('Request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedBodyType(request);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequest('Content-Length does not match the body');
  }
  if (fe.statusCode === 400 && err instanceof SyntaxError) return new InvalidRequest('Request body is not valid JSON');
  // secure-json-parse refuses __proto__ and constructor.prototype keys (parseJsonBody says which).
  if (/Object contains forbidden prototype property/.test(err.message)) {
    return new InvalidRequest('Request body contains a forbidden key (__proto__ or constructor.prototype)');
  }
  if (isDatabaseUnavailable(err)) return new ServiceUnavailable();
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new InvalidRequest('The request could not be processed');
  }
  return undefined;
}

/** The body types a route reads: multipart for a documented form, those its schema lists under `content`, else JSON. */
function acceptedBodyTypes(request: FastifyRequest): string {
  const schema = request.routeOptions.schema as Record<string, unknown> | undefined;
  if (schema?.[MULTIPART_FORM] !== undefined) return 'multipart/form-data';
  const body: unknown = schema?.body;
  const content = typeof body === 'object' && body !== null ? (body as { content?: unknown }).content : undefined;
  const types = typeof content === 'object' && content !== null ? Object.keys(content) : [];
  return types.length > 0 ? types.join(' or ') : 'application/json';
}

/** A body of a type no parser reads (a form post to a JSON route): 415, naming what would do. */
function unsupportedBodyType(request: FastifyRequest): UnsupportedContentType {
  const accepted = acceptedBodyTypes(request);
  const given = request.headers['content-type']?.split(';')[0]?.trim();
  return new UnsupportedContentType(
    given
      ? `Content-Type ${echo(given)} is not accepted here: send the body as ${accepted}`
      : `Request body needs a Content-Type: send it as ${accepted}`,
  );
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let appErr = translate(err, request);
    if (!appErr) {
      request.log.error({ err }, 'unexpected error');
      appErr = new InternalError(err);
    } else if (appErr.status >= 500) {
      request.log.warn({ err, status: appErr.status }, appErr.error);
    }
    return reply.code(appErr.status).headers(appErr.headers).send(errorBody(appErr, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new NotFound(`No route for ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(errorBody(err, request.id));
  });
}

/**
 * Fastify's routing-stage errors, raised before a route's handlers: a URL that is not valid
 * percent-encoding, an overlong path parameter. Fastify's own body would otherwise answer.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appErr =
    err.code === 'FST_ERR_BAD_URL'
      ? new InvalidRequest('The request URL is not valid: it has malformed percent-encoding')
      : new InvalidRequest('The request could not be routed');
  // No hook has run for this request, so the request id header is set here.
  void reply.code(appErr.status).header('x-request-id', request.id).send(errorBody(appErr, request.id));
}

/**
 * What Node's HTTP parser refuses before there is a request to answer (headers over its limit,
 * bytes that are not HTTP, a request too slow to arrive): our shape on the raw socket, then close,
 * as Node and Fastify do by default with their own bodies.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const appErr =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new HeaderTooLarge('The request headers are larger than the server accepts')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new RequestTimeout('The request did not arrive in time')
        : new InvalidRequest('The request is not valid HTTP');
  const requestId = randomUUID();
  const body = JSON.stringify(errorBody(appErr, requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appErr.status} ${STATUS_CODES[appErr.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

// ---- JSON bodies ------------------------------------------------------------------------------------

/** The first own key on the way down that would poison a prototype, if any (explicit stack: no recursion on deep bodies). */
function poisonedKey(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Object.hasOwn(v, '__proto__')) return '__proto__';
    const ctor = Object.hasOwn(v, 'constructor') ? (v as Record<string, unknown>)['constructor'] : undefined;
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return 'constructor.prototype';
    for (const child of Object.values(v)) stack.push(child);
  }
  return undefined;
}

// A key may be written with \u escapes ("\u005f_proto__"), and a lone surrogate can only be written
// as one ("\ud800": undecodable bytes already became U+FFFD): only bodies that might hold either
// are walked, so an ordinary body is not traversed again after JSON.parse.
const MAYBE_REFUSED = /proto|constructor|\\u/;

/**
 * Fastify's JSON parser, which drops secure-json-parse's reason and says only "not valid JSON"
 * when it refuses a __proto__ or constructor.prototype key. Same refusals, each said as it is, and
 * lone surrogates refused here too.
 */
export function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return done(new InvalidRequest('Request body is not valid JSON'));
  }
  if (MAYBE_REFUSED.test(text)) {
    const key = poisonedKey(parsed);
    if (key !== undefined)
      return done(new InvalidRequest(`Request body contains the key ${key}, which is not allowed`));
    // Refused before the schema, on every JSON route, never forwarded: JSON allows "\ud800",
    // Unicode text does not. (Query strings cannot carry one: their decoder keeps an invalid
    // percent-encoding as written.)
    const surrogate = loneSurrogateError(parsed, 'body');
    if (surrogate !== undefined) return done(surrogate);
  }
  done(null, parsed);
}
