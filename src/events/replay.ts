// Sending events again, and the delivery log: what `flowiq events replay|log` and the API's
// deliveries listing read and write. A replay makes the endpoint's deliveries of the chosen events
// pending again (and creates them for events committed before it subscribed), so the dispatcher
// sends them in their threads' order as it sends new ones; a receiver deduplicates by event id.
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import { subscribes, type EventType } from './types.js';

export interface ReplayRequest {
  organizationId: string;
  endpointId: string;
  /** Events committed at or after this time (ISO 8601). */
  since: string;
  /** Only events of these types (and only those the endpoint subscribes to in any case). */
  types?: string[];
}

/** How many events were made due again at the endpoint. */
export async function replayEvents(db: Db, req: ReplayRequest): Promise<number> {
  const k = db.kysely;
  const endpoint = await k
    .selectFrom('webhook_endpoints')
    .select(['event_types'])
    .where('id', '=', req.endpointId)
    .where('organization_id', '=', req.organizationId)
    .executeTakeFirst();
  if (endpoint === undefined) return 0;
  const now = nowIso();
  let replayed = 0;
  // In pages by time, so a replay of months of events never holds them all in memory.
  let after = { createdAt: req.since, id: '' };
  for (;;) {
    const page = await k
      .selectFrom('events')
      .select(['id', 'type', 'order_key', 'order_seq', 'created_at'])
      .where('organization_id', '=', req.organizationId)
      .where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
        ]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .limit(500)
      .execute();
    if (page.length === 0) return replayed;
    const chosen = page.filter(
      (e) =>
        subscribes(endpoint.event_types, e.type as EventType) &&
        (req.types === undefined || req.types.includes(e.type)),
    );
    if (chosen.length > 0) {
      await k
        .insertInto('event_deliveries')
        .values(
          chosen.map((e) => ({
            event_id: e.id,
            endpoint_id: req.endpointId,
            order_key: e.order_key,
            order_seq: e.order_seq,
            state: 'pending' as const,
            next_at: now,
            lease_until: null,
            last_status: null,
            last_error: null,
            created_at: now,
            delivered_at: null,
          })),
        )
        // The attempt count goes on: a claim of the earlier round can no longer settle it.
        .onConflict((oc) =>
          oc.columns(['event_id', 'endpoint_id']).doUpdateSet({
            state: 'pending',
            next_at: now,
            lease_until: null,
            attempts: sql<number>`event_deliveries.attempts + 1`,
          }),
        )
        .execute();
      replayed += chosen.length;
    }
    const last = page[page.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
  }
}

export interface AttemptView {
  attempted_at: string;
  event_id: string;
  event_type: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

/** An endpoint's latest delivery attempts, newest first. */
export async function deliveryLog(
  db: Db,
  organizationId: string,
  endpointId: string,
  limit: number,
): Promise<AttemptView[]> {
  return db.kysely
    .selectFrom('event_attempts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .innerJoin('webhook_endpoints as w', 'w.id', 'a.endpoint_id')
    .select(['a.attempted_at', 'a.event_id', 'e.type as event_type', 'a.status_code', 'a.duration_ms', 'a.error'])
    .where('a.endpoint_id', '=', endpointId)
    .where('w.organization_id', '=', organizationId)
    .orderBy('a.attempted_at', 'desc')
    .limit(limit)
    .execute();
}
