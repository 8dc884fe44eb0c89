// The inbound media fetcher's reads and writes on helpdesk_messages (migration 006). A claim counts
// an attempt and pushes media_next_at to the end of a lease, in one statement; on PostgreSQL the
// rows are picked FOR UPDATE SKIP LOCKED, so instances claiming at once take different rows, and a
// row whose lease passed (its instance died) is due again. Each outcome is written only while the
// row is still pending under the same attempt: a claimant whose lease ran out and was overtaken
// cannot overwrite the newer attempt's result.
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

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

/** Whether the row was still this attempt's to settle. */
export async function recordMediaStored(db: Db, row: ClaimedMedia, key: string, now: string): Promise<boolean> {
  const res = await db.kysely
    .updateTable('helpdesk_messages')
    .set({
      media_status: 'stored',
      media_url: key,
      media_next_at: null,
      error_code: null,
      error_message: null,
      error_details: null,
      updated_at: now,
    })
    .where('id', '=', row.id)
    .where('media_status', '=', 'pending')
    .where('media_attempts', '=', row.media_attempts)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function recordMediaFailure(
  db: Db,
  row: ClaimedMedia,
  failure: MediaFailureRecord,
  now: string,
): Promise<boolean> {
  const res = await db.kysely
    .updateTable('helpdesk_messages')
    .set({
      media_status: failure.final ? 'failed' : 'pending',
      media_next_at: failure.final ? null : (failure.nextAt ?? now),
      error_code: failure.code,
      error_message: failure.message.slice(0, 500),
      error_details: JSON.stringify(failure.details),
      updated_at: now,
    })
    .where('id', '=', row.id)
    .where('media_status', '=', 'pending')
    .where('media_attempts', '=', row.media_attempts)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
