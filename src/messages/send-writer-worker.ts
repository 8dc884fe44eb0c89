// The writer thread itself (started by send-writer-thread.ts): its own connection to the database
// file, the send path's batch transaction, one batch at a time in the order they arrive.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../db/sqlite-connection.js';
import { sqliteSendTransaction, type SendWrite } from './send-writes.js';

export type WriterRequest = { id: number; batch: SendWrite[] } | 'stop';
export type WriterReply = { id: number; results: unknown[] } | { id: number; error: { message: string; code: unknown } };

const port = parentPort!;
const sqlite = openSqliteConnection((workerData as { file: string }).file);
const write = sqliteSendTransaction(sqlite);

port.on('message', (m: WriterRequest) => {
  if (m === 'stop') {
    sqlite.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: m.id, results: write(m.batch) };
  } catch (err) {
    reply = { id: m.id, error: { message: (err as Error).message, code: (err as { code?: unknown }).code } };
  }
  port.postMessage(reply);
});
