import { SqliteAdapter, sql, type Kysely } from 'kysely';

// The inbox's search (conversations/inbox-search.ts; docs/INBOX-API.md, "Search"): a substring of a
// contact's name or number, or of a message's text, found through an index of 3-character pieces
// (trigrams) instead of a scan of every message's JSON (docs/PERFORMANCE.md, "Inbox reads").
//
// A message's text is what the list searched before: an inbound text's body, our text, a caption,
// whichever is a string. Written once per engine, from the same JSON fields:
// - SQLite: FTS5 tables with the trigram tokenizer, contentless (the text is not stored twice; the
//   rowid is the row's own rowid), kept in step by triggers, so every writer (the batched send and
//   inbound paths, the CLI, a test) feeds them without knowing. The text is indexed lower-cased by
//   SQLite's lower() (ASCII letters only) and matched case-sensitively, so an FTS match means what
//   `like` means on SQLite, and the list may use either (inbox-search.ts) with the same answer.
// - PostgreSQL: pg_trgm (a trusted extension: a database owner may create it) and GIN indexes on the
//   contact's name and number and on helpdesk_messages.search_text, a column generated from
//   flowiq_message_text(content) (not in db/types.ts: nothing writes it). That function replaces the JSON
//   escape \u0000 by \ufffd before the cast: jsonb cannot hold NUL, and a message whose text had one
//   made `cast(content as jsonb)` fail the whole search. The replacement keeps the escape's length
//   and backslash, so a literal `\\u0000` stays valid JSON too.
// Building the indexes is the backfill: SQLite copies the existing rows in, PostgreSQL computes the
// column for every row (a rewrite of the table) and indexes it.

const sqliteText = (content: string) => {
  // The JSON escape of a NUL becomes U+FFFD's, as on PostgreSQL: a NUL would end the text for
  // like (a C string) and for lower().
  const c = `replace(${content}, '\\u0000', '\\ufffd')`;
  const field = (f: string) => `case when json_type(${c}, '$.${f}') = 'text' then json_extract(${c}, '$.${f}') end`;
  return `case when json_valid(${content}) then lower(coalesce(${field('body')}, ${field('text')}, ${field('caption')})) end`;
};

/** SQLite: how many messages wait in message_search_queue before they are indexed together. */
export const QUEUE = 64;

const SQLITE_DRAIN = `insert into message_search (rowid, text)
  select r, t from (select m.rowid as r, ${sqliteText('m.content')} as t
    from message_search_queue q cross join helpdesk_messages m on m.rowid = q.message_rowid) where t is not null`;

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  const run = (q: string) => sql.raw(q).execute(db);
  const opts = `content='', contentless_delete=1, tokenize='trigram case_sensitive 1'`;
  await run(`create virtual table message_search using fts5(text, ${opts})`);
  await run(`create virtual table contact_search using fts5(name, number, ${opts})`);
  const contact = (v: string) => `insert into contact_search (rowid, name, number)
    values (${v}.rowid, lower(${v}.name), ${v}.whatsapp_number)`;
  // FTS5 writes its pending rows out at every statement's savepoint: fed row by row from a trigger,
  // it wrote a segment per message (+45 µs of CPU per inbound message, bench/inbox-write-cost.ts).
  // So a trigger queues the message's rowid, and every QUEUE-th message moves the queue into the
  // index in one statement. The search reads the queued few rows directly (inbox-search.ts).
  await run(`create table message_search_queue (message_rowid integer primary key)`);
  await run(`create trigger message_search_insert after insert on helpdesk_messages begin
    insert into message_search_queue (message_rowid) values (new.rowid); end`);
  await run(`create trigger message_search_drain after insert on message_search_queue
    when (select count(*) from message_search_queue) >= ${QUEUE} begin
    ${SQLITE_DRAIN}; delete from message_search_queue; end`);
  await run(`create trigger message_search_update after update of content on helpdesk_messages begin
    delete from message_search where rowid = old.rowid;
    insert or ignore into message_search_queue (message_rowid) values (new.rowid); end`);
  await run(`create trigger message_search_delete after delete on helpdesk_messages begin
    delete from message_search where rowid = old.rowid;
    delete from message_search_queue where message_rowid = old.rowid; end`);
  await run(`create trigger contact_search_insert after insert on contacts begin ${contact('new')}; end`);
  await run(`create trigger contact_search_update after update of name, whatsapp_number on contacts
    when old.name is not new.name or old.whatsapp_number is not new.whatsapp_number begin
    delete from contact_search where rowid = old.rowid; ${contact('new')}; end`);
  await run(`create trigger contact_search_delete after delete on contacts begin
    delete from contact_search where rowid = old.rowid; end`);
  for (const q of SQLITE_BACKFILL) await run(q);
}

/** SQLite: the search tables filled from the rows there are (also bench:inbox's bulk load). */
export const SQLITE_BACKFILL = [
  `insert into message_search (rowid, text)
    select rowid, t from (select rowid, ${sqliteText('content')} as t from helpdesk_messages) where t is not null`,
  `insert into contact_search (rowid, name, number) select rowid, lower(name), whatsapp_number from contacts`,
];

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  // One extension per database, shared by every schema (each test runs in its own): created in
  // public, never in a schema that may be dropped, and by one migration at a time.
  await sql`select pg_advisory_xact_lock(hashtext('flowiq pg_trgm'))`.execute(db);
  await sql`create extension if not exists pg_trgm schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema
    from pg_extension where extname = 'pg_trgm'`.execute(db);
  const ops = sql.raw(`"${rows[0]!.schema.replace(/"/g, '""')}".gin_trgm_ops`);
  const field = (f: string) => sql.raw(`case when jsonb_typeof(j -> '${f}') = 'string' then j ->> '${f}' end`);
  // Content that is not JSON (no writer of ours stores such, but a row from elsewhere might) has no
  // text: null, rather than an error that would refuse the row's insert (the column is generated).
  await sql`create function flowiq_message_text(content text) returns text
    language plpgsql immutable strict parallel safe
    as $$
    declare j jsonb;
    begin
      j := cast(replace(content, '\\u0000', '\\ufffd') as jsonb);
      return coalesce(${field('body')}, ${field('text')}, ${field('caption')});
    exception when invalid_text_representation or untranslatable_character then
      return null;
    end $$`.execute(db);
  // Stored once, as a generated column: the index's recheck and the search's walk read it instead
  // of parsing each message's JSON again (that parse was most of a PostgreSQL search, measured).
  await sql`alter table helpdesk_messages
    add column search_text text generated always as (flowiq_message_text(content)) stored`.execute(db);
  await sql`create index helpdesk_messages_text_trgm on helpdesk_messages using gin (search_text ${ops})`.execute(db);
  await sql`create index contacts_name_trgm on contacts using gin (name ${ops})`.execute(db);
  await sql`create index contacts_number_trgm on contacts using gin (whatsapp_number ${ops})`.execute(db);
}

/**
 * A conversation's pages at 2,000,000 messages (bench:inbox), on both engines:
 * - helpdesk_messages_session_time gains `id`: pages and a list's latest message are ordered by
 *   (created_at, id); without the id, every message of a long thread was read and sorted to find
 *   the last one (12 ms on a 10,000-message thread, for each such thread of a list page).
 * - helpdesk_messages_reactions (session_id, created_at) where message_type = 'reaction': a page
 *   places the thread's reactions on their targets; without it, the whole thread was read to find
 *   them (42 ms on the same thread). Only reactions are in it.
 */
async function pageIndexes(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('helpdesk_messages_session_time').execute();
  await db.schema
    .createIndex('helpdesk_messages_session_time')
    .on('helpdesk_messages')
    .columns(['session_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('helpdesk_messages_reactions')
    .on('helpdesk_messages')
    .columns(['session_id', 'created_at'])
    .where(sql.ref('message_type'), '=', sql.lit('reaction'))
    .execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await upSqlite(db);
  else await upPostgres(db);
  await pageIndexes(db);
}
