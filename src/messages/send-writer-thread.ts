// The send path's SQLite writes on their own thread. On the request thread they were ~16% of the
// instructions per message (callgrind): binding values, SQLite's own work, the WAL frames. Here
// they run beside the event loop, which only posts each batch and receives its result.
//
// A batch is still one transaction and each caller is answered only after the commit holding its
// write (db/group-commit.ts), so "a 200 means committed" holds as before. Other writes (contacts,
// failures, idempotency keys) stay on the request thread's connection; SQLite serialises writers
// of the two connections with its file lock and busy timeout.
import { Worker } from 'node:worker_threads';
import type { BatchFlush } from '../db/group-commit.js';
import type { SendWrite, SendWriteResult } from './send-writes.js';
import type { WriterReply, WriterRequest } from './send-writer-worker.js';

type Waiting = { worker: Worker; resolve(results: SendWriteResult[]): void; reject(err: unknown): void };

/** The code of the error every waiting batch gets if the thread dies: the database is unavailable. */
export const WRITER_STOPPED = 'SQLITE_WRITER_STOPPED';

export class SendWriterThread {
  #worker: Worker | undefined;
  #seq = 0;
  readonly #waiting = new Map<number, Waiting>();

  constructor(private readonly file: string) {}

  readonly flush: BatchFlush<SendWrite, SendWriteResult> = (batch) =>
    new Promise((resolve, reject) => {
      const id = ++this.#seq;
      const worker = this.#thread();
      this.#waiting.set(id, { worker, resolve, reject });
      try {
        worker.postMessage({ id, batch } satisfies WriterRequest);
      } catch (err) {
        this.#waiting.delete(id);
        reject(err);
      }
    });

  /** Starts the thread now rather than on the first write (its start takes a few hundred ms). */
  start(): void {
    this.#thread();
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('stop' satisfies WriterRequest);
    });
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    // Workers do not inherit the main thread's TypeScript loader: register it, then load the
    // worker module (as bin/flowiq.js does for the main thread).
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./send-writer-worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: { file: this.file } });
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) return;
      this.#waiting.delete(reply.id);
      if ('results' in reply) waiting.resolve(reply.results as SendWriteResult[]);
      else waiting.reject(Object.assign(new Error(reply.error.message), { name: 'SqliteError', code: reply.error.code }));
    });
    const fail = (cause: string) => {
      if (this.#worker === worker) this.#worker = undefined; // the next batch starts a new thread
      const err = Object.assign(new Error(`the SQLite writer thread stopped: ${cause}`), { code: WRITER_STOPPED });
      for (const [id, w] of this.#waiting) {
        if (w.worker !== worker) continue;
        this.#waiting.delete(id);
        w.reject(err);
      }
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }
}
