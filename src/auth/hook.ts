// Puts the authenticated tenant on the request, before the body is even read: a request with a
// bad key or tenant costs no parsing and no validation.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import { InvalidApiKey, InvalidField, TooManyRequests } from '../errors.js';
import type { AuthService, Tenant } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
  }
  interface FastifyContextConfig {
    /** A route's own check on the authenticated organization, run in the same hook (the send route's provider and credentials). */
    tenantCheck?: (tenant: Tenant) => void;
  }
}

export function tenantQuery(request: FastifyRequest): string | undefined {
  const q = request.query as Record<string, unknown> | undefined;
  const v = q?.tenantId;
  // ?tenantId=a&tenantId=b parses to an array: say so rather than that tenantId is missing.
  if (Array.isArray(v)) throw new InvalidField('tenantId must be given once');
  return typeof v === 'string' ? v : undefined;
}

/**
 * One hook for the whole tenant API scope. The route's `config.tenantCheck` runs on the tenant once
 * it is known, in the same hook: one hook fewer on every request.
 */
export function authenticateHook(auth: AuthService): onRequestHookHandler {
  // Callback style: with the key and organization cached the answer is synchronous, and an async
  // hook would add a promise and a microtask turn to every request.
  // No closure per request on the cached (synchronous) path: tsx names every named closure as it
  // is made (esbuild's keepNames, an Object.defineProperty call each), which showed in the send
  // path's profile. The uncached path, once per key and TTL, still makes two.
  function accept(request: FastifyRequest, tenant: Tenant): void {
    request.tenant = tenant;
    request.routeOptions.config.tenantCheck?.(tenant);
  }
  function failed(request: FastifyRequest, err: unknown): Error {
    if (err instanceof InvalidApiKey) auth.failures.recordFailure(request.ip);
    return err as Error;
  }
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const wait = auth.failures.retryAfter(request.ip);
    if (wait > 0)
      return done(
        new TooManyRequests(`Too many failed authentications from this address; retry in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        }),
      );
    try {
      const tenant = auth.authenticate(request.headers.authorization, tenantQuery(request));
      if (tenant instanceof Promise) {
        tenant
          .then((t) => accept(request, t))
          .then(
            () => done(),
            (err: unknown) => done(failed(request, err)),
          );
        return;
      }
      accept(request, tenant);
    } catch (err) {
      return done(failed(request, err));
    }
    done();
  };
}
