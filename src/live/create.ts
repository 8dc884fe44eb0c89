// Which bus a gateway uses (Config.live.bus): `auto` picks Redis when the gateway has one (every
// instance shares it already), else PostgreSQL's LISTEN/NOTIFY when the database is PostgreSQL,
// else in-process: the embedded SQLite default is one instance.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { ChangeFeed, inProcessTransport, type ChangeTransport } from './bus.js';
import { postgresTransport } from './pg-bus.js';
import { redisTransport } from './redis-bus.js';

export function createChangeBus(opts: {
  config: Readonly<Config>;
  db: Db;
  redis: Redis | undefined;
  log: Pick<Logger, 'warn'>;
}): ChangeFeed {
  return new ChangeFeed(transportFor(opts), opts.log);
}

function transportFor(opts: { config: Readonly<Config>; db: Db; redis: Redis | undefined }): ChangeTransport {
  const wanted = opts.config.live.bus;
  const kind =
    wanted !== 'auto' ? wanted : opts.redis ? 'redis' : opts.db.engine === 'postgres' ? 'postgres' : 'memory';
  if (kind === 'redis') {
    if (!opts.redis) throw new Error('LIVE_BUS=redis needs REDIS_URL');
    return redisTransport(opts.redis);
  }
  if (kind === 'postgres') {
    if (opts.db.engine !== 'postgres') throw new Error('LIVE_BUS=postgres needs DATABASE_URL on PostgreSQL');
    return postgresTransport(opts.db.pgPool);
  }
  return inProcessTransport();
}
