// Puts the authenticated tenant on the request, before the body is even read: a request with a
// bad key or tenant costs no parsing and no validation.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import type { AuthService, Tenant } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
  }
}

export function tenantQuery(request: FastifyRequest): string | undefined {
  const q = request.query as Record<string, unknown> | undefined;
  const v = q?.tenantId;
  return typeof v === 'string' ? v : undefined;
}

export function authenticateHook(auth: AuthService): onRequestHookHandler {
  // Callback style: with the key and organization cached the answer is synchronous, and an async
  // hook would add a promise and a microtask turn to every request.
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    let tenant: Tenant | Promise<Tenant>;
    try {
      tenant = auth.authenticate(request.headers.authorization, tenantQuery(request));
    } catch (err) {
      return done(err as Error);
    }
    if (tenant instanceof Promise) {
      tenant.then((t) => {
        request.tenant = t;
        done();
      }, done);
      return;
    }
    request.tenant = tenant;
    done();
  };
}
