// Migration 009: contacts.whatsapp_number becomes nullable (SQLite by rebuilding the table) and the
// user id unique per organization. Run as the gateway runs it: the migrator brings a database to
// 008, rows are written, then the migrator applies 009.
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { newId, nowIso } from '../../src/db/ids.js';
import * as m001 from '../../src/db/migrations/001-initial.js';
import * as m002 from '../../src/db/migrations/002-lean-message-indexes.js';
import * as m003 from '../../src/db/migrations/003-message-by-meta-id.js';
import * as m004 from '../../src/db/migrations/004-meta-apps.js';
import * as m005 from '../../src/db/migrations/005-webhooks.js';
import * as m006 from '../../src/db/migrations/006-inbound-media.js';
import * as m007 from '../../src/db/migrations/007-media-keys.js';
import * as m008 from '../../src/db/migrations/008-events.js';
import * as m009 from '../../src/db/migrations/009-contacts-by-user-id.js';
import type { Database } from '../../src/db/types.js';
import { createPgSchema, ENGINES } from '../helpers/db.js';

const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-lean-message-indexes': m002,
  '003-message-by-meta-id': m003,
  '004-meta-apps': m004,
  '005-webhooks': m005,
  '006-inbound-media': m006,
  '007-media-keys': m007,
  '008-events': m008,
  '009-contacts-by-user-id': m009,
};

const ORG = '01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e7f';
const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;

describe.each(ENGINES)('migration 009-contacts-by-user-id (%s)', (engine) => {
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  let k: Kysely<Database>;
  let migrator: Migrator;
  const ids = {
    plain: newId(),
    withUser: newId(),
    oldNumber: newId(),
    newNumber: newId(),
    session: newId(),
    message: newId(),
  };

  beforeAll(async () => {
    if (engine === 'sqlite') db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    else {
      const pg = await createPgSchema();
      drop = pg.drop;
      db = openDatabase(
        { kind: 'postgres', url: process.env.TEST_DATABASE_URL! },
        { searchPath: pg.schema, poolSize: 2 },
      );
    }
    k = db.kysely;
    migrator = new Migrator({
      db: k,
      provider: { getMigrations: async () => MIGRATIONS },
      migrationTableName: 'flowiq_migrations',
      migrationLockTableName: 'flowiq_migrations_lock',
      ...(engine === 'postgres' ? { migrationTableSchema: (await currentSchema(k)) ?? undefined } : {}),
    });
    const to008 = await migrator.migrateTo('008-events');
    expect(to008.error).toBeUndefined();

    const now = T(0);
    await k
      .insertInto('organizations')
      .values({
        id: ORG,
        slug: 'm9',
        name: 'M9',
        whatsapp_provider_choice: 'meta',
        meta_phone_id: null,
        whatsapp_bearer_token: null,
        meta_waba_id: null,
        meta_app_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const contact = (id: string, number: string, userId: string | null, createdAt: string) => ({
      id,
      organization_id: ORG,
      whatsapp_number: number,
      name: `c-${number}`,
      email: null,
      custom_fields: '{"tier":"gold"}',
      user_id: userId,
      created_at: createdAt,
      updated_at: createdAt,
    });
    await k
      .insertInto('contacts')
      .values([
        contact(ids.plain, '27123456789', null, T(1)),
        contact(ids.withUser, '27123456780', 'ZA.one', T(2)),
        // A user who changed number: before 009 both numbers' contacts had the user id.
        contact(ids.oldNumber, '4477001122', 'GB.moved', T(3)),
        contact(ids.newNumber, '4477009999', 'GB.moved', T(4)),
      ])
      .execute();
    await k
      .insertInto('customer_sessions')
      .values({
        id: ids.session,
        organization_id: ORG,
        contact_id: ids.withUser,
        status: 'open',
        last_message_at: now,
        last_inbound_at: now,
        unread_count: 1,
        message_count: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await k
      .insertInto('helpdesk_messages')
      .values({
        id: ids.message,
        organization_id: ORG,
        contact_id: ids.withUser,
        session_id: ids.session,
        direction: 'inbound',
        message_type: 'text',
        content: '{"type":"text","body":"hi"}',
        media_url: null,
        whatsapp_message_id: 'wamid.m9',
        status: 'received',
        error_code: null,
        error_message: null,
        error_details: null,
        request_id: null,
        created_at: now,
        updated_at: now,
        status_at: now,
        pricing: null,
        conversation: null,
        context_wamid: null,
        media_status: null,
      })
      .execute();

    const to009 = await migrator.migrateToLatest();
    expect(to009.error).toBeUndefined();
    expect(to009.results?.map((r) => [r.migrationName, r.status])).toEqual([['009-contacts-by-user-id', 'Success']]);
  });
  afterAll(async () => {
    await db.close();
    await drop?.();
  });

  it('keeps every contact, thread and message with its ids and values', async () => {
    const contacts = await k.selectFrom('contacts').selectAll().orderBy('created_at').execute();
    expect(contacts.map((c) => [c.id, c.whatsapp_number, c.user_id, c.custom_fields, c.created_at])).toEqual([
      [ids.plain, '27123456789', null, '{"tier":"gold"}', T(1)],
      [ids.withUser, '27123456780', 'ZA.one', '{"tier":"gold"}', T(2)],
      // The newer contact of the user who changed number keeps the user id.
      [ids.oldNumber, '4477001122', null, '{"tier":"gold"}', T(3)],
      [ids.newNumber, '4477009999', 'GB.moved', '{"tier":"gold"}', T(4)],
    ]);
    expect(await k.selectFrom('customer_sessions').select(['id', 'contact_id']).execute()).toEqual([
      { id: ids.session, contact_id: ids.withUser },
    ]);
    expect(
      await k
        .selectFrom('helpdesk_messages')
        .select(['id', 'contact_id', 'session_id', 'whatsapp_message_id'])
        .execute(),
    ).toEqual([
      { id: ids.message, contact_id: ids.withUser, session_id: ids.session, whatsapp_message_id: 'wamid.m9' },
    ]);
  });

  it('still enforces the foreign keys to contacts', async () => {
    if (engine === 'sqlite') {
      expect(db.engine === 'sqlite' && db.sqlite.pragma('foreign_key_check')).toEqual([]);
      expect(db.engine === 'sqlite' && db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    }
    const orphan = k
      .insertInto('customer_sessions')
      .values({
        id: newId(),
        organization_id: ORG,
        contact_id: newId(),
        status: 'open',
        last_message_at: T(5),
        created_at: T(5),
        updated_at: T(5),
      })
      .execute();
    await expect(orphan).rejects.toThrow(/foreign key/i);
    await expect(k.deleteFrom('contacts').where('id', '=', ids.withUser).execute()).rejects.toThrow(/foreign key/i);
  });

  const insertContact = (whatsappNumber: string | null, userId: string | null) =>
    k
      .insertInto('contacts')
      .values({
        id: newId(),
        organization_id: ORG,
        whatsapp_number: whatsappNumber,
        name: null,
        email: null,
        custom_fields: null,
        user_id: userId,
        created_at: nowIso(),
        updated_at: nowIso(),
      })
      .execute();

  it('takes contacts without a number, several of them', async () => {
    await insertContact(null, 'US.only1');
    await insertContact(null, 'US.only2');
    const rows = await k.selectFrom('contacts').select('user_id').where('whatsapp_number', 'is', null).execute();
    expect(rows.map((r) => r.user_id).sort()).toEqual(['US.only1', 'US.only2']);
  });

  it('refuses a second contact with the same user id, and still a second one with the same number', async () => {
    await expect(insertContact(null, 'ZA.one')).rejects.toThrow(/unique/i);
    await expect(insertContact('4477000000', 'GB.moved')).rejects.toThrow(/unique/i);
    await expect(insertContact('27123456789', null)).rejects.toThrow(/unique/i);
    await insertContact('27123456781', null);
  });

  it('can run again, as after a crash before the migrator recorded it, and changes nothing', async () => {
    const before = await k.selectFrom('contacts').selectAll().orderBy('id').execute();
    await m009.up(k as unknown as Kysely<unknown>);
    expect(await k.selectFrom('contacts').selectAll().orderBy('id').execute()).toEqual(before);
  });

  it('looks a user id up by the unique index', async () => {
    const indexes =
      engine === 'sqlite'
        ? (
            await sql<{
              name: string;
              sql: string | null;
            }>`select name, sql from sqlite_master where type = 'index' and tbl_name = 'contacts'`.execute(k)
          ).rows
        : (
            await sql<{
              name: string;
              sql: string;
            }>`select indexname as name, indexdef as sql from pg_indexes where tablename = 'contacts' and schemaname = current_schema()`.execute(
              k,
            )
          ).rows;
    const names = indexes.map((i) => i.name);
    expect(names).toContain('contacts_organization_user_id');
    expect(names).not.toContain('contacts_user_id');
    const byUser = indexes.find((i) => i.name === 'contacts_organization_user_id')!;
    expect(byUser.sql).toMatch(/unique/i);
    expect(byUser.sql).toMatch(/user_id.*is not null/i);
  });
});

async function currentSchema(k: Kysely<Database>): Promise<string | null> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(k);
  return rows[0]?.schema ?? null;
}
