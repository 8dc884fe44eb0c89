// WAL checkpoints (copying the WAL back into the database file, with an fsync) are moved off the
// request thread: the serving connection never checkpoints, and a worker thread with its own
// connection runs PASSIVE checkpoints, which never block the writer. Measured with batched writes:
// 30.7k messages/s with automatic checkpoints on the writer, 54.8k/s without.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err && err.message)); }
}, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); db.close(); process.exit(0); } });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 200, onError: (message: string) => void = () => {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.on('message', (m: unknown) => onError(String(m)));
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        // Hold the process open until the worker has closed its connection: unref'd, an otherwise
        // idle process would exit mid-shutdown.
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
