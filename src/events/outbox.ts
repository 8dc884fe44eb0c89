// The transactional outbox: an event is written in the same transaction as the change that causes
// it, together with one delivery row per enabled endpoint of the organization that subscribes to
// its type. So no change commits without its event, no event outlives a change that rolled back,
// and every committed event is already due at its endpoints.
//
// The change's steps collect their events in an EventBatch; flushEvents writes them as the
// transaction's LAST statements. There each event takes its number from event_clock (migration
// 010), whose row lock is then held only until the commit a moment later: transactions number
// their events in the order they commit, so the events of one thread (their order key) reach an
// endpoint in commit order, whatever their kind, and no thread row is held locked for the length
// of a batch. Being the last lock taken, the clock cannot be part of a deadlock.
import { sql, type Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { query, type Steps } from '../db/steps.js';
import type { Insertable } from 'kysely';
import type { Database, EventDeliveriesTable, EventsTable } from '../db/types.js';
import { subscribes, type EventType } from './types.js';

type K = Kysely<Database>;

export interface SubscribedEndpoint {
  id: string;
  event_types: string;
}

export function enabledEndpoints(k: K, organizationId: string) {
  return k
    .selectFrom('webhook_endpoints')
    .select(['id', 'event_types'])
    .where('organization_id', '=', organizationId)
    .where('enabled', '=', 1);
}

export interface EventWrite {
  organizationId: string;
  type: EventType;
  /** The thread (customer_sessions.id) the event belongs to, which orders it; null for one that has none. */
  conversationId: string | null;
  /**
   * The organization's enabled endpoints, when the caller read them before its transaction (the
   * webhook processor, once per batch): read by flushEvents otherwise.
   */
  endpoints?: readonly SubscribedEndpoint[];
  /**
   * What the receiver gets as `data`. Media appear as storage keys (`media_key`), signed into URLs
   * when delivered: no signature is ever stored.
   */
  data: Record<string, unknown>;
  now: string;
}

/** The events a transaction's changes caused, in the order they were caused. */
export class EventBatch {
  readonly #events: { id: string; e: EventWrite }[] = [];

  /** The event's id, known at once; its row is written by flushEvents. */
  add(e: EventWrite): string {
    const id = newId();
    this.#events.push({ id, e });
    return id;
  }

  /** Moves `other`'s events after this batch's: an item's, once the savepoint around it held. */
  take(other: EventBatch): void {
    this.#events.push(...other.#events.splice(0));
  }

  /** Hands the events over and empties the batch. */
  drain(): { id: string; e: EventWrite }[] {
    return this.#events.splice(0);
  }
}

/** Records an event in the batch; its id. */
export function recordEvent(batch: EventBatch, e: EventWrite): string {
  return batch.add(e);
}

/** Rows per multi-row insert: well under either engine's limit on bound parameters. */
const CHUNK = 100;

/**
 * Writes the batch's events and their deliveries, numbered in commit order. Run it as the last
 * steps of the transaction: the clock stays locked from here to the commit.
 */
export function* flushEvents(k: K, batch: EventBatch): Steps<void> {
  const events = batch.drain();
  if (events.length === 0) return;
  // Endpoints first: no read waits while the clock is held.
  const endpointsOf = new Map<string, readonly SubscribedEndpoint[]>();
  for (const { e } of events) {
    if (e.endpoints !== undefined || endpointsOf.has(e.organizationId)) continue;
    const read = yield* query(enabledEndpoints(k, e.organizationId));
    endpointsOf.set(e.organizationId, read.rows as unknown as SubscribedEndpoint[]);
  }
  const clock = yield* query(
    k
      .updateTable('event_clock')
      .set({ seq: sql<number>`seq + ${events.length}` })
      .where('id', '=', 1)
      .returning('seq'),
  );
  const top = clock.rows[0]?.['seq'];
  if (top === undefined) throw new Error('event_clock has no row (migration 010)');
  const first = Number(top) - events.length + 1;
  const eventRows: Insertable<EventsTable>[] = [];
  const deliveryRows: Insertable<EventDeliveriesTable>[] = [];
  events.forEach(({ id, e }, i) => {
    const orderKey = e.conversationId;
    const orderSeq = first + i;
    eventRows.push({
      id,
      organization_id: e.organizationId,
      type: e.type,
      conversation_id: e.conversationId,
      order_key: orderKey,
      order_seq: orderSeq,
      payload: JSON.stringify(e.data),
      created_at: e.now,
    });
    for (const endpoint of e.endpoints ?? endpointsOf.get(e.organizationId) ?? []) {
      if (!subscribes(endpoint.event_types, e.type)) continue;
      deliveryRows.push({
        event_id: id,
        endpoint_id: endpoint.id,
        order_key: orderKey,
        order_seq: orderSeq,
        state: 'pending',
        attempts: 0,
        next_at: e.now,
        lease_until: null,
        last_status: null,
        last_error: null,
        created_at: e.now,
        delivered_at: null,
      });
    }
  });
  for (let i = 0; i < eventRows.length; i += CHUNK)
    yield* query(k.insertInto('events').values(eventRows.slice(i, i + CHUNK)));
  for (let i = 0; i < deliveryRows.length; i += CHUNK)
    yield* query(k.insertInto('event_deliveries').values(deliveryRows.slice(i, i + CHUNK)));
}

/** `steps` with an EventBatch of their own, flushed after them: a transaction that causes events. */
export function* withEvents<T>(k: K, steps: (events: EventBatch) => Steps<T>): Steps<T> {
  const events = new EventBatch();
  const result = yield* steps(events);
  yield* flushEvents(k, events);
  return result;
}
