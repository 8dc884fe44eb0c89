// The dispatcher's own thread (dispatch-thread.ts starts it): its own database connection, its own
// event loop, so claiming, signing and posting events run on the second core while the serving
// thread absorbs webhooks. It hears `wake`, `idle` and `stop` from the serving thread, and sends its
// log lines there, so they go out through the same logger.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/database.js';
import { MediaSigner } from '../media/signing.js';
import { TokenCipher } from '../organizations/token-cipher.js';
import { dispatcherFor } from './dispatch-setup.js';
import type { ToThread, ToWorker, WorkerInput } from './dispatch-thread.js';

const port = parentPort;
if (!port) throw new Error('dispatch-worker.ts runs only as a worker thread');
const { config, secret, dbOptions } = workerData as WorkerInput;
const send = (m: ToThread) => port.postMessage(m);

/** An error as plain data: what the serving thread's logger needs of it. */
function plain(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as NodeJS.ErrnoException).code;
  return { type: value.name, message: value.message, stack: value.stack, ...(code ? { code } : {}) };
}

const line =
  (level: 'warn' | 'error' | 'info') =>
  (obj: object, msg: string): void => {
    const fields = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
    send({ type: 'log', level, obj: fields, msg });
  };

const db = openDatabase(config.database, { ...dbOptions, checkpointer: false });
const dispatcher = dispatcherFor(config, {
  db,
  cipher: new TokenCipher(secret, config.previousSecret),
  signer: new MediaSigner(secret, config.publicUrl, config.media.urlTtlSeconds, config.previousSecret),
  log: { warn: line('warn'), error: line('error'), info: line('info') },
});

port.on('message', (m: ToWorker) => {
  if (m.type === 'wake') dispatcher.wake({ probe: m.probe });
  else if (m.type === 'idle') void dispatcher.idle().then(() => send({ type: 'idle', id: m.id }));
  else if (m.type === 'stop')
    void dispatcher
      .stop()
      .then(() => db.close())
      .then(() => {
        send({ type: 'stopped' });
        // Nothing is left to do; a handle some library keeps must not keep the thread alive.
        process.exit(0);
      });
});
send({ type: 'ready' });
