// Live changes over PostgreSQL LISTEN/NOTIFY, for instances that share a database without Redis.
// The listener is one client of its own outside the pool (a LISTEN lasts as long as its
// connection, and a pooled one would be handed to other queries); NOTIFY goes through the pool,
// outside any transaction, after the change committed. A lost listener reconnects with a growing
// delay and tells the streams to read again (resync): hints sent meanwhile were not heard.
import pg from 'pg';
import type { ChangeTransport } from './bus.js';

export const LIVE_PG_CHANNEL = 'flowiq_live';

/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more. */
const NOTIFY_MAX_BYTES = 7_900;

export function postgresTransport(pool: pg.Pool, channel = LIVE_PG_CHANNEL): ChangeTransport {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  /** Listens until the connection breaks, then again; resolves the first time it listens. */
  const keepListening = (deliver: (payload: string) => void, lost: () => void): Promise<void> =>
    new Promise((resolve) => {
      let listenedOnce = false;
      let retryMs = 250;
      const attempt = async (): Promise<void> => {
        if (closed) return;
        const c = new pg.Client(pool.options);
        let down = false;
        const broken = () => {
          if (down) return;
          down = true;
          if (client === c) client = undefined;
          c.end().catch(() => undefined);
          if (closed) return;
          timer = setTimeout(() => void attempt(), retryMs);
          retryMs = Math.min(retryMs * 2, 10_000);
        };
        c.on('error', broken);
        c.on('end', broken);
        c.on('notification', (msg) => {
          if (msg.channel === channel && msg.payload !== undefined) deliver(msg.payload);
        });
        try {
          await c.connect();
          await c.query(`listen ${channel}`);
        } catch {
          broken();
          return;
        }
        if (closed) return void c.end().catch(() => undefined);
        client = c;
        retryMs = 250;
        if (listenedOnce) lost();
        listenedOnce = true;
        resolve();
      };
      void attempt();
    });

  return {
    kind: 'postgres',
    maxBytes: NOTIFY_MAX_BYTES,
    send: async (payload) => {
      await pool.query('select pg_notify($1, $2)', [channel, payload]);
    },
    listen: keepListening,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
