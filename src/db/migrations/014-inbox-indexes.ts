import { sql, type Kysely } from 'kysely';

// The inbox's list (conversations/inbox-reads.ts), measured with bench/inbox-reads.ts on SQLite at
// 5,000 conversations and 100,000 messages per organization (docs/PERFORMANCE.md, "Inbox reads"):
// - customer_sessions (organization_id, last_message_at, id): the list is newest activity first,
//   paged by (last_message_at, id). Without it every page sorted all of the organization's
//   conversations; with it a page walks the index backwards and stops after `limit` rows.
//   It is rewritten on each message (last_message_at moves), one small B-tree per message.
// - helpdesk_messages (session_id) where status = 'failed': `failed=true` asks, per conversation,
//   whether one of its messages failed. Only failed rows are in it, so the send path's writes
//   of pending, sent and delivered rows never touch it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('customer_sessions_org_activity')
    .on('customer_sessions')
    .columns(['organization_id', 'last_message_at', 'id'])
    .execute();
  await db.schema
    .createIndex('helpdesk_messages_failed')
    .on('helpdesk_messages')
    .column('session_id')
    .where(sql.ref('status'), '=', sql.lit('failed'))
    .execute();
}
