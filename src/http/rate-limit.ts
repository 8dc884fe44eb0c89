// Our own limit per API key (RATE_LIMIT_PER_KEY requests per second), with the standard
// RateLimit-* headers; in memory on one instance, in Redis so that several instances share it.
// It applies to the scope it is registered in (the tenant API), not to health, docs or media.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { TooManyRequests } from '../errors.js';

/**
 * The authenticated key's id: keyed on the raw header, spelling it differently (spaces after
 * `Bearer`, its letter case) bought a fresh budget each time. The limit runs in preHandler, after
 * the auth hook; a route without a key (none today) is limited per client address.
 */
function rateLimitKey(request: FastifyRequest): string {
  const tenant = (request as FastifyRequest & { tenant: { apiKeyId: string } | null }).tenant;
  return tenant ? `k:${tenant.apiKeyId}` : `ip:${request.ip}`;
}

export async function registerRateLimit(
  app: FastifyInstance,
  opts: { perSecond: number; redis: Redis | undefined },
): Promise<void> {
  if (opts.perSecond === 0) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: opts.perSecond,
    timeWindow: 1000,
    keyGenerator: rateLimitKey,
    enableDraftSpec: true,
    nameSpace: 'flowiq:rl:',
    // Fail open: with Redis down the limiter lets requests through rather than answering 500;
    // the idempotency store (which must fail closed) still answers 503 where it matters.
    skipOnError: true,
    ...(opts.redis ? { redis: opts.redis } : {}),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new TooManyRequests(
        `Rate limit of ${context.max} requests per second per API key exceeded; retry in ${seconds} s`,
        { headers: { 'retry-after': String(seconds) } },
      );
    },
  });
}
