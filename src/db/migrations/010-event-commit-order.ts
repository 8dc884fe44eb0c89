import { SqliteAdapter, sql, type Kysely } from 'kysely';

// Events of one thread reach an endpoint in commit order, whatever their kind: a customer's reply
// never before the `read` of the message it answers, when that `read` committed first.
//
// Migration 008 numbered a message's statuses on the message and a thread's other events on the
// thread: two orders, and none between a status and a reply. A single number on the thread, taken
// by each status early in its transaction, held that row locked to commit and serialized
// PostgreSQL (docs/PERFORMANCE.md). Now every event is numbered by one clock, event_clock, bumped
// by the LAST statement before commit (events/outbox.ts: flushEvents). That row lock is held only
// for the inserts and the commit, and it is the last lock a transaction takes, so it can never be
// part of a deadlock; transactions that write events take their numbers in the order they commit,
// so per thread (order_key = the thread), numbers follow commit order.
//
// The per-row counters of 008 go. order_seq becomes a bigint on PostgreSQL: one clock for every
// event would wrap an integer within weeks at a few thousand events per second.
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('event_clock')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  // Above every number already given, so an event still pending under its thread stays first.
  await sql`insert into event_clock (id, seq)
    select 1, coalesce(max(order_seq), 0) from events`.execute(db);
  if (!sqlite)
    for (const table of ['events', 'event_deliveries'])
      await db.schema
        .alterTable(table)
        .alterColumn('order_seq', (c) => c.setDataType('bigint'))
        .execute();
  await db.schema.alterTable('events').dropColumn('conversation_seq').execute();
  for (const table of ['customer_sessions', 'helpdesk_messages'])
    await db.schema.alterTable(table).dropColumn('event_seq').execute();
}
