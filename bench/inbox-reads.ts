// The inbox read API's queries on SQLite at a first scale: one organization with 5,000
// conversations and 100,000 messages (one conversation of 10,000 of them), plus a second
// organization of the same size that must not slow the first. Calls InboxReads in process (no HTTP,
// no JSON serialisation) and prints p50/p99 per query, for the schema as migrated and without the
// inbox's indexes (migration 014), so docs/PERFORMANCE.md can say what each one buys.
// Run: node --import tsx bench/inbox-reads.ts   (BENCH_INBOX_MESSAGES, BENCH_INBOX_THREADS to change the scale)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase, type Db } from '../src/db/database.js';
import { newId } from '../src/db/ids.js';
import { InboxReads, type ConversationFilters, type Key } from '../src/conversations/inbox-reads.js';
import { MessageReads } from '../src/conversations/reads.js';
import { MediaSigner } from '../src/media/signing.js';

const MESSAGES = Number(process.env.BENCH_INBOX_MESSAGES ?? 100_000);
const THREADS = Number(process.env.BENCH_INBOX_THREADS ?? 5_000);
const BIG = Math.floor(MESSAGES / 10);
const RUNS = Number(process.env.BENCH_INBOX_RUNS ?? 200);
const T0 = Date.parse('2026-11-01T00:00:00Z');

const CANDIDATES: Record<string, string[]> = {
  'as migrated': [],
  'without migration 014': ['drop index customer_sessions_org_activity', 'drop index helpdesk_messages_failed'],
};

function fill(db: Db, orgId: string, prefix: string): { big: string } {
  if (db.engine !== 'sqlite') throw new Error('this bench measures SQLite');
  const s = db.sqlite;
  const now = new Date().toISOString();
  s.prepare(
    `insert into organizations (id, slug, name, whatsapp_provider_choice, created_at, updated_at) values (?, ?, ?, 'meta', ?, ?)`,
  ).run(orgId, orgId, orgId, now, now);
  const contact = s.prepare(
    'insert into contacts (id, organization_id, whatsapp_number, name, created_at, updated_at) values (?, ?, ?, ?, ?, ?)',
  );
  const thread = s.prepare(
    `insert into customer_sessions (id, organization_id, contact_id, status, message_count, last_message_at, created_at, updated_at, last_inbound_at, unread_count)
     values (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`,
  );
  const message = s.prepare(
    `insert into helpdesk_messages (id, organization_id, contact_id, session_id, direction, message_type, content, whatsapp_message_id, status, created_at, updated_at, status_at)
     values (?, ?, ?, ?, ?, 'text', ?, ?, ?, ?, ?, ?)`,
  );
  const status = s.prepare(
    `insert into message_statuses (id, organization_id, whatsapp_message_id, status, occurred_at, received_at, receipt_id)
     values (?, ?, ?, ?, ?, ?, 'bench')`,
  );
  let big = '';
  s.transaction(() => {
    let written = 0;
    for (let t = 0; t < THREADS; t++) {
      const contactId = newId();
      const threadId = newId();
      if (t === 0) big = threadId;
      const count = t === 0 ? BIG : Math.floor((MESSAGES - BIG) / (THREADS - 1));
      contact.run(contactId, orgId, `27${prefix}${String(t).padStart(7, '0')}`, `Customer ${t}`, now, now);
      let last = '';
      let lastIn = '';
      let unread = 0;
      const rows: unknown[][] = [];
      for (let i = 0; i < count; i++, written++) {
        const at = new Date(T0 + written * 1000).toISOString();
        const inbound = i % 2 === 0;
        const wamid = `wamid.${prefix}${written}`;
        const failed = !inbound && written % 997 === 0;
        const content = inbound
          ? JSON.stringify({ type: 'text', body: `question ${written} about order ${t}` })
          : JSON.stringify({ phone_number: '+27', message_type: 'text', text: `answer ${written}` });
        rows.push([
          newId(),
          orgId,
          contactId,
          threadId,
          inbound ? 'inbound' : 'outbound',
          content,
          wamid,
          inbound ? 'received' : failed ? 'failed' : 'delivered',
          at,
          at,
          at,
        ]);
        if (!inbound) status.run(newId(), orgId, wamid, failed ? 'failed' : 'delivered', at, at);
        last = at;
        if (inbound) {
          lastIn = at;
          unread = i > count - 3 ? unread + 1 : 0;
        }
      }
      thread.run(threadId, orgId, contactId, count, last, now, now, lastIn || null, unread);
      for (const r of rows) message.run(...r);
    }
  })();
  return { big };
}

function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(label: string, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 5; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(
    `  ${label.padEnd(44)} p50 ${pct(ms, 50).toFixed(2).padStart(7)} ms   p99 ${pct(ms, 99).toFixed(2).padStart(7)} ms`,
  );
}

async function main(): Promise<void> {
  for (const [label, ddl] of Object.entries(CANDIDATES)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-inbox-'));
    const db = openDatabase({ kind: 'sqlite', file: path.join(dir, 'bench.db') });
    try {
      await migrate(db);
      const started = Date.now();
      const { big } = fill(db, 'org-a', '1');
      fill(db, 'org-b', '2');
      for (const d of ddl) await sql.raw(d).execute(db.kysely);
      await sql`analyze`.execute(db.kysely);
      console.log(
        `${label}: ${THREADS} conversations and ${MESSAGES} messages per organization, 2 organizations (filled in ${Date.now() - started} ms)`,
      );
      const reads = new InboxReads(db, new MessageReads(db, new MediaSigner('bench-secret', 'http://127.0.0.1', 3600)));
      const list = (filters: ConversationFilters, after?: Key) =>
        reads.list('org-a', filters, { limit: 26, ...(after ? { after } : {}) });
      const deep = (await list({})).at(-1)!.key;
      let deeper = deep;
      for (let i = 0; i < 20; i++) {
        const next = (await list({}, deeper)).at(-1);
        if (next === undefined) break;
        deeper = next.key;
      }
      await time('list: first page (25)', () => list({}));
      await time('list: page 21 (by cursor)', () => list({}, deeper));
      await time('list: unread=true', () => list({ unread: true }));
      await time('list: window=open', () => list({ window: 'open' }));
      await time('list: failed=true', () => list({ failed: true }));
      await time('search: contact name (q=Customer 4999)', () => list({ q: 'Customer 4999' }));
      await time('search: number (q=2710004999)', () => list({ q: '2710004999' }));
      await time('search: message text, rare (q=order 4321)', () => list({ q: 'order 4321' }));
      await time('search: no match (q=zzz)', () => list({ q: 'zzz' }));
      const newest = await reads.page('org-a', big, { limit: 50 });
      const middle: Key = [new Date(T0 + (BIG / 2) * 1000).toISOString(), newest.data[0]!.id];
      await time(`messages: newest 50 of a ${BIG}-message thread`, () => reads.page('org-a', big, { limit: 50 }));
      await time('messages: 50 before its middle', () => reads.page('org-a', big, { limit: 50, before: middle }));
      await time('messages: 50 after its middle', () => reads.page('org-a', big, { limit: 50, after: middle }));
    } finally {
      await db.kysely.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
