// The inbound media fetcher's reads and writes on helpdesk_messages (migration 006). A claim counts
// an attempt and pushes media_next_at to the end of a lease, in one statement; on PostgreSQL the
// rows are picked FOR UPDATE SKIP LOCKED, so instances claiming at once take different rows, and a
// row whose lease passed (its instance died) is due again. Each outcome is written only while the
// row is still pending under the same attempt: a claimant whose lease ran out and was overtaken
// cannot overwrite the newer attempt's result.
import { sql, type Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { HelpdeskMessagesTable } from '../db/types.js';
import { query, transact } from '../db/steps.js';
import { recordEvent, withEvents } from '../events/outbox.js';

export interface ClaimedMedia {
  id: string;
  organization_id: string;
  content: string;
  created_at: string;
  /** This attempt's number (1 for the first). */
  media_attempts: number;
}

export async function claimDueMedia(db: Db, now: string, leaseUntil: string, limit: number): Promise<ClaimedMedia[]> {
  const k = db.kysely;
  const due = k
    .selectFrom('helpdesk_messages')
    .select('id')
    .where('media_status', '=', 'pending')
    .where((eb) => eb.or([eb('media_next_at', 'is', null), eb('media_next_at', '<=', now)]))
    .orderBy(sql`media_next_at asc nulls first`)
    .limit(limit)
    .$if(db.engine === 'postgres', (q) => q.forUpdate().skipLocked());
  return k
    .updateTable('helpdesk_messages')
    .set({ media_next_at: leaseUntil, media_attempts: sql<number>`media_attempts + 1` })
    .where('id', 'in', due)
    .where('media_status', '=', 'pending')
    .returning(['id', 'organization_id', 'content', 'created_at', 'media_attempts'])
    .execute();
}

export interface MediaFailureRecord {
  /** Failed for good (media_status 'failed'), or retried at nextAt. */
  final: boolean;
  nextAt?: string;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

type MediaSettlement = Updateable<HelpdeskMessagesTable>;
type MediaEvent = { type: 'message.media_ready' | 'message.media_failed'; data: Record<string, unknown> };

/**
 * Writes the outcome while the row is still pending under this attempt, and the event it causes,
 * in one transaction. Whether the row was still this attempt's to settle.
 */
function settle(db: Db, row: ClaimedMedia, set: MediaSettlement, event: MediaEvent | undefined, now: string) {
  const k = db.kysely;
  return transact(db, () =>
    withEvents(k, function* (events) {
      const res = yield* query(
        k
          .updateTable('helpdesk_messages')
          .set({ ...set, updated_at: now })
          .where('id', '=', row.id)
          .where('media_status', '=', 'pending')
          .where('media_attempts', '=', row.media_attempts)
          .returning(['whatsapp_message_id', 'contact_id', 'session_id']),
      );
      const settled = res.rows[0];
      if (settled === undefined) return false;
      if (event !== undefined)
        recordEvent(events, {
          organizationId: row.organization_id,
          type: event.type,
          conversationId: settled['session_id'] as string,
          data: {
            message_id: row.id,
            whatsapp_message_id: settled['whatsapp_message_id'],
            contact_id: settled['contact_id'],
            ...event.data,
          },
          now,
        });
      return true;
    }),
  );
}

/** Whether the row was still this attempt's to settle. With its `message.media_ready` event. */
export function recordMediaStored(db: Db, row: ClaimedMedia, key: string, now: string): Promise<boolean> {
  return settle(
    db,
    row,
    {
      media_status: 'stored',
      media_url: key,
      media_next_at: null,
      error_code: null,
      error_message: null,
      error_details: null,
    },
    { type: 'message.media_ready', data: { media_key: key } },
    now,
  );
}

/** Whether the row was still this attempt's to settle. A final failure has its `message.media_failed`. */
export function recordMediaFailure(
  db: Db,
  row: ClaimedMedia,
  failure: MediaFailureRecord,
  now: string,
): Promise<boolean> {
  const message = failure.message.slice(0, 500);
  return settle(
    db,
    row,
    {
      media_status: failure.final ? 'failed' : 'pending',
      media_next_at: failure.final ? null : (failure.nextAt ?? now),
      error_code: failure.code,
      error_message: message,
      error_details: JSON.stringify(failure.details),
    },
    failure.final ? { type: 'message.media_failed', data: { error: { code: failure.code, message } } } : undefined,
    now,
  );
}
