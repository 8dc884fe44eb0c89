// The dispatcher as the configuration asks for it, built the same way on the serving thread
// (server/context.ts, EVENTS_DISPATCH=inline) and in its own thread (dispatch-worker.ts).
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { MediaSigner } from '../media/signing.js';
import type { TokenCipher } from '../organizations/token-cipher.js';
import { EventDispatcher, type DispatchLog } from './dispatcher.js';
import { eventPoster } from './post.js';

/** What the background job and shutdown need of a dispatcher, wherever it runs. */
export type Dispatching = Pick<EventDispatcher, 'wake' | 'idle' | 'stop'>;

export function dispatcherFor(
  config: Readonly<Config>,
  deps: { db: Db; cipher: TokenCipher; signer: MediaSigner; log: DispatchLog },
): EventDispatcher {
  return new EventDispatcher({
    ...deps,
    poster: eventPoster({
      allowPrivateNetworks: config.events.allowPrivateNetworks,
      timeoutMs: config.events.timeoutMs,
      // EVENTS_PER_ENDPOINT above 16 was held to 16 by the agent's default here.
      socketsPerHost: config.events.perEndpoint,
    }),
    leaseMs: config.events.leaseMs,
    concurrency: config.events.concurrency,
    perEndpoint: Math.min(config.events.perEndpoint, config.events.concurrency),
    firstRetryMs: config.events.firstRetryMs,
  });
}
