// A webhook POST finds its organization by app and metadata.phone_number_id: the lookup must use
// the index of migration 004 on both engines, not scan every organization.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';

describe.each(ENGINES)('finding an organization by app and phone number id (%s)', (engine) => {
  let fresh: FreshDb;
  beforeAll(async () => {
    fresh = await freshDb(engine);
  });
  afterAll(async () => {
    await fresh.cleanup();
  });

  it('uses organizations_app_phone', async () => {
    const { db } = fresh;
    let plan: string;
    if (db.engine === 'sqlite') {
      const rows = db.sqlite
        .prepare(`explain query plan select id from organizations where meta_app_id = ? and meta_phone_id = ?`)
        .all('100', '111') as { detail: string }[];
      plan = rows.map((r) => r.detail).join('\n');
    } else {
      // An empty table makes a scan cheapest; forbid it so the plan shows whether the index applies.
      plan = await db.kysely.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const res = await sql<{
          'QUERY PLAN': string;
        }>`explain select id from organizations where meta_app_id = ${'100'} and meta_phone_id = ${'111'}`.execute(trx);
        return res.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    }
    expect(plan).toContain('organizations_app_phone');
  });
});
