import { sql, type Kysely } from 'kysely';

// A Meta app is its own record: one app may serve many organizations (a platform with one app and
// many numbers), or an organization may have its own. Its app secret (which signs webhook POSTs)
// and verify token (which answers the subscription handshake) are stored only as ciphertext, as
// organizations' Meta tokens are (organizations/token-cipher.ts). app_secret_previous is the secret
// before the last change, kept only when the operator asks (`--keep-previous-secret`), so webhooks
// Meta signed before a reset still verify while they drain.
//
// organizations.meta_app_id holds Meta's app id and references meta_apps.meta_app_id, so the one
// id an operator sees (in the webhook URL, in `flowiq org list`) is the one in both tables; Meta
// never changes an app's id, so the app record's id is never updated either.
//
// A webhook POST names the number it is for (metadata.phone_number_id) and arrives on one app's
// URL: (meta_app_id, meta_phone_id) finds its organization, and is unique, so two organizations
// of one app cannot claim the same number and a message can never be routed to the wrong tenant.
// Partial on both being set: organizations without an app (or without a number) stay free to
// share a phone id, as they always could, and never enter the index. Both engines use it for
// `meta_app_id = ? and meta_phone_id = ?`, which implies the predicate.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meta_apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meta_app_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('app_secret', 'text', (c) => c.notNull())
    .addColumn('app_secret_previous', 'text')
    .addColumn('verify_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('organizations').addColumn('meta_waba_id', 'text').execute();
  await db.schema
    .alterTable('organizations')
    .addColumn('meta_app_id', 'text', (c) => c.references('meta_apps.meta_app_id'))
    .execute();
  await db.schema
    .createIndex('organizations_app_phone')
    .on('organizations')
    .columns(['meta_app_id', 'meta_phone_id'])
    .unique()
    .where(sql.ref('meta_app_id'), 'is not', null)
    .where(sql.ref('meta_phone_id'), 'is not', null)
    .execute();
}
