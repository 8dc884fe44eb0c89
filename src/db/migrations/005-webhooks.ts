import { sql, type Kysely } from 'kysely';

// The listening half (Meta's webhooks).
//
// webhook_receipts: each signature-checked POST body, committed before Meta gets its 200 and
// processed after (durable first). `state` moves pending → processed (or failed, after the
// attempts run out, kept with its error); `outcome` records what each item became, with reasons.
//
// message_statuses: every status Meta reported, one row per (message, status value): a duplicate
// changes nothing, and the rows are the message's status history with Meta's own times. A status
// for a wamid not (yet) on any row waits with applied_at null, and is applied when it appears.
//
// helpdesk_messages gains the time of its current status, Meta's pricing and conversation, the
// wamid an inbound message answers or reacts to, and the state of an inbound message's media.
// Inbound messages are unique per organization and wamid, so a redelivered webhook inserts nothing.
//
// customer_sessions gains the time of the customer's last message (the 24-hour window) and the
// count of inbound messages no agent has read; contacts gain Meta's business-scoped user id.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meta_app_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_at', 'text')
    .addColumn('outcome', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_receipts_pending')
    .on('webhook_receipts')
    .column('received_at')
    .where(sql.ref('state'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('message_statuses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('whatsapp_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text')
    .addColumn('errors', 'text')
    .addColumn('conversation', 'text')
    .addColumn('pricing', 'text')
    .addColumn('receipt_id', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text')
    .execute();
  await db.schema
    .createIndex('message_statuses_message')
    .on('message_statuses')
    .columns(['organization_id', 'whatsapp_message_id', 'status'])
    .unique()
    .execute();
  await db.schema
    .createIndex('message_statuses_unapplied')
    .on('message_statuses')
    .column('received_at')
    .where(sql.ref('applied_at'), 'is', null)
    .execute();

  for (const column of ['status_at', 'pricing', 'conversation', 'context_wamid', 'media_status'])
    await db.schema.alterTable('helpdesk_messages').addColumn(column, 'text').execute();
  await db.schema
    .createIndex('helpdesk_messages_inbound_wamid')
    .on('helpdesk_messages')
    .columns(['organization_id', 'whatsapp_message_id'])
    .unique()
    .where(sql.ref('direction'), '=', 'inbound')
    .execute();

  await db.schema.alterTable('customer_sessions').addColumn('last_inbound_at', 'text').execute();
  await db.schema
    .alterTable('customer_sessions')
    .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema.alterTable('contacts').addColumn('user_id', 'text').execute();
  await db.schema
    .createIndex('contacts_user_id')
    .on('contacts')
    .columns(['organization_id', 'user_id'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute();
}
