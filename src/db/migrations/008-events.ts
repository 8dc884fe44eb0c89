import { sql, type Kysely } from 'kysely';

// Events to the tenant's own systems (src/events/), through a transactional outbox.
//
// webhook_endpoints: an organization's receivers. The signing secret is encrypted at rest like Meta
// tokens (it must be read back to sign); after a rotation the previous one keeps signing beside the
// new one until previous_secret_until. event_types is a JSON array of types, or ["*"].
//
// events: one row per change a tenant may hear about, written in the same transaction as the change
// (a status applied, an inbound message stored). conversation_id is its thread. order_key and
// order_seq order the events that must arrive in commit order: a message's statuses by the message
// (helpdesk_messages.event_seq, bumped by the very update that applies the status, so the message's
// row lock orders them), and a thread's other events by the thread (customer_sessions.event_seq,
// bumped in that transaction). Statuses are not numbered on the thread: that row lock, held to
// commit by every status of the thread, serialized PostgreSQL's processing (docs/PERFORMANCE.md).
//
// event_deliveries: one row per event and endpoint subscribed to it, also written in that
// transaction, so a committed event is always due somewhere. The dispatcher claims a row by
// pushing lease_until forward; a dead instance's claims are due again once the lease passes.
// event_attempts: the delivery log (status code, error, latency of each attempt).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_until', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_org')
    .on('webhook_endpoints')
    .columns(['organization_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('conversation_seq', 'integer')
    .addColumn('order_key', 'text')
    .addColumn('order_seq', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_org_time').on('events').columns(['organization_id', 'created_at']).execute();

  await db.schema
    .createTable('event_deliveries')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('order_key', 'text')
    .addColumn('order_seq', 'integer')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addPrimaryKeyConstraint('event_deliveries_pk', ['event_id', 'endpoint_id'])
    .execute();
  // What is due, by time; and, per endpoint and order key, what comes first.
  await db.schema
    .createIndex('event_deliveries_due')
    .on('event_deliveries')
    .column('next_at')
    .where(sql.ref('state'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('event_deliveries_thread')
    .on('event_deliveries')
    .columns(['endpoint_id', 'order_key', 'order_seq'])
    .where(sql.ref('state'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('event_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('attempted_at', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('event_attempts_endpoint')
    .on('event_attempts')
    .columns(['endpoint_id', 'attempted_at'])
    .execute();

  for (const table of ['customer_sessions', 'helpdesk_messages'])
    await db.schema
      .alterTable(table)
      .addColumn('event_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
}
