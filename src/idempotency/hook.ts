// Idempotency-Key on POST routes: the same key and body within the TTL returns the first response
// (status and body) without acting again, also when duplicates arrive concurrently: the later ones
// wait for the first, then replay it, or get 409 Request in progress if it is still running.
import type { FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify';
import { sha256Hex } from '../lib/crypto.js';
import { IdempotencyKeyReuse, InvalidField, InvalidRequest, RequestInProgress } from '../errors.js';
import type { IdempotencyScope, IdempotencyStore } from './store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set while this request owns its Idempotency-Key; null otherwise (decorated in app.ts). */
    idempotency: IdempotencyScope | null;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;
const POLL_MS = 25;

/**
 * Outcomes after which a retry must act again (nothing was sent): throttling, our own failures,
 * database trouble. Every other answer, including 502 and 504 from Meta, is final for its key.
 */
function isRetryableOutcome(status: number): boolean {
  return status === 429 || status === 500 || status === 503;
}

/**
 * The body's fingerprint. Schemas bound how deeply a body nests, but a route without one could let
 * a body through that is too deep to serialise: that is the client's mistake (400), not a 500.
 */
function bodyHash(body: unknown): string {
  try {
    return sha256Hex(JSON.stringify(body ?? null));
  } catch (err) {
    if (err instanceof RangeError) throw new InvalidRequest('request body nests too deeply');
    throw err;
  }
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** How long a duplicate waits for the first request before answering 409. */
  waitMs: number;
  /**
   * Whose key a request's is. By default the API key's organization and the route, as the tenant
   * API has it; the inbox's names the agent too, so two agents' keys never collide.
   */
  ownerOf?: (request: FastifyRequest) => Omit<IdempotencyScope, 'key'>;
}

const byTenantAndRoute = (request: FastifyRequest): Omit<IdempotencyScope, 'key'> => ({
  organizationId: request.tenant.organization.id,
  scope: `${request.method} ${request.routeOptions.url ?? ''}`,
});

export interface IdempotencyHooks {
  preHandler: preHandlerHookHandler;
  onSend: onSendHookHandler;
}

export function idempotencyHooks(opts: IdempotencyOptions): IdempotencyHooks {
  const ownerOf = opts.ownerOf ?? byTenantAndRoute;
  // Both hooks answer synchronously when the request has no key (the common case, and the hot
  // path's): an async hook would cost a promise and a microtask turn per request.
  const preHandler: preHandlerHookHandler = (request, reply, done) => {
    if (request.headers['idempotency-key'] === undefined) return done();
    // Fastify awaits a returned promise exactly as it awaits an async hook.
    return claim(request, reply) as unknown as void;
  };

  const claim = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers['idempotency-key'];
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new InvalidField('Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const scope: IdempotencyScope = { ...ownerOf(request), key: header };
    const hash = bodyHash(request.body);
    const deadline = Date.now() + opts.waitMs;
    for (;;) {
      const r = await opts.store.begin(scope, hash);
      if (r.kind === 'owner') {
        request.idempotency = scope;
        return;
      }
      if (r.kind === 'mismatch') throw new IdempotencyKeyReuse();
      if (r.kind === 'replay') {
        return reply
          .code(r.status)
          .header('idempotent-replayed', 'true')
          .header('content-type', 'application/json; charset=utf-8')
          .serializer((p: unknown) => p as string)
          .send(r.body);
      }
      if (Date.now() >= deadline) throw new RequestInProgress();
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  };

  const onSend: onSendHookHandler = (request, reply, payload, done) => {
    const scope = request.idempotency;
    if (!scope) return done(null, payload);
    request.idempotency = null;
    return record(scope, request, reply, payload) as unknown as void;
  };

  const record = async (scope: IdempotencyScope, request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    try {
      if (isRetryableOutcome(reply.statusCode)) await opts.store.release(scope);
      else
        await opts.store.complete(
          scope,
          reply.statusCode,
          typeof payload === 'string' ? payload : JSON.stringify(payload),
        );
    } catch (err) {
      // The key stays claimed: retries get 409 until it expires, never a second send.
      request.log.error({ err }, 'could not record the idempotent response');
    }
    return payload;
  };
  return { preHandler, onSend };
}
