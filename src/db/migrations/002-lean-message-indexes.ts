import { sql, type Kysely } from 'kysely';

// Every send writes one helpdesk_messages row and updates it once; each index on the table is
// work on that path. Measured with `npm run bench:writes` (docs/PERFORMANCE.md):
// - (organization_id, contact_id, created_at) duplicated (session_id, created_at): a thread is
//   exactly one organization and contact (customer_sessions is unique on the pair);
// - the status index held every row and moved each one at `sent`; only unsettled rows (pending,
//   unknown) are ever looked up by status, so only they are indexed;
// - the Meta message id index is dropped: nothing looks messages up by it, and Meta's ids are
//   random, so each insert dirtied a random page of a large B-tree. Measured on SQLite with 100k
//   rows, batches of 25: 102 µs of CPU per message with 001's indexes, 19 µs with these. A status
//   webhook (not built) would need that lookup again, and should pay for it knowingly.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('helpdesk_messages_org_contact_time').execute();
  await db.schema.dropIndex('helpdesk_messages_status_time').execute();
  await db.schema.dropIndex('helpdesk_messages_wamid').execute();
  await db.schema
    .createIndex('helpdesk_messages_unsettled')
    .on('helpdesk_messages')
    .columns(['status', 'created_at'])
    .where(sql.ref('status'), 'in', [sql.lit('pending'), sql.lit('unknown')])
    .execute();
}
