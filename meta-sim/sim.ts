// startMetaSim: a state, a server on loopback, and the MetaSim handle over both.
import { parseFault } from './fault-parse.js';
import { buildSimServer } from './server.js';
import { SimState } from './state.js';
import type { MetaSim, MetaSimOptions } from './types.js';

export async function startMetaSim(opts: MetaSimOptions = {}): Promise<MetaSim> {
  const state = new SimState(opts);
  const app = await buildSimServer(state, opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error('meta-sim: the server did not bind to a TCP port');
  }
  const port = address.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    addPhone: (phoneId, token) => state.addPhone(phoneId, token),
    injectFault: (f) => state.faults.add(parseFault(f)),
    clearFaults: () => state.faults.clear(),
    messages: () => state.messages(),
    uploads: () => state.uploads(),
    counts: () => ({ ...state.counts }),
    reset: () => state.reset(),
    close: async () => {
      await app.close();
    },
  };
}
