import type { Kysely } from 'kysely';

// helpdesk_messages.sent_by_agent_id: the inbox agent who sent an outbound message from the inbox
// (src/inbox/), for the read API's `sent_by`; null for messages sent through the tenant API, inbound
// messages, and everything before this migration. No foreign key: an agent is disabled, never
// deleted, and a column added by ALTER TABLE on SQLite cannot carry one that PostgreSQL would check
// the same way. No index: it is read only for the rows of a page, by their primary keys.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('helpdesk_messages').addColumn('sent_by_agent_id', 'text').execute();
}
