// The Fastify server: Graph's two edges, the control API, and Graph-shaped answers for everything
// else (never Fastify's default error body).
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlRoutes } from './control-routes.js';
import { GraphError, internalError, invalidParam, unknownPath } from './errors.js';
import { useJsonBodyParser } from './json-body.js';
import { sendGraphError } from './graph-reply.js';
import { mediaLookupRoutes } from './media-lookup-route.js';
import { MEDIA_ROUTE, mediaRoutes } from './media-route.js';
import { MESSAGES_ROUTE, messagesHandler } from './messages-route.js';
import { templatesRoutes } from './templates-route.js';
import type { SimState } from './state.js';
import type { MetaSimOptions } from './types.js';

// Contacts messages may carry up to 257 cards; 4 MiB leaves room without inviting abuse.
const JSON_BODY_LIMIT = 4 * 1024 * 1024;

export async function buildSimServer(state: SimState, opts: MetaSimOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: JSON_BODY_LIMIT, forceCloseConnections: true });
  useJsonBodyParser(app);
  app.setErrorHandler((err, request, reply) => {
    countEarlyFailure(state, request);
    return sendGraphError(reply, toGraphError(err, request));
  });
  app.setNotFoundHandler((request, reply) => sendGraphError(reply, unknownPath(pathOf(request.url))));
  const latencyMs = opts.latencyMs ?? 0;
  if (latencyMs > 0) {
    app.addHook('onSend', async (request, _reply, payload) => {
      if (!request.url.startsWith('/_sim/')) await sleep(latencyMs);
      return payload;
    });
  }
  app.post(MESSAGES_ROUTE, messagesHandler(state));
  await app.register(mediaRoutes(state));
  await app.register(mediaLookupRoutes(state));
  await app.register(templatesRoutes(state));
  await app.register(controlRoutes(state));
  return app;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Errors reaching here were raised before a Graph handler ran (unreadable JSON, an unsupported
 * Content-Type, a body too large): the handlers answer their own. Count the call all the same.
 */
function countEarlyFailure(state: SimState, request: FastifyRequest): void {
  const route = request.routeOptions.url;
  if (route === MESSAGES_ROUTE) state.counts.messageCalls += 1;
  else if (route === MEDIA_ROUTE) state.counts.mediaCalls += 1;
  else return;
  state.counts.refused += 1;
}

function statusOf(err: unknown): number {
  const status = (err as Partial<FastifyError> | null)?.statusCode;
  return typeof status === 'number' ? status : 500;
}

/** Graph answers an unreadable request as an invalid parameter (code 100). */
function toGraphError(err: unknown, request: FastifyRequest): GraphError {
  if (err instanceof GraphError) return err;
  const status = statusOf(err);
  if (status === 404) return unknownPath(pathOf(request.url));
  if (status >= 400 && status < 500) {
    return invalidParam(`The request could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  request.log.error({ err }, 'meta-sim: unexpected error');
  return internalError();
}
