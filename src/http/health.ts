import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/database.js';
import { ServiceUnavailable } from '../errors.js';

/** /healthz: the process answers. /readyz: and its database does too (load balancers use this one). */
export async function healthRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request) => {
    try {
      await opts.db.ping();
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      throw new ServiceUnavailable('The database is not answering');
    }
    return { status: 'ready', database: opts.db.engine };
  });
}
