import type { Kysely } from 'kysely';

// The template catalogue (src/templates/): each organization's message templates as Meta's
// GET /{waba-id}/message_templates gave them at the last sync, so that a send can be checked
// before Meta is called and a client can see what each template expects.
//
// templates: one row per (organization, name, language), Meta's own key for a template to send
// (names repeat across languages). components is Meta's JSON array as returned; meta_id is Meta's
// id, which the template webhooks name (message_template_id), hence the second index. A sync
// rewrites an organization's rows in one transaction; a template Meta stopped returning is
// deleted (docs/TEMPLATES.md).
//
// template_resyncs: resyncs asked for by the template webhooks, written in the webhook's own
// transaction and taken by the template job. Insert-only, so that claimers applying webhooks at
// once never wait on one another's row here; the job deletes the requests a sync covered.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('templates')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('waba_id', 'text', (c) => c.notNull())
    .addColumn('meta_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('parameter_format', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('quality', 'text')
    .addColumn('rejected_reason', 'text')
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('templates_pk', ['organization_id', 'name', 'language'])
    .execute();
  await db.schema.createIndex('templates_meta_id').on('templates').columns(['waba_id', 'meta_id']).execute();

  await db.schema
    .createTable('template_resyncs')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('template_resyncs_pk', ['organization_id', 'id'])
    .execute();
}
