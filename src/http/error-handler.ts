// The one place errors become responses. A client only ever sees the document's shape
// {error, message, ...}: never a framework's default body, a stack trace or an internal message.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.js';
import { AppError, InternalError, InvalidRequest, NotFound, PayloadTooLarge, ServiceUnavailable } from '../errors.js';
import { validationErrorToAppError } from './validation.js';

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
  if (Array.isArray(fe.validation)) return validationErrorToAppError(fe.validation, fe.validationContext ?? 'body', request.body);
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLarge(`Request body is larger than the ${request.routeOptions.bodyLimit ?? 1048576} bytes allowed`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequest('Request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new InvalidRequest('Content-Type must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequest('Content-Length does not match the body');
  }
  if (fe.statusCode === 400 && err instanceof SyntaxError) return new InvalidRequest('Request body is not valid JSON');
  // secure-json-parse refuses __proto__ and constructor.prototype keys.
  if (/Object contains forbidden prototype property/.test(err.message)) {
    return new InvalidRequest('Request body contains a forbidden key (__proto__ or constructor.prototype)');
  }
  if (isDatabaseUnavailable(err)) return new ServiceUnavailable();
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new InvalidRequest('The request could not be processed');
  }
  return undefined;
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
