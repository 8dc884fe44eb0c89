// Processes committed webhook bodies (receipts.ts) in the background: parse, route each status
// and message to its organization (only among the app's own), apply each on its own, and mark
// the receipt processed in the same transaction. A crash before that commit leaves the receipt
// pending, to be processed again from the start: every write is idempotent, so nothing is applied
// twice. On PostgreSQL several instances share the work: receipts are claimed FOR UPDATE SKIP
// LOCKED, and a dead instance's claim ends with its connection.
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { nowIso } from '../db/ids.js';
import { runPg, runSqlite, query, transact, type Steps } from '../db/steps.js';
import type { Database } from '../db/types.js';
import { writeInbound } from '../conversations/inbound-writes.js';
import { applyWaitingStatuses, writeStatus } from '../conversations/status-writes.js';
import { EventBatch, enabledEndpoints, flushEvents, withEvents, type SubscribedEndpoint } from '../events/outbox.js';
import { writeTemplateEvent } from '../templates/webhook.js';
import { ChangeSet } from '../live/change.js';
import type { ChangeBus } from '../live/bus.js';
import { parseWebhook, type WebhookItem } from './parse.js';

type EndpointReader = (organizationId: string) => Promise<SubscribedEndpoint[]>;

type K = Kysely<Database>;

export interface PhoneRouting {
  organizationForPhoneNumber(metaAppId: string, phoneNumberId: string): Promise<string | undefined>;
}

interface Claimed {
  id: string;
  meta_app_id: string;
  body: string;
}

interface Note {
  path: string;
  reason: string;
}

/** One item's change; its events go to the batch it is given, written at the transaction's end. */
interface Write {
  path: string;
  /** What the write locks first (its message, or its sender's contact and thread). */
  lockKey: string;
  /** `live` takes the write's change hints, published once the transaction has committed. */
  steps: (events: EventBatch, live: ChangeSet) => Steps<string>;
}

/** One receipt, parsed and routed: the writes to make, and what was not usable, with reasons. */
interface Plan {
  receiptId: string;
  writes: Write[];
  counts: Record<string, number>;
  notes: Note[];
  /** Whether a write stored a message with media (the fetcher is woken once it commits). */
  mediaStored: boolean;
}

const MAX_NOTES = 100;
/** Attempts of a receipt that fails on its own before it is set aside as failed. */
export const MAX_RECEIPT_ATTEMPTS = 5;

/**
 * Failures a batch is retried whole for, later, without counting against its receipts: the
 * database away, and PostgreSQL's deadlock and serialization failures between claimers.
 */
function isRetriedWhole(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === '40P01' || code === '40001';
}
const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);

function count(plan: Plan, key: string): void {
  plan.counts[key] = (plan.counts[key] ?? 0) + 1;
}

/** Plans of receipts, in order, in groups of about `items` writes (at least one receipt each). */
function groupsOf(plans: Plan[], items: number): Plan[][] {
  const groups: Plan[][] = [];
  let group: Plan[] = [];
  let size = 0;
  for (const plan of plans) {
    if (group.length > 0 && size + plan.writes.length > items) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(plan);
    size += plan.writes.length;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * A batch's writes in one global order of what they lock: statuses by message, messages by sender
 * (its contact and thread). Claimers on PostgreSQL run batches at once; taking the same rows in
 * different orders, they deadlocked, and a storm of five customers' messages did so on every retry
 * (measured in the SIGKILL fault test: nothing processed for a minute). The sort is stable, so a
 * sender's messages and a message's statuses keep the order they arrived in.
 */
/**
 * The events of the writes that held, in the receipts' order rather than the lock order the writes
 * ran in: numbered in that order by flushEvents, as the transaction's last statements.
 */
function eventsOf(plans: Plan[], held: Map<Write, EventBatch>): EventBatch {
  const all = new EventBatch();
  for (const plan of plans)
    for (const w of plan.writes) {
      const events = held.get(w);
      if (events) all.take(events);
    }
  return all;
}

function inLockOrder(plans: Plan[]): { plan: Plan; w: Write }[] {
  return plans
    .flatMap((plan) => plan.writes.map((w) => ({ plan, w })))
    .sort((a, b) => (a.w.lockKey < b.w.lockKey ? -1 : a.w.lockKey > b.w.lockKey ? 1 : 0));
}

function note(plan: Plan, path: string, reason: string): void {
  if (plan.notes.length < MAX_NOTES) plan.notes.push({ path, reason });
}

/**
 * An error that belongs to one item (our bug, or a value the database refuses: PostgreSQL's
 * class 22, data exceptions, e.g. a NUL in text): recorded, and the others go on. Anything else
 * (the database away, a conflict with another instance) fails the batch, which is retried whole.
 */
function isItemError(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return true;
  return code.startsWith('22') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
}

export interface ProcessorOptions {
  db: Db;
  routing: PhoneRouting;
  log: Pick<Logger, 'warn' | 'error'>;
  /** Receipts claimed at once (SQLite: 50, PostgreSQL: 10 per claimer). */
  batchSize?: number;
  /** SQLite: items (statuses, messages) per transaction, about; a receipt is never split. */
  itemsPerTransaction?: number;
  /** PostgreSQL: claimers at once (4). */
  parallel?: number;
  /** Called once a batch that stored a message with media has committed (wakes inbound/media.ts). */
  onMediaStored?: () => void;
  /** Called once a batch has committed (its events are due: wakes events/dispatcher.ts). */
  onCommitted?: () => void;
  /** Where the inbox's change hints go once a batch has committed (src/live/). */
  live?: Pick<ChangeBus, 'publish'>;
}

export class WebhookProcessor {
  readonly #db: Db;
  readonly #k: K;
  #running: Promise<void> | undefined;
  #again = false;
  /** Receipts tried one at a time in the current run (#drain). */
  readonly #triedThisRun = new Set<string>();
  /** Until when one claimer runs, after a deadlock between claimers. */
  #serialUntil = 0;

  constructor(private readonly opts: ProcessorOptions) {
    this.#db = opts.db;
    this.#k = opts.db.kysely;
  }

  /** Processes what is pending soon, without waiting; called after each receipt commits. */
  wake(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    // On PostgreSQL several claimers at once: each transaction waits on round trips, not CPU, and
    // SKIP LOCKED gives each its own receipts. SQLite has one writer: one claimer.
    // After a deadlock between them (writes in lock order make it rare), one claimer for a while.
    const claimers = this.#db.engine === 'postgres' && Date.now() >= this.#serialUntil ? (this.opts.parallel ?? 4) : 1;
    this.#triedThisRun.clear();
    do {
      this.#again = false;
      try {
        await Promise.all(
          Array.from({ length: claimers }, async () => {
            while ((await this.#batchOrOneByOne()) > 0);
          }),
        );
      } catch (err) {
        if ((err as { code?: unknown }).code === '40P01') this.#serialUntil = Date.now() + 10_000;
        // Left pending: the periodic job (jobs/inbound.ts) tries again.
        this.opts.log.warn({ err }, 'could not process webhook receipts; will retry');
        return;
      }
    } while (this.#again);
  }

  /**
   * A batch; if it fails for a reason of its own (not the database away, not a conflict with
   * another instance), its receipts one at a time, so that one receipt that always fails (a bug
   * the parser or a write trips on) cannot hold back every later webhook. Such a receipt counts
   * its attempts and is set aside as failed, with its error, after MAX_RECEIPT_ATTEMPTS.
   */
  async #batchOrOneByOne(): Promise<number> {
    try {
      return await this.processBatch();
    } catch (err) {
      if (isRetriedWhole(err)) throw err;
      this.opts.log.warn({ err }, 'a webhook batch failed; processing its receipts one at a time');
    }
    const ids = await this.#k
      .selectFrom('webhook_receipts')
      .select('id')
      .where('state', '=', 'pending')
      .orderBy('received_at')
      .limit(this.opts.batchSize ?? 10)
      .execute();
    let failed = false;
    let done = 0;
    for (const { id } of ids) {
      // One attempt per receipt per run, however many claimers fall back to this at once.
      if (this.#triedThisRun.has(id)) continue;
      this.#triedThisRun.add(id);
      try {
        done += await this.processBatch(id);
      } catch (err) {
        if (isRetriedWhole(err)) throw err;
        await this.#receiptFailed(id, err);
        failed = true;
      }
    }
    // After a failure this run ends: the next (the periodic job's, a second on) is the next attempt.
    return failed ? 0 : done;
  }

  async #receiptFailed(id: string, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const row = await this.#k
      .updateTable('webhook_receipts')
      .set({
        attempts: sql<number>`attempts + 1`,
        last_error: message,
        state: sql<
          'pending' | 'failed'
        >`case when attempts + 1 >= ${MAX_RECEIPT_ATTEMPTS} then 'failed' else state end`,
      })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .returning(['state', 'attempts'])
      .executeTakeFirst();
    this.opts.log.error(
      { err, receipt: id, attempts: row?.attempts },
      row?.state === 'failed'
        ? 'a webhook receipt failed every attempt; set aside as failed, with its error'
        : 'a webhook receipt could not be processed; will retry',
    );
  }

  /** Claims and processes up to batchSize pending receipts (or only `id`); how many. */
  async processBatch(id?: string): Promise<number> {
    const db = this.#db;
    if (db.engine === 'sqlite') {
      const claimed = (
        id === undefined
          ? db.sqlite
              .prepare(
                `select id, meta_app_id, body from webhook_receipts where state = 'pending' order by received_at limit ?`,
              )
              .all(this.opts.batchSize ?? 50)
          : db.sqlite
              .prepare(`select id, meta_app_id, body from webhook_receipts where state = 'pending' and id = ?`)
              .all(id)
      ) as Claimed[];
      if (claimed.length === 0) return 0;
      const endpoints = this.#endpointReader();
      const plans = await Promise.all(claimed.map((r) => this.#plan(r, endpoints)));
      // Short transactions, the event loop between them: a transaction runs synchronously, and a
      // batch of thousands of statuses in one would hold every request (Meta's acks, the sends'
      // writes) for its whole length. A receipt is never split: it commits with its items.
      for (const group of groupsOf(plans, this.opts.itemsPerTransaction ?? 100)) {
        const hints = this.#applySqlite(db.sqlite, group);
        this.#committed(group, hints);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return claimed.length;
    }
    return this.#processPg(db.pgPool, id);
  }

  #applySqlite(sqlite: SQLite.Database, plans: Plan[]): ChangeSet {
    return sqlite.transaction(() => {
      const held = new Map<Write, EventBatch>();
      const hints = new ChangeSet();
      for (const plan of plans) {
        for (const w of plan.writes) {
          const events = new EventBatch();
          const changes = new ChangeSet();
          try {
            // A nested better-sqlite3 transaction is a savepoint: a failed item undoes only itself.
            count(plan, sqlite.transaction(() => runSqlite(sqlite, w.steps(events, changes)))());
            held.set(w, events);
            hints.take(changes);
          } catch (err) {
            if (!isItemError(err)) throw err;
            this.#itemFailed(plan, w.path, err);
          }
        }
        runSqlite(sqlite, this.#finish(plan));
      }
      runSqlite(sqlite, flushEvents(this.#k, eventsOf(plans, held)));
      return hints;
    })();
  }

  async #processPg(pool: pg.Pool, id: string | undefined): Promise<number> {
    const limit = this.opts.batchSize ?? 10;
    const client = await pool.connect();
    try {
      await client.query('begin');
      const res =
        id === undefined
          ? await client.query<Claimed>(
              `select id, meta_app_id, body from webhook_receipts where state = 'pending' order by received_at limit $1 for update skip locked`,
              [limit],
            )
          : await client.query<Claimed>(
              `select id, meta_app_id, body from webhook_receipts where state = 'pending' and id = $1 for update skip locked`,
              [id],
            );
      if (res.rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      const endpoints = this.#endpointReader();
      const plans = await Promise.all(res.rows.map((r) => this.#plan(r, endpoints)));
      // Optimistically without a savepoint per item (two round trips each); if an item fails, the
      // batch is undone back to the claim and applied again with them, so it fails on its own.
      // What the plans say before their writes: an undone attempt leaves no count or note behind.
      const planned = plans.map((plan) => ({ counts: { ...plan.counts }, notes: [...plan.notes] }));
      await client.query('savepoint batch');
      let hints: ChangeSet;
      try {
        hints = await this.#applyPg(client, plans, false);
      } catch (err) {
        if (!isItemError(err)) throw err;
        await client.query('rollback to savepoint batch');
        plans.forEach((plan, i) => Object.assign(plan, planned[i], { mediaStored: false }));
        hints = await this.#applyPg(client, plans, true);
      }
      await client.query('commit');
      this.#committed(plans, hints);
      return res.rows.length;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async #applyPg(client: pg.PoolClient, plans: Plan[], isolate: boolean): Promise<ChangeSet> {
    const held = new Map<Write, EventBatch>();
    const hints = new ChangeSet();
    for (const { plan, w } of inLockOrder(plans)) {
      const events = new EventBatch();
      const changes = new ChangeSet();
      if (!isolate) {
        count(plan, await runPg(client, w.steps(events, changes)));
        held.set(w, events);
        hints.take(changes);
        continue;
      }
      await client.query('savepoint item');
      try {
        count(plan, await runPg(client, w.steps(events, changes)));
        await client.query('release savepoint item');
        held.set(w, events);
        hints.take(changes);
      } catch (err) {
        if (!isItemError(err)) throw err;
        await client.query('rollback to savepoint item');
        this.#itemFailed(plan, w.path, err);
      }
    }
    for (const plan of plans) await runPg(client, this.#finish(plan));
    await runPg(client, flushEvents(this.#k, eventsOf(plans, held)));
    return hints;
  }

  /**
   * After a commit: its events are due, its media to fetch, and the inbox's open pages hear of
   * its changes. Per batch: claimers run at once.
   */
  #committed(plans: Plan[], hints: ChangeSet): void {
    if (hints.changes.length > 0) this.opts.live?.publish(hints.changes);
    this.opts.onCommitted?.();
    if (plans.some((plan) => plan.mediaStored)) this.opts.onMediaStored?.();
  }

  /** Applies statuses whose message has since got its wamid; how many were looked at. */
  async applyWaiting(limit = 500): Promise<number> {
    const now = nowIso();
    const k = this.#k;
    const hints = new ChangeSet();
    const looked = await transact(this.#db, () =>
      withEvents(k, (events) => applyWaitingStatuses(k, events, now, limit, 7, hints)),
    );
    if (hints.changes.length > 0) this.opts.live?.publish(hints.changes);
    return looked;
  }

  #itemFailed(plan: Plan, path: string, err: unknown): void {
    count(plan, 'error');
    note(plan, path, `not applied: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`);
    this.opts.log.error({ err, receipt: plan.receiptId, path }, 'a webhook item could not be applied');
  }

  *#finish(plan: Plan): Steps<void> {
    yield* query(
      this.#k
        .updateTable('webhook_receipts')
        .set({
          state: 'processed',
          processed_at: nowIso(),
          outcome: JSON.stringify({ counts: plan.counts, notes: plan.notes }),
        })
        .where('id', '=', plan.receiptId),
    );
  }

  /** Parses one body and routes its items; the lookups run here, before any transaction waits on them. */
  /**
   * Each organization's enabled endpoints, read once per batch before its transaction, for the
   * events' deliveries (events/outbox.ts). An endpoint created meanwhile gets the next batch's.
   */
  #endpointReader(): EndpointReader {
    const read = new Map<string, Promise<SubscribedEndpoint[]>>();
    return (organizationId) => {
      let p = read.get(organizationId);
      if (!p) read.set(organizationId, (p = enabledEndpoints(this.#k, organizationId).execute()));
      return p;
    };
  }

  async #plan(receipt: Claimed, endpoints: EndpointReader): Promise<Plan> {
    const plan: Plan = { receiptId: receipt.id, writes: [], counts: {}, notes: [], mediaStored: false };
    let body: unknown;
    try {
      body = JSON.parse(receipt.body);
    } catch {
      count(plan, 'invalid');
      note(plan, '', 'the body is not JSON');
      return plan;
    }
    const now = nowIso();
    for (const item of parseWebhook(body).items) await this.#route(plan, receipt, item, now, endpoints);
    return plan;
  }

  async #route(plan: Plan, receipt: Claimed, item: WebhookItem, now: string, endpoints: EndpointReader): Promise<void> {
    if (item.kind === 'ignored' || item.kind === 'invalid') {
      count(plan, item.kind);
      note(plan, item.path, item.reason);
      return;
    }
    if (item.kind === 'template_event') {
      // The stored template changes in this transaction; the resync it asks for runs after.
      const k = this.#k;
      const metaAppId = receipt.meta_app_id;
      plan.writes.push({
        path: item.path,
        lockKey: `t ${item.wabaId} ${item.templateId}`,
        steps: () => writeTemplateEvent(k, { item, metaAppId, now }),
      });
      return;
    }
    if (item.kind === 'error') {
      count(plan, item.kind);
      note(plan, item.path, `Meta reported ${item.error.code ?? ''} ${item.error.title ?? ''}`);
      return;
    }
    const organizationId = await this.opts.routing.organizationForPhoneNumber(receipt.meta_app_id, item.phoneNumberId);
    if (organizationId === undefined) {
      count(plan, 'unrouted');
      note(plan, item.path, `no organization of app ${receipt.meta_app_id} has phone_number_id ${item.phoneNumberId}`);
      return;
    }
    const subscribed = await endpoints(organizationId);
    const k = this.#k;
    if (item.kind === 'status') {
      plan.writes.push({
        path: item.path,
        lockKey: `s ${organizationId} ${item.wamid}`,
        steps: function* (events, live) {
          return `status_${yield* writeStatus(k, { organizationId, item, receiptId: receipt.id, now, events, endpoints: subscribed, live })}`;
        },
      });
      return;
    }
    const media = MEDIA_TYPES.has(item.content.type);
    plan.writes.push({
      path: item.path,
      lockKey: `m ${organizationId} ${item.from ?? ''} ${item.fromUserId ?? ''}`,
      steps: function* (events, live) {
        const outcome = yield* writeInbound(k, { organizationId, item, now, events, endpoints: subscribed, live });
        if (outcome === 'stored' && media) plan.mediaStored = true;
        if (outcome === 'no_sender') note(plan, item.path, 'no readable phone number and no user id');
        return `message_${outcome}`;
      },
    });
  }
}
