// The change bus: writes publish hints (change.ts) once their transaction has committed; each
// instance's open streams subscribe by organization. One interface, three transports: in-process
// (the embedded SQLite default: one instance), Redis pub/sub, or PostgreSQL LISTEN/NOTIFY (several
// instances). Publishing costs a write path a Map insertion: hints are coalesced (until the event
// loop's next turn in-process, for up to FLUSH_MS between instances, and while a message is in
// flight) and sent as one message; a failure to send is logged, never thrown.
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

/** Hints waiting to be sent, at most. */
const MAX_PENDING = 100_000;
/** Between instances, the least time between two flushes (ms): a bound on NOTIFYs or PUBLISHes. */
const FLUSH_MS = 10;

/** Logs a failing bus at most once per interval: a Redis outage must not flood the log. */
const LOG_EVERY_MS = 10_000;

export class ChangeFeed implements ChangeBus {
  readonly kind: ChangeBus['kind'];
  readonly #pending = new Map<string, Change>();
  #scheduled = false;
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
    // A transport that hangs (Redis away, its offline queue filling) must not hold memory without
    // end: past the cap, hints are dropped, and pages catch up on their next reconnect.
    if (this.#pending.size >= MAX_PENDING) {
      this.#warn(new Error(`${this.#pending.size} hints waiting`), 'dropping live changes: the bus is not keeping up');
      return;
    }
    for (const c of changes) this.#pending.set(changeKey(c), c);
    this.#schedule();
  }

  /**
   * One flush at a time, and (between instances) at most one per FLUSH_MS: whatever is published
   * meanwhile joins the next, so a storm of writes costs a few bus messages a second, not one each.
   */
  #schedule(): void {
    if (this.#scheduled || this.#sending || this.#pending.size === 0) return;
    this.#scheduled = true;
    if (this.kind === 'memory') setImmediate(() => void this.#flush());
    else setTimeout(() => void this.#flush(), FLUSH_MS).unref();
  }

  /** Messages go one at a time: hints reach other instances in the order they were published. */
  async #flush(): Promise<void> {
    this.#scheduled = false;
    const payloads = chunkChanges([...this.#pending.values()], this.transport.maxBytes);
    this.#pending.clear();
    this.#sending = true;
    for (const payload of payloads) {
      try {
        await this.transport.send(payload);
      } catch (err) {
        this.#warn(err, 'could not publish live changes');
      }
    }
    this.#sending = false;
    this.#schedule();
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
