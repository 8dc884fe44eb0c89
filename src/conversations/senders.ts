// The read API's `sent_by`: which agent sent a message from the inbox (helpdesk_messages.sent_by_agent_id,
// migration 016), read for a page of messages in one query.
import type { Db } from '../db/database.js';

/** The read API's `sent_by`: the agent who sent a message from the inbox. */
export interface MessageSender {
  id: string;
  name: string | null;
  email: string;
}

/** The agents who sent these messages, by message id (messages sent otherwise are absent). */
export async function messageSenders(
  db: Db,
  organizationId: string,
  messageIds: readonly string[],
): Promise<Map<string, MessageSender>> {
  const out = new Map<string, MessageSender>();
  if (messageIds.length === 0) return out;
  const rows = await db.kysely
    .selectFrom('helpdesk_messages as m')
    .innerJoin('agents as a', (j) =>
      j.onRef('a.id', '=', 'm.sent_by_agent_id').onRef('a.organization_id', '=', 'm.organization_id'),
    )
    .select(['m.id as messageId', 'a.id', 'a.name', 'a.email'])
    .where('m.organization_id', '=', organizationId)
    .where('m.id', 'in', [...messageIds])
    .execute();
  for (const r of rows) out.set(r.messageId, { id: r.id, name: r.name, email: r.email });
  return out;
}
