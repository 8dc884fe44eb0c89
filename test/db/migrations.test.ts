import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../../src/db/database.js';
import { createPgSchema } from '../helpers/db.js';

// Several gateways (or test runs) may share one PostgreSQL database, each in its own schema
// through search_path. Each one's migrations must see only its own schema's bookkeeping: a
// migrated schema beside it, or one a killed run left behind, must not stop a new one migrating.
describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('PostgreSQL migrations per schema', () => {
  const drops: (() => Promise<void>)[] = [];
  const dbs: Db[] = [];

  async function schemaDb(): Promise<{ schema: string; db: Db }> {
    const { schema, drop } = await createPgSchema();
    drops.push(drop);
    const db = openDatabase(
      { kind: 'postgres', url: process.env.TEST_DATABASE_URL! },
      { searchPath: schema, poolSize: 2 },
    );
    dbs.push(db);
    return { schema, db };
  }

  async function tablesIn(schema: string): Promise<string[]> {
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    try {
      const res = await c.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by table_name',
        [schema],
      );
      return res.rows.map((r) => r.table_name);
    } finally {
      await c.end();
    }
  }

  afterAll(async () => {
    for (const db of dbs) await db.close();
    for (const drop of drops) await drop();
  });

  it('migrates a new schema while another schema of the same database is already migrated', async () => {
    const first = await schemaDb();
    const second = await schemaDb();
    expect(await migrate(first.db)).toEqual([
      '001-initial',
      '002-lean-message-indexes',
      '003-message-by-meta-id',
      '004-meta-apps',
      '005-webhooks',
      '006-inbound-media',
      '007-media-keys',
      '008-events',
      '009-contacts-by-user-id',
      '010-event-commit-order',
      '011-templates',
      '012-send-window',
      '013-agents',
      '014-inbox-indexes',
      '015-inbox-search',
      '016-message-agent',
    ]);
    expect(await migrate(second.db)).toEqual([
      '001-initial',
      '002-lean-message-indexes',
      '003-message-by-meta-id',
      '004-meta-apps',
      '005-webhooks',
      '006-inbound-media',
      '007-media-keys',
      '008-events',
      '009-contacts-by-user-id',
      '010-event-commit-order',
      '011-templates',
      '012-send-window',
      '013-agents',
      '014-inbox-indexes',
      '015-inbox-search',
      '016-message-agent',
    ]);
    for (const { schema } of [first, second]) {
      expect(await tablesIn(schema)).toEqual(
        expect.arrayContaining([
          'flowiq_migrations',
          'flowiq_migrations_lock',
          'organizations',
          'helpdesk_messages',
          'customer_sessions',
        ]),
      );
    }
    // Each schema records its own migrations, so a second run applies nothing.
    expect(await migrate(second.db)).toEqual([]);
    expect(await migrate(first.db)).toEqual([]);
  });
});
