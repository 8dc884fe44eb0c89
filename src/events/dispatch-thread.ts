// Runs the dispatcher in a worker thread (dispatch-worker.ts), behind the same wake/idle/stop as
// the dispatcher itself: EVENTS_DISPATCH=thread. Delivering then has a core of its own. Measured on
// SQLite (docs/PERFORMANCE.md, 2026-12-04 evening): as fast as inline when nothing else writes, but
// slower while webhooks arrive, because the two connections' write transactions wait for each
// other (SQLite has one writer); so inline is the default.
//
// The thread holds nothing that is not in the database: if it dies, it is started again, and what
// it had claimed is delivered after the lease, as after a crash.
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { OpenOptions } from '../db/database.js';
import type { Dispatching } from './dispatch-setup.js';
import type { DispatchLog } from './dispatcher.js';

export interface WorkerInput {
  config: Readonly<Config>;
  secret: string;
  dbOptions: OpenOptions;
}

export type ToWorker = { type: 'wake'; probe: boolean } | { type: 'idle'; id: number } | { type: 'stop' };
export type ToThread =
  | { type: 'ready' }
  | { type: 'idle'; id: number }
  | { type: 'stopped' }
  | { type: 'log'; level: 'warn' | 'error' | 'info'; obj: Record<string, unknown>; msg: string };

/** From source (tests, FLOWIQ_FROM_SOURCE), the thread must load TypeScript the way bin/flowiq.js does. */
const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

const RESTART_AFTER_MS = 1_000;

export class DispatchThread implements Dispatching {
  readonly #input: WorkerInput;
  readonly #log: DispatchLog;
  #worker: Worker | undefined;
  #stopping: Promise<void> | undefined;
  #wakeQueued: { probe: boolean } | undefined;
  #idleWaiters = new Map<number, () => void>();
  #nextId = 0;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(input: WorkerInput, log: DispatchLog) {
    this.#input = input;
    this.#log = log;
    this.#start();
  }

  #start(): void {
    const entry = new URL(`./dispatch-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    const tsx = entry.pathname.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;
    const worker = new Worker(BOOT, { eval: true, workerData: { ...this.#input, entry: entry.href, tsx } });
    this.#worker = worker;
    worker.on('message', (m: ToThread) => this.#heard(m));
    worker.on('error', (err) => this.#log.error({ err }, 'the event dispatch thread failed'));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      // Whatever it was asked to wait for is over: it holds nothing the database does not.
      for (const done of this.#idleWaiters.values()) done();
      this.#idleWaiters.clear();
      if (this.#stopping) return;
      this.#log.error({ code }, 'the event dispatch thread exited; starting it again');
      this.#restartTimer = setTimeout(() => this.#start(), RESTART_AFTER_MS);
      this.#restartTimer.unref();
    });
  }

  #heard(m: ToThread): void {
    if (m.type === 'log') this.#log[m.level](m.obj, m.msg);
    // A new thread (at start, or replacing one that died) delivers whatever is due, including
    // what the wakes it missed meanwhile were for.
    else if (m.type === 'ready') this.#post({ type: 'wake', probe: true });
    else if (m.type === 'idle') {
      this.#idleWaiters.get(m.id)?.();
      this.#idleWaiters.delete(m.id);
    }
  }

  #post(m: ToWorker): boolean {
    if (!this.#worker) return false;
    this.#worker.postMessage(m);
    return true;
  }

  /** Commits wake the thread often; the wakes of one turn of the event loop go as one message. */
  wake(opts: { probe?: boolean } = {}): void {
    if (this.#stopping) return;
    if (this.#wakeQueued) {
      this.#wakeQueued.probe ||= opts.probe === true;
      return;
    }
    this.#wakeQueued = { probe: opts.probe === true };
    setImmediate(() => this.#sendWake());
  }

  #sendWake(): void {
    const queued = this.#wakeQueued;
    if (!queued) return;
    this.#wakeQueued = undefined;
    this.#post({ type: 'wake', probe: queued.probe });
  }

  /** Resolves once the thread has delivered what was due, including what a wake not yet sent asked for. */
  async idle(): Promise<void> {
    this.#sendWake();
    const id = this.#nextId++;
    const done = new Promise<void>((resolve) => this.#idleWaiters.set(id, resolve));
    if (!this.#post({ type: 'idle', id })) {
      this.#idleWaiters.delete(id);
      return;
    }
    await done;
  }

  /** Ends the thread as a crash would (tests: what it held must be taken up by the next one). */
  async crashForTests(): Promise<void> {
    await this.#worker?.terminate();
  }

  /** Stops claiming; resolves once the thread has settled what was in flight and closed its connection. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await exited;
  }
}
