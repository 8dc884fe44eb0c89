// Migration 014: the indexes the inbox list was measured to need (docs/PERFORMANCE.md). The list's
// order is walked on the index rather than sorted, and `failed=true` finds failed rows in a partial
// index; on PostgreSQL both indexes exist as defined.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';

describe.each(ENGINES)('inbox indexes, migration 014 (%s)', (engine) => {
  let fresh: FreshDb;
  beforeAll(async () => {
    fresh = await freshDb(engine);
  });
  afterAll(async () => fresh.cleanup());

  it('serves the list’s order from an index, and failed messages from a partial one', async () => {
    const db = fresh.db;
    if (db.engine === 'sqlite') {
      const plan = (q: string) =>
        (db.sqlite.prepare(`explain query plan ${q}`).all('o') as { detail: string }[]).map((r) => r.detail).join('\n');
      const list = plan(
        'select id from customer_sessions where organization_id = ? order by last_message_at desc, id desc limit 26',
      );
      expect(list).toContain('customer_sessions_org_activity');
      expect(list).not.toContain('TEMP B-TREE');
      const failed = plan(
        "select 1 from customer_sessions s where s.organization_id = ? and exists (select 1 from helpdesk_messages f where f.session_id = s.id and f.status = 'failed')",
      );
      expect(failed).toContain('helpdesk_messages_failed');
      return;
    }
    const rows = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes where schemaname = current_schema()
        and indexname in ('customer_sessions_org_activity', 'helpdesk_messages_failed') order by indexname`.execute(
      db.kysely,
    );
    expect(rows.rows.map((r) => r.indexname)).toEqual(['customer_sessions_org_activity', 'helpdesk_messages_failed']);
    expect(rows.rows[0]!.indexdef).toContain('(organization_id, last_message_at, id)');
    expect(rows.rows[1]!.indexdef).toMatch(/\(session_id\) WHERE \(status = 'failed'/);
  });
});
