// The change bus: writes publish hints (change.ts) once their transaction has committed; each
// instance's open streams subscribe by organization. One interface, three transports: in-process
// (the embedded SQLite default: one instance), Redis pub/sub, or PostgreSQL LISTEN/NOTIFY (several
// instances). Publishing costs a write path a Map insertion: hints are coalesced until the event
// loop's next turn and sent then as one message, and a failure to send is logged, never thrown.
import type { Logger } from 'pino';
import { changeKey, chunkChanges, decodeChanges, type Change } from './change.js';

export interface ChangeListener {
  /** Hints of the listener's organization, in the order they were published. */
  changes(changes: readonly Change[]): void;
  /** The bus lost its connection and may have missed hints: the page should read again. */
  resync(): void;
}

export interface ChangeBus {
  readonly kind: 'memory' | 'redis' | 'postgres';
  /** Queues hints of committed changes; never waits and never throws. */
  publish(changes: readonly Change[]): void;
  /** Hints of one organization, from every instance; the function unsubscribes. */
  subscribe(organizationId: string, listener: ChangeListener): () => void;
  /** Resolves once this instance receives what is published (its subscription is in place). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** How hints travel between instances. Each instance receives its own messages too. */
export interface ChangeTransport {
  readonly kind: ChangeBus['kind'];
  /** The largest message the transport carries. */
  readonly maxBytes: number;
  send(payload: string): Promise<void>;
  /** Starts receiving; `lost` is called when a reconnect may have missed messages. */
  listen(deliver: (payload: string) => void, lost: () => void): Promise<void>;
  close(): Promise<void>;
}

/** Bus messages waiting to be sent, at most (each up to the transport's maxBytes). */
const MAX_QUEUED = 1000;

/** Logs a failing bus at most once per interval: a Redis outage must not flood the log. */
const LOG_EVERY_MS = 10_000;

export class ChangeFeed implements ChangeBus {
  readonly kind: ChangeBus['kind'];
  readonly #pending = new Map<string, Change>();
  #scheduled = false;
  readonly #outbox: string[] = [];
  #sending = false;
  readonly #listeners = new Map<string, Set<ChangeListener>>();
  readonly #listening: Promise<void>;
  #lastLogged = 0;
  #closed = false;

  constructor(
    private readonly transport: ChangeTransport,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.kind = transport.kind;
    this.#listening = transport.listen(
      (payload) => this.#deliver(payload),
      () => this.#resyncAll(),
    );
    // A transport that cannot listen yet keeps trying on its own; ready() reports the failure.
    this.#listening.catch((err: unknown) => this.#warn(err, 'the live change bus could not subscribe'));
  }

  publish(changes: readonly Change[]): void {
    // In-process with no stream open, nobody could hear it: the embedded default's sends pay nothing.
    if (this.#closed || (this.kind === 'memory' && this.#listeners.size === 0)) return;
    for (const c of changes) this.#pending.set(changeKey(c), c);
    if (this.#scheduled || this.#pending.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const changes = [...this.#pending.values()];
    this.#pending.clear();
    const payloads = chunkChanges(changes, this.transport.maxBytes);
    // A transport that hangs (Redis away, its offline queue filling) must not hold memory without
    // end: past the cap, hints are dropped, and pages catch up on their next reconnect.
    if (this.#outbox.length + payloads.length > MAX_QUEUED) {
      this.#warn(
        new Error(`${this.#outbox.length} messages waiting`),
        'dropping live changes: the bus is not keeping up',
      );
      return;
    }
    this.#outbox.push(...payloads);
    if (!this.#sending) void this.#send();
  }

  /** One message in flight at a time: hints reach other instances in the order they were published. */
  async #send(): Promise<void> {
    this.#sending = true;
    while (this.#outbox.length > 0) {
      const payload = this.#outbox.shift()!;
      try {
        await this.transport.send(payload);
      } catch (err) {
        this.#warn(err, 'could not publish live changes');
      }
    }
    this.#sending = false;
  }

  subscribe(organizationId: string, listener: ChangeListener): () => void {
    let set = this.#listeners.get(organizationId);
    if (!set) this.#listeners.set(organizationId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(organizationId) === set) this.#listeners.delete(organizationId);
    };
  }

  ready(): Promise<void> {
    return this.#listening;
  }

  /** Subscribers of this instance, across organizations (tests, the bench). */
  get subscribers(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  #deliver(payload: string): void {
    const byOrg = new Map<string, Change[]>();
    for (const c of decodeChanges(payload)) {
      if (!this.#listeners.has(c.organization_id)) continue;
      let list = byOrg.get(c.organization_id);
      if (!list) byOrg.set(c.organization_id, (list = []));
      list.push(c);
    }
    for (const [org, list] of byOrg)
      for (const listener of this.#listeners.get(org) ?? []) this.#call(() => listener.changes(list));
  }

  #resyncAll(): void {
    for (const set of this.#listeners.values()) for (const listener of set) this.#call(() => listener.resync());
  }

  /** One listener's failure (a stream whose socket broke) reaches no other listener. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#warn(err, 'a live stream failed to take its changes');
    }
  }

  #warn(err: unknown, msg: string): void {
    const now = Date.now();
    if (now - this.#lastLogged < LOG_EVERY_MS) return;
    this.#lastLogged = now;
    this.log.warn({ err, bus: this.kind }, msg);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.clear();
    this.#outbox.length = 0;
    this.#listeners.clear();
    await this.transport.close();
  }
}

/** One instance: what is published is delivered to this instance's streams, in a later turn. */
export function inProcessTransport(): ChangeTransport {
  let deliver: ((payload: string) => void) | undefined;
  return {
    kind: 'memory',
    maxBytes: 1_000_000,
    send: (payload) => {
      deliver?.(payload);
      return Promise.resolve();
    },
    listen: (d) => {
      deliver = d;
      return Promise.resolve();
    },
    close: () => {
      deliver = undefined;
      return Promise.resolve();
    },
  };
}
