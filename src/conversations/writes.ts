// Every write to helpdesk_messages and customer_sessions that happens per message, as one union of
// operations committed one batch at a time (db/group-commit.ts): an outbound message's `pending` row
// with its thread, then its `sent` or `failed` outcome. A later change and what it causes (an
// inbound message, a status, the event row for either) joins this union to commit in the same batch. Both engines get their own SQL here because the
// generic Kysely path cost too much per message (measured, docs/PERFORMANCE.md):
// - SQLite runs the batch as one synchronous better-sqlite3 transaction, no promise per statement,
//   and upserts each thread once per batch;
// - PostgreSQL runs the whole batch as ONE prepared statement (writable CTEs over unnest), so a
//   batch of any size is one round trip and one commit, and its threads are upserted once each, in
//   a fixed order.
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import type { BatchFlush } from '../db/group-commit.js';
import { newId } from '../db/ids.js';

export interface PendingWrite {
  kind: 'pending';
  id: string;
  organizationId: string;
  contactId: string;
  messageType: string;
  content: string;
  mediaUrl: string | null;
  requestId: string | null;
  /** A free-form send: its window's end as the send was checked (conversations/window.ts). */
  windowEndsAt?: string | null;
  now: string;
}

export interface SentWrite {
  kind: 'sent';
  id: string;
  wamid: string;
  now: string;
}

export interface FailedWrite {
  kind: 'failed';
  id: string;
  status: 'failed' | 'unknown';
  code: string;
  message: string;
  /** JSON text of Meta's error details, or null. */
  details: string | null;
  /** A failed upload's media URL is cleared: the row must not point at a file Meta never had. */
  clearMedia: boolean;
  now: string;
}

export type SendWrite = PendingWrite | SentWrite | FailedWrite;
/** The thread of a pending write; nothing for the others. */
export type SendWriteResult = { sessionId: string } | undefined;

interface Thread {
  key: string;
  org: string;
  contact: string;
  /** Messages of this batch in the thread. */
  count: number;
  /** The latest of their times. */
  now: string;
}

const threadKey = (w: PendingWrite): string => `${w.organizationId} ${w.contactId}`;

/**
 * The batch's threads, one per organization and contact, sorted: each is upserted once with its
 * count (a multi-row upsert may not touch a row twice), and concurrent batches lock the threads
 * they share in the same order, so they cannot deadlock.
 */
function threadsOf(pending: PendingWrite[]): Thread[] {
  const threads = new Map<string, Thread>();
  for (const w of pending) {
    const key = threadKey(w);
    const t = threads.get(key);
    if (t) {
      t.count++;
      if (w.now > t.now) t.now = w.now;
    } else threads.set(key, { key, org: w.organizationId, contact: w.contactId, count: 1, now: w.now });
  }
  return [...threads.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The batch as one synchronous SQLite transaction. */
function sqliteSendTransaction(sqlite: SQLite.Database): (batch: SendWrite[]) => SendWriteResult[] {
  const upsertSession = sqlite
    .prepare<[string, string, string, number, string, string, string]>(
      `insert into customer_sessions (id, organization_id, contact_id, status, message_count, last_message_at, created_at, updated_at)
       values (?, ?, ?, 'open', ?, ?, ?, ?)
       on conflict (organization_id, contact_id) do update set message_count = message_count + excluded.message_count, last_message_at = excluded.last_message_at, updated_at = excluded.updated_at
       returning id`,
    )
    .pluck();
  const insertMessage = sqlite.prepare<
    [string, string, string, string, string, string, string | null, string | null, string | null, string, string]
  >(
    `insert into helpdesk_messages (id, organization_id, contact_id, session_id, direction, message_type, content, media_url, whatsapp_message_id, status, error_code, error_message, error_details, request_id, window_ends_at, created_at, updated_at)
     values (?, ?, ?, ?, 'outbound', ?, ?, ?, null, 'pending', null, null, null, ?, ?, ?, ?)`,
  );
  const markSent = sqlite.prepare<[string, string, string]>(
    `update helpdesk_messages set status = 'sent', whatsapp_message_id = ?, updated_at = ? where id = ?`,
  );
  const markFailed = sqlite.prepare<[string, string, string, string | null, string, number, string]>(
    `update helpdesk_messages set status = ?, error_code = ?, error_message = ?, error_details = ?, updated_at = ?, media_url = case when ? then null else media_url end where id = ?`,
  );
  return sqlite.transaction((batch: SendWrite[]): SendWriteResult[] => {
    const pending = batch.filter((w): w is PendingWrite => w.kind === 'pending');
    const sessionOf = new Map<string, string>();
    for (const t of threadsOf(pending))
      sessionOf.set(t.key, upsertSession.get(newId(), t.org, t.contact, t.count, t.now, t.now, t.now) as string);
    return batch.map((w) => {
      if (w.kind === 'sent') {
        markSent.run(w.wamid, w.now, w.id);
        return undefined;
      }
      if (w.kind === 'failed') {
        markFailed.run(w.status, w.code, w.message, w.details, w.now, w.clearMedia ? 1 : 0, w.id);
        return undefined;
      }
      const sessionId = sessionOf.get(threadKey(w))!;
      insertMessage.run(
        w.id,
        w.organizationId,
        w.contactId,
        sessionId,
        w.messageType,
        w.content,
        w.mediaUrl,
        w.requestId,
        w.windowEndsAt ?? null,
        w.now,
        w.now,
      );
      return { sessionId };
    });
  });
}

export function sqliteSendWrites(sqlite: SQLite.Database): BatchFlush<SendWrite, SendWriteResult> {
  const write = sqliteSendTransaction(sqlite);
  return async (batch) => write(batch);
}

/**
 * The whole batch as ONE statement of fixed text, the rows passed as arrays and expanded by
 * unnest: prepared once per connection (a named statement), so PostgreSQL parses and plans it
 * once, not for every batch as a statement whose VALUES lists grow with the batch would be.
 * `with ordinality` keeps the threads in the sorted order threadsOf gives them.
 */
const PG_BATCH = {
  name: 'flowiq-send-batch-v3',
  text: `with s as (
      insert into customer_sessions (id, organization_id, contact_id, status, message_count, last_message_at, created_at, updated_at)
      select t.id, t.org, t.contact, 'open', t.count, t.now, t.now, t.now
      from unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[]) with ordinality as t (id, org, contact, count, now, ord)
      order by t.ord
      on conflict (organization_id, contact_id) do update set message_count = customer_sessions.message_count + excluded.message_count, last_message_at = excluded.last_message_at, updated_at = excluded.updated_at
      returning id, organization_id, contact_id),
    m as (
      insert into helpdesk_messages (id, organization_id, contact_id, session_id, direction, message_type, content, media_url, whatsapp_message_id, status, error_code, error_message, error_details, request_id, window_ends_at, created_at, updated_at)
      select v.id, v.org, v.contact, s.id, 'outbound', v.type, v.content, v.media, null, 'pending', null, null, null, v.request, v.window_end, v.now, v.now
      from unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $24::text[]) as v (id, org, contact, type, content, media, request, now, window_end)
      join s on s.organization_id = v.org and s.contact_id = v.contact
      returning id, session_id),
    u as (
      update helpdesk_messages as h set status = 'sent', whatsapp_message_id = x.wamid, updated_at = x.now
      from unnest($14::text[], $15::text[], $16::text[]) as x (id, wamid, now)
      where h.id = x.id
      returning h.id),
    f as (
      update helpdesk_messages as h set status = y.status, error_code = y.code, error_message = y.message, error_details = y.details, updated_at = y.now,
        media_url = case when y.clear then null else h.media_url end
      from unnest($17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::boolean[], $23::text[]) as y (id, status, code, message, details, clear, now)
      where h.id = y.id
      returning h.id)
    select id, session_id from m union all select id, null from u union all select id, null from f`,
};

export function postgresSendWrites(pool: pg.Pool): BatchFlush<SendWrite, SendWriteResult> {
  return async (batch) => {
    const pending = batch.filter((w): w is PendingWrite => w.kind === 'pending');
    const sent = batch.filter((w): w is SentWrite => w.kind === 'sent');
    const failed = batch.filter((w): w is FailedWrite => w.kind === 'failed');
    const threads = threadsOf(pending);
    const values = [
      threads.map(() => newId()),
      threads.map((t) => t.org),
      threads.map((t) => t.contact),
      threads.map((t) => t.count),
      threads.map((t) => t.now),
      pending.map((w) => w.id),
      pending.map((w) => w.organizationId),
      pending.map((w) => w.contactId),
      pending.map((w) => w.messageType),
      pending.map((w) => w.content),
      pending.map((w) => w.mediaUrl),
      pending.map((w) => w.requestId),
      pending.map((w) => w.now),
      sent.map((w) => w.id),
      sent.map((w) => w.wamid),
      sent.map((w) => w.now),
      failed.map((w) => w.id),
      failed.map((w) => w.status),
      failed.map((w) => w.code),
      failed.map((w) => w.message),
      failed.map((w) => w.details),
      failed.map((w) => w.clearMedia),
      failed.map((w) => w.now),
      pending.map((w) => w.windowEndsAt ?? null),
    ];
    const res = await pool.query<{ id: string; session_id: string | null }>({ ...PG_BATCH, values });
    const sessionOf = new Map<string, string>();
    for (const r of res.rows) if (r.session_id !== null) sessionOf.set(r.id, r.session_id);
    return batch.map((w) => {
      if (w.kind !== 'pending') return undefined;
      const sessionId = sessionOf.get(w.id);
      if (!sessionId) throw new Error(`batched insert returned no thread for message ${w.id}`);
      return { sessionId };
    });
  };
}
