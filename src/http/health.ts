import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from '../db/database.js';
import { ServiceUnavailable } from '../errors.js';

/**
 * /healthz: the process answers. /readyz: every dependency the configuration uses answers too
 * (the database, Redis when REDIS_URL is set, media storage: the S3 bucket or the media directory);
 * a 503 names the ones that failed.
 */
export async function healthRoutes(
  app: FastifyInstance,
  opts: { db: Db; redis?: Redis | undefined; storage?: { check(): Promise<void> } | undefined },
): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request) => {
    const checks: Record<string, 'ok' | 'failed'> = {};
    const probe = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
        checks[name] = 'ok';
      } catch (err) {
        request.log.warn({ err, dependency: name }, 'readiness check failed');
        checks[name] = 'failed';
      }
    };
    const { redis, storage } = opts;
    await Promise.all([
      probe('database', () => opts.db.ping()),
      ...(redis ? [probe('redis', () => redis.ping())] : []),
      ...(storage ? [probe('storage', () => storage.check())] : []),
    ]);
    const failed = Object.keys(checks).filter((k) => checks[k] === 'failed');
    if (failed.length > 0) {
      const err = new ServiceUnavailable(`Not ready: ${failed.join(', ')}`, 2);
      Object.assign(err.extra, { checks });
      throw err;
    }
    return { status: 'ready', database: opts.db.engine, checks };
  });
}
