// Delivers committed events to the tenants' endpoints (jobs/events.ts runs it): claims due
// deliveries (events/deliveries.ts), POSTs each signed with the Standard Webhooks convention, and
// settles it: delivered on a 2xx; otherwise tried again later, with exponential backoff and jitter,
// until the event is 3 days old, then kept as dead. An endpoint that has failed every attempt for
// 3 days is disabled, with the reason, for the CLI to show.
//
// Deliveries run independently, at most `concurrency` at once and `perEndpoint` per endpoint, so a
// slow or dead receiver holds at most its own share while the others keep receiving. At least once:
// a crash between the receiver's 2xx and the settlement sends that event again after the lease.
import { backOff } from 'exponential-backoff';
import { retryDelayMs } from '../lib/backoff.js';
import { TtlCache } from '../lib/ttl-cache.js';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/database.js';
import type { TokenCipher } from '../organizations/token-cipher.js';
import type { MediaSigner } from '../media/signing.js';
import {
  claimDueDeliveries,
  disableIfFailingSince,
  settleDeliveries,
  type AttemptRecord,
  type ClaimedDelivery,
  type SettleItem,
  type Settlement,
} from './deliveries.js';
import { signingSecrets } from './endpoints.js';
import type { EndpointRow } from './endpoint-store.js';
import type { EventPoster } from './post.js';

/** Where the dispatcher logs: a pino logger, or the dispatch thread's messages to the serving one. */
export interface DispatchLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export const GIVE_UP_AFTER_MS = 3 * 86_400_000;
/** Outcomes written per transaction, at most. */
const SETTLE_BATCH = 200;
/** Tries of one settlement transaction: about 6 s of backoff in all. */
const SETTLE_ATTEMPTS = 6;

export interface DispatcherOptions {
  db: Db;
  cipher: TokenCipher;
  signer: MediaSigner;
  poster: EventPoster;
  log: DispatchLog;
  /** Deliveries in flight at once, in all. */
  concurrency?: number;
  /** Deliveries in flight at once to one endpoint. */
  perEndpoint?: number;
  /** How long a claim holds a delivery; longer than a POST can take. */
  leaseMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  giveUpAfterMs?: number;
  now?: () => number;
  random?: () => number;
}

/** The body a receiver gets: the event's envelope around its data. */
export interface EventEnvelope {
  id: string;
  type: string;
  timestamp: string;
  organization_id: string;
  data: Record<string, unknown>;
}

export class EventDispatcher {
  readonly #o: DispatcherOptions;
  readonly #inFlight = new Map<string, number>();
  #active = 0;
  #pumping: Promise<void> | undefined;
  #again = false;
  #probe = false;
  /**
   * Endpoints whose deliveries were claimed lately, and when. A claim that leaves out the endpoints
   * at their share walks all of their due rows to find the others'; when every endpoint seen lately
   * is at its share, that walk would find nothing, so only a probe (the periodic job) makes it.
   */
  readonly #recent = new Map<string, number>();
  #stopped = false;
  readonly #settling = new Set<Promise<void>>();
  readonly #endpoints = new TtlCache<EndpointRow & { secrets: string[] }>(1_000, 10_000);
  /** Outcomes waiting to be written: together, one transaction for all that finished meanwhile. */
  #toSettle: { item: SettleItem; done: (settled: boolean) => void; failed: (err: unknown) => void }[] = [];
  #settleScheduled = false;

  constructor(opts: DispatcherOptions) {
    this.#o = opts;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /**
   * Claims what is due now, without waiting; called after a commit that wrote events, and by the
   * job with `probe`: then also for endpoints not seen lately while the others are at their share.
   */
  wake(opts: { probe?: boolean } = {}): void {
    if (this.#stopped) return;
    if (opts.probe) this.#probe = true;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
    });
  }

  /** Resolves once nothing is being claimed or delivered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pumping || this.#settling.size > 0) {
      await this.#pumping;
      await Promise.all([...this.#settling]);
    }
  }

  /** Stops claiming; resolves once the deliveries in flight are settled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
    this.#o.poster.close();
  }

  async #pump(): Promise<void> {
    const concurrency = this.#o.concurrency ?? 32;
    const perEndpoint = this.#o.perEndpoint ?? 8;
    do {
      this.#again = false;
      const probe = this.#probe;
      this.#probe = false;
      for (;;) {
        if (this.#stopped) return;
        const room = concurrency - this.#active;
        if (room <= 0) break;
        const full = [...this.#inFlight].filter(([, n]) => n >= perEndpoint).map(([id]) => id);
        const now = this.#now();
        if (full.length > 0 && !probe && this.#onlyTheseLately(full, now)) break;
        let rows: ClaimedDelivery[];
        try {
          rows = await claimDueDeliveries(
            this.#o.db,
            new Date(now).toISOString(),
            new Date(now + (this.#o.leaseMs ?? 120_000)).toISOString(),
            Math.min(room, perEndpoint),
            full,
          );
        } catch (err) {
          this.#o.log.warn({ err }, 'could not claim event deliveries; will retry');
          return;
        }
        for (const row of rows) this.#recent.set(row.endpoint_id, now);
        if (rows.length === 0) break;
        // A claim is at most one endpoint's share, so an endpoint exceeds its share by less than
        // one claim. Claiming again with a busy endpoint excluded walks its due rows to find none,
        // so fewer rows than asked means nothing else is due: stop until a delivery settles.
        for (const row of rows) this.#start(row);
        if (rows.length < Math.min(room, perEndpoint)) break;
      }
    } while (this.#again);
  }

  /** Whether every endpoint claimed for in the last 10 s is among `full`. */
  #onlyTheseLately(full: readonly string[], now: number): boolean {
    for (const [id, at] of this.#recent) {
      if (at < now - 10_000) this.#recent.delete(id);
      else if (!full.includes(id)) return false;
    }
    return true;
  }

  #start(row: ClaimedDelivery): void {
    this.#active++;
    this.#inFlight.set(row.endpoint_id, (this.#inFlight.get(row.endpoint_id) ?? 0) + 1);
    const p = this.#deliver(row)
      .catch((err: unknown) => {
        // The database away: the claim's lease runs out and the delivery is tried again.
        this.#o.log.error({ err, event: row.event_id }, 'could not settle an event delivery; retried after its lease');
      })
      .finally(() => {
        this.#active--;
        const n = (this.#inFlight.get(row.endpoint_id) ?? 1) - 1;
        if (n === 0) this.#inFlight.delete(row.endpoint_id);
        else this.#inFlight.set(row.endpoint_id, n);
        this.#settling.delete(p);
        // A slot is free, and the key's next event may now be due; an endpoint still at its
        // share would only be excluded from the claim (the periodic job covers the rest).
        if (n < (this.#o.perEndpoint ?? 8)) this.wake();
      });
    this.#settling.add(p);
  }

  async #deliver(row: ClaimedDelivery): Promise<void> {
    const db = this.#o.db;
    const endpoint = await this.#endpoint(row.endpoint_id);
    const attemptedAt = new Date(this.#now()).toISOString();
    if (endpoint === undefined || endpoint.enabled !== 1) {
      // Disabled since the claim: left pending, for a replay once it is enabled again.
      await this.#settle(
        row,
        { attemptedAt, statusCode: null, error: 'endpoint disabled', durationMs: 0 },
        {
          state: 'pending',
          nextAt: new Date(this.#now() + (this.#o.maxRetryMs ?? 3_600_000)).toISOString(),
        },
      );
      return;
    }
    const body = JSON.stringify(this.#envelope(row));
    const headers = this.#sign(endpoint, row.event_id, body);
    const result = await this.#o.poster.post(endpoint.url, headers, body);
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const settlement = ok ? ({ state: 'delivered' } as const) : this.#retry(row);
    await this.#settle(
      row,
      { attemptedAt, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs },
      settlement,
    );
    if (ok) return;
    if (settlement.state === 'dead')
      this.#o.log.warn(
        { event: row.event_id, endpoint: row.endpoint_id, attempts: row.attempts },
        'event not delivered in 3 days; kept as dead',
      );
    const giveUp = this.#o.giveUpAfterMs ?? GIVE_UP_AFTER_MS;
    const since = new Date(this.#now() - giveUp).toISOString();
    const reason = `every delivery failed for ${Math.round(giveUp / 3_600_000)} h; last: ${result.error ?? 'no answer'}`;
    if (await disableIfFailingSince(db, row.endpoint_id, since, reason.slice(0, 500), attemptedAt))
      this.#o.log.warn({ endpoint: row.endpoint_id, reason }, 'event endpoint disabled');
  }

  /**
   * Queues the outcome; written with the others that finish before the next turn of the event
   * loop, in one transaction (deliveries.ts). Whether the row was still this attempt's to settle.
   */
  #settle(row: ClaimedDelivery, attempt: AttemptRecord, settlement: Settlement): Promise<boolean> {
    return new Promise((done, failed) => {
      this.#toSettle.push({ item: { row, attempt, settlement }, done, failed });
      if (this.#settleScheduled) return;
      this.#settleScheduled = true;
      setImmediate(() => void this.#writeSettlements());
    });
  }

  async #writeSettlements(): Promise<void> {
    while (this.#toSettle.length > 0) {
      const batch = this.#toSettle.splice(0, SETTLE_BATCH);
      const items = batch.map((b) => b.item);
      try {
        // A busy database (SQLite's write lock held by the other thread past the busy timeout, a
        // PostgreSQL restart) must not leave the outcome to the lease, minutes later: tried again
        // for a few seconds first.
        const settled = await backOff(() => settleDeliveries(this.#o.db, items), {
          numOfAttempts: SETTLE_ATTEMPTS,
          startingDelay: 100,
          maxDelay: 2_000,
          jitter: 'full',
        });
        batch.forEach((b, i) => b.done(settled[i] ?? false));
      } catch (err) {
        for (const b of batch) b.failed(err);
      }
    }
    this.#settleScheduled = false;
  }

  /**
   * The endpoint's row and its decrypted secrets, kept a second: a busy endpoint costs one read and
   * one decryption per second instead of per delivery. A change (disabled, rotated, a new URL)
   * takes effect within that second.
   */
  async #endpoint(id: string): Promise<(EndpointRow & { secrets: string[] }) | undefined> {
    const hit = this.#endpoints.get(id);
    if (hit) return hit;
    const row = await this.#o.db.kysely
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const value = { ...row, secrets: signingSecrets(this.#o.cipher, row, new Date(this.#now())) };
    this.#endpoints.set(id, value);
    return value;
  }

  #envelope(row: ClaimedDelivery): EventEnvelope {
    const data = JSON.parse(row.payload) as Record<string, unknown>;
    // Media are stored as keys; the receiver gets a signed URL, made now.
    const key = data['media_key'];
    if (typeof key === 'string') {
      delete data['media_key'];
      data['media_url'] = this.#o.signer.url(key);
    }
    return {
      id: row.event_id,
      type: row.type,
      timestamp: row.event_created_at,
      organization_id: row.organization_id,
      data,
    };
  }

  /** Standard Webhooks headers; during a secret's overlap, one signature per secret. */
  #sign(endpoint: { secrets: string[] }, eventId: string, body: string): Record<string, string> {
    const at = new Date(this.#now());
    const signatures = endpoint.secrets.map((secret) => new Webhook(secret).sign(eventId, at, body));
    return {
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    };
  }

  /** The next attempt: exponential, half fixed and half drawn, until the event is 3 days old. */
  #retry(row: ClaimedDelivery): Settlement {
    const next =
      this.#now() +
      retryDelayMs(row.attempts, {
        firstMs: this.#o.firstRetryMs ?? 5_000,
        maxMs: this.#o.maxRetryMs ?? 3_600_000,
        ...(this.#o.random ? { random: this.#o.random } : {}),
      });
    const deadline = Date.parse(row.event_created_at) + (this.#o.giveUpAfterMs ?? GIVE_UP_AFTER_MS);
    if (next >= deadline) return { state: 'dead' };
    return { state: 'pending', nextAt: new Date(next).toISOString() };
  }
}
