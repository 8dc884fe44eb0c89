import { sql, type Kysely } from 'kysely';

// Status webhooks name a message by Meta's id (wamid) and arrive for one organization: this finds
// it. Partial on a present id, so a pending insert (no wamid yet) never touches it; only the `sent`
// update does. Both engines use it for `whatsapp_message_id = ?`, which implies the predicate. Its
// cost on the send path is measured by `npm run bench:writes` (docs/PERFORMANCE.md).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('helpdesk_messages_org_wamid')
    .on('helpdesk_messages')
    .columns(['organization_id', 'whatsapp_message_id'])
    .where(sql.ref('whatsapp_message_id'), 'is not', null)
    .execute();
}
