// The transactional outbox: an event is written by the same steps (db/steps.ts), in the same
// transaction, as the change that causes it, together with one delivery row per enabled endpoint of
// the organization that subscribes to its type. So no change commits without its event, no event
// outlives a change that rolled back, and every committed event is already due at its endpoints.
//
// Events that must arrive in commit order share an order key and are numbered on a row that the
// transaction holds locked until it commits, so the numbers follow commit order: a message's
// statuses on the message (the caller gives `order`: the number its status update returned), a
// thread's other events on the thread (customer_sessions.event_seq, bumped here). The dispatcher
// delivers the events of one key to an endpoint in that order.
import { sql, type Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { query, type Steps } from '../db/steps.js';
import type { Database } from '../db/types.js';
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
  /** The thread (customer_sessions.id) the event belongs to; null for one that has none. */
  conversationId: string | null;
  /**
   * What orders it, when not the thread: a status is ordered by its message, numbered by the update
   * that applied it. Without it, an event with a thread is numbered on the thread.
   */
  order?: { key: string; seq: number };
  /**
   * The organization's enabled endpoints, when the caller read them before its transaction (the
   * webhook processor, once per batch): one query fewer per event. Read here otherwise.
   */
  endpoints?: readonly SubscribedEndpoint[];
  /**
   * What the receiver gets as `data`. Media appear as storage keys (`media_key`), signed into URLs
   * when delivered: no signature is ever stored.
   */
  data: Record<string, unknown>;
  now: string;
}

/** Writes the event and its deliveries; the event's id. */
export function* recordEvent(k: K, e: EventWrite): Steps<string> {
  let seq: number | null = null;
  if (e.order === undefined && e.conversationId !== null) {
    const bumped = yield* query(
      k
        .updateTable('customer_sessions')
        .set({ event_seq: sql<number>`event_seq + 1` })
        .where('id', '=', e.conversationId)
        .returning('event_seq'),
    );
    const value = bumped.rows[0]?.['event_seq'];
    seq = value === undefined ? null : Number(value);
  }
  const order = e.order ?? (seq === null ? undefined : { key: e.conversationId!, seq });
  const id = newId();
  yield* query(
    k.insertInto('events').values({
      id,
      organization_id: e.organizationId,
      type: e.type,
      conversation_id: e.conversationId,
      conversation_seq: seq,
      order_key: order?.key ?? null,
      order_seq: order?.seq ?? null,
      payload: JSON.stringify(e.data),
      created_at: e.now,
    }),
  );
  const endpoints =
    e.endpoints ?? ((yield* query(enabledEndpoints(k, e.organizationId))).rows as unknown as SubscribedEndpoint[]);
  for (const endpoint of endpoints) {
    if (!subscribes(endpoint.event_types, e.type)) continue;
    yield* query(
      k.insertInto('event_deliveries').values({
        event_id: id,
        endpoint_id: endpoint.id,
        order_key: order?.key ?? null,
        order_seq: order?.seq ?? null,
        state: 'pending',
        next_at: e.now,
        lease_until: null,
        last_status: null,
        last_error: null,
        created_at: e.now,
        delivered_at: null,
      }),
    );
  }
  return id;
}
