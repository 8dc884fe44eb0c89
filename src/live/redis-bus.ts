// Live changes over Redis pub/sub: published on the gateway's Redis connection, received on a
// connection of their own (a subscribed Redis connection can do nothing else). ioredis reconnects
// and subscribes again by itself; hints published meanwhile are lost, so the streams are told to
// read again (resync) once it is back.
import type { Redis } from 'ioredis';
import type { ChangeTransport } from './bus.js';

export const LIVE_CHANNEL = 'flowiq:live';

export function redisTransport(publisher: Redis, channel = LIVE_CHANNEL): ChangeTransport {
  const subscriber = publisher.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  // Errors are reconnects in progress (ioredis logs nothing, retries on its own): not a crash.
  subscriber.on('error', () => undefined);
  return {
    kind: 'redis',
    // Redis takes up to 512 MB; smaller messages keep one slow stream's write small.
    maxBytes: 64 * 1024,
    send: async (payload) => {
      await publisher.publish(channel, payload);
    },
    listen: async (deliver, lost) => {
      subscriber.on('message', (ch: string, payload: string) => {
        if (ch === channel) deliver(payload);
      });
      let subscribed = false;
      subscriber.on('ready', () => {
        if (subscribed) lost();
      });
      await subscriber.subscribe(channel);
      subscribed = true;
    },
    close: async () => {
      subscriber.disconnect();
      return Promise.resolve();
    },
  };
}
