// One open Server-Sent Events stream, and the instance's register of them with its caps. HTTP
// framing only (no Fastify): the route hands in the raw response once the agent is known.
import type { ServerResponse } from 'node:http';
import type { Change } from './change.js';

/** What the browser waits before reconnecting after the stream drops (SSE `retry:`). */
export const RETRY_MS = 3000;
/** A client that reads slower than this much backlog is dropped: it reconnects and reads again. */
const MAX_BACKLOG_BYTES = 1_048_576;

/** Every SSE message's `id:`, unique per instance start; a page never resumes by it (see docs). */
const bootId = Date.now().toString(36);
let sequence = 0;
const nextId = () => `${bootId}-${++sequence}`;

export class LiveStream {
  #ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onEnd: () => void,
  ) {
    res.on('close', () => this.end());
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The stream's first bytes: the reconnect delay, and `ready` once its subscription is live. */
  open(): void {
    this.#write(`retry: ${RETRY_MS}\n\n`);
    this.#event('ready', { retry_ms: RETRY_MS });
  }

  changes(changes: readonly Change[]): void {
    // One write for the whole batch: a storm of statuses costs one syscall, not one per hint.
    this.#write(changes.map((c) => message('change', c)).join(''));
  }

  /** The bus may have missed hints: the page reads again, as after a reconnect. */
  resync(): void {
    this.#event('resync', {});
  }

  heartbeat(): void {
    this.#write(': heartbeat\n\n');
  }

  /** Ends the stream (sign-out, shutdown, a client too slow to keep up). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onEnd();
    if (!this.res.writableEnded) this.res.end();
  }

  #event(name: string, data: unknown): void {
    this.#write(message(name, data));
  }

  #write(text: string): void {
    if (this.#ended) return;
    if (this.res.writableLength > MAX_BACKLOG_BYTES) return this.end();
    this.res.write(text);
  }
}

function message(event: string, data: unknown): string {
  return `event: ${event}\nid: ${nextId()}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Why a stream was refused; the route turns it into our 429. */
export type Refusal = { reason: 'agent'; limit: number } | { reason: 'instance'; limit: number };

/** The open streams of this instance, counted per agent, within the configured caps. */
export class StreamRegister {
  readonly #all = new Set<LiveStream>();
  readonly #perAgent = new Map<string, number>();
  /** Places taken, by streams open and by requests about to open one. */
  #reserved = 0;

  constructor(private readonly caps: { perAgent: number; max: number }) {}

  /** Takes a place for the agent's stream, or says why not; `release` gives it back. */
  reserve(agentId: string): { release: () => void } | Refusal {
    if (this.#reserved >= this.caps.max) return { reason: 'instance', limit: this.caps.max };
    const held = this.#perAgent.get(agentId) ?? 0;
    if (held >= this.caps.perAgent) return { reason: 'agent', limit: this.caps.perAgent };
    this.#perAgent.set(agentId, held + 1);
    this.#reserved++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#reserved--;
        const n = (this.#perAgent.get(agentId) ?? 1) - 1;
        if (n <= 0) this.#perAgent.delete(agentId);
        else this.#perAgent.set(agentId, n);
      },
    };
  }

  get open(): number {
    return this.#reserved;
  }

  track(stream: LiveStream): void {
    this.#all.add(stream);
  }

  forget(stream: LiveStream): void {
    this.#all.delete(stream);
  }

  /** At shutdown: every stream ends, so the server can close (pages reconnect elsewhere). */
  endAll(): void {
    for (const s of [...this.#all]) s.end();
  }
}
