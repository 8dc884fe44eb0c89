// A status webhook finds its message by organization and Meta's id: the lookup must use the index
// of migration 003 on both engines, not scan every message.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';

describe.each(ENGINES)('finding a message by its Meta id (%s)', (engine) => {
  let fresh: FreshDb;
  beforeAll(async () => {
    fresh = await freshDb(engine);
  });
  afterAll(async () => {
    await fresh.cleanup();
  });

  it('uses helpdesk_messages_org_wamid', async () => {
    const { db } = fresh;
    let plan: string;
    if (db.engine === 'sqlite') {
      const rows = db.sqlite
        .prepare(
          `explain query plan select id from helpdesk_messages where organization_id = ? and whatsapp_message_id = ?`,
        )
        .all('o', 'wamid.x') as { detail: string }[];
      plan = rows.map((r) => r.detail).join('\n');
    } else {
      // An empty table makes a scan cheapest; forbid it so the plan shows whether the index applies.
      plan = await db.kysely.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const res = await sql<{
          'QUERY PLAN': string;
        }>`explain select id from helpdesk_messages where organization_id = ${'o'} and whatsapp_message_id = ${'wamid.x'}`.execute(
          trx,
        );
        return res.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    }
    expect(plan).toContain('helpdesk_messages_org_wamid');
  });
});
