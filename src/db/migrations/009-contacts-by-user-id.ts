import { SqliteAdapter, sql, type Kysely } from 'kysely';

// A WhatsApp user with a username may message without a phone number (Meta's business-scoped user
// ids, 2026): the webhook names only their user id. Such a sender still becomes a contact, so
// contacts.whatsapp_number becomes nullable (null: known only by user id), and the user id becomes
// unique per organization, as the number is, so that the contact of a user id is one row and two
// instances creating it at once agree on it (inbound-writes.ts inserts on conflict do nothing).
// The unique (organization_id, whatsapp_number) constraint stays: both engines let NULLs repeat.
//
// Until now a user id could be on two contacts: a user who changed number messaged from the new
// one, which made a second contact with the same user id. The newest of those contacts (the
// number the user moved to) keeps the user id; the older ones lose it, and keep their number and
// thread. Without that the unique index could not be built.
//
// PostgreSQL drops NOT NULL in place. SQLite cannot, so the table is rebuilt (see rebuildSqlite).

interface Tables {
  contacts: { id: string; organization_id: string; user_id: string | null; created_at: string };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // Migrations receive only the Kysely instance; its adapter is what tells the engines apart
  // without running a query that would abort a PostgreSQL transaction when it fails.
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // Kysely runs SQLite migrations outside a transaction (its adapter declares no transactional
    // DDL); the rebuild must not be seen, or left, half done.
    await db.transaction().execute(async (trx) => {
      await rebuildSqlite(trx);
      await uniqueUserIds(trx);
    });
    return;
  }
  await db.schema
    .alterTable('contacts')
    .alterColumn('whatsapp_number', (c) => c.dropNotNull())
    .execute();
  await uniqueUserIds(db);
}

async function uniqueUserIds(db: Kysely<unknown>): Promise<void> {
  const k = db as unknown as Kysely<Tables>;
  await k
    .updateTable('contacts')
    .set({ user_id: null })
    .where('user_id', 'is not', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('contacts as newer')
          .select(sql`1`.as('one'))
          .whereRef('newer.organization_id', '=', 'contacts.organization_id')
          .whereRef('newer.user_id', '=', 'contacts.user_id')
          .where((eb) =>
            eb.or([
              eb('newer.created_at', '>', eb.ref('contacts.created_at')),
              eb.and([
                eb('newer.created_at', '=', eb.ref('contacts.created_at')),
                eb('newer.id', '>', eb.ref('contacts.id')),
              ]),
            ]),
          ),
      ),
    )
    .execute();
  // The unique index answers every lookup the plain one from 005 did.
  await db.schema.dropIndex('contacts_user_id').ifExists().execute();
  await db.schema
    .createIndex('contacts_organization_user_id')
    .ifNotExists()
    .on('contacts')
    .columns(['organization_id', 'user_id'])
    .unique()
    .where(sql.ref('user_id'), 'is not', null)
    .execute();
}

/**
 * SQLite changes a column's NOT NULL only by rebuilding the table. customer_sessions and
 * helpdesk_messages reference contacts.id, and the connection enforces foreign keys, so:
 *
 * - defer_foreign_keys lets the drop leave their rows without a parent until commit. SQLite counts
 *   those rows, and a parent row inserted later takes its children off the count; commit fails if
 *   any are left. So the rows are put back into a table named `contacts` after the old one is
 *   dropped (from a temporary copy), rather than the usual copy into `contacts_new` and a rename:
 *   a rename adds no rows, and the count would stay up.
 * - The new table is made under the old name, so the references, which name `contacts`, point to
 *   it unchanged (renaming a table rewrites the references to it, so a rename of the old table out
 *   of the way would take them along).
 *
 * The columns, their order and the constraints are those of 001 and 005 but for the nullable number.
 */
async function rebuildSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`pragma defer_foreign_keys = on`.execute(db);
  await sql`create temp table contacts_rebuild as select * from main.contacts`.execute(db);
  await db.schema.dropTable('contacts').execute();
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('whatsapp_number', 'text')
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('custom_fields', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addUniqueConstraint('contacts_organization_number', ['organization_id', 'whatsapp_number'])
    .execute();
  await sql`
    insert into main.contacts
      (id, organization_id, whatsapp_number, name, email, custom_fields, created_at, updated_at, user_id)
    select id, organization_id, whatsapp_number, name, email, custom_fields, created_at, updated_at, user_id
    from temp.contacts_rebuild
  `.execute(db);
  await sql`drop table temp.contacts_rebuild`.execute(db);
  // The indexes went with the old table; the user id index is made again by uniqueUserIds.
}
