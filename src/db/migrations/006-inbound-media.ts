import { sql, type Kysely } from 'kysely';

// Fetching inbound media in the background (inbound/media.ts). A message with media is written
// with media_status 'pending'; the fetcher claims it by pushing media_next_at forward (a lease: an
// instance that dies mid-download leaves the row to be claimed again once it passes) and counting
// the attempt in media_attempts. A failure records its reason in error_code / error_message /
// error_details and sets media_next_at to the next try, with exponential backoff and jitter, while
// Meta keeps the media id (7 days); then media_status becomes 'failed' for good.
//
// Partial on pending, so the index holds only the rows still to fetch, ordered by when they are due
// (null: never tried, due now).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('helpdesk_messages')
    .addColumn('media_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('helpdesk_messages').addColumn('media_next_at', 'text').execute();
  await db.schema
    .createIndex('helpdesk_messages_media_pending')
    .on('helpdesk_messages')
    .column('media_next_at')
    .where(sql.ref('media_status'), '=', 'pending')
    .execute();
}
