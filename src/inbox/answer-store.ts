// What answering reads about a conversation (SQL only, no rules): its contact, and the message a
// reply or reaction names, looked up inside that conversation only.
import type { Db } from '../db/database.js';
import { isId } from '../db/ids.js';

export interface ConversationContact {
  contactId: string;
  /** Digits; null for a WhatsApp user known only by user id. */
  whatsappNumber: string | null;
}

export interface MessageTarget {
  id: string;
  /** Meta's id; null while our message is pending, or when Meta never accepted it. */
  wamid: string | null;
}

export class AnswerStore {
  constructor(private readonly db: Db) {}

  /** The contact of the organization's conversation; undefined when it is not the organization's. */
  contactOf(organizationId: string, conversationId: string): Promise<ConversationContact | undefined> {
    return this.db.kysely
      .selectFrom('customer_sessions as s')
      .innerJoin('contacts as c', 'c.id', 's.contact_id')
      .select(['c.id as contactId', 'c.whatsapp_number as whatsappNumber'])
      .where('s.organization_id', '=', organizationId)
      .where('s.id', '=', conversationId)
      .executeTakeFirst();
  }

  /**
   * The message `ref` names in this conversation: our id (a UUID, any case) or a wamid. By the
   * primary key or the (organization, wamid) index, then checked to be in the conversation.
   */
  async target(organizationId: string, conversationId: string, ref: string): Promise<MessageTarget | undefined> {
    const ours = ref.toLowerCase();
    const row = await this.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'whatsapp_message_id as wamid', 'session_id'])
      .where('organization_id', '=', organizationId)
      .where(isId(ours) ? 'id' : 'whatsapp_message_id', '=', isId(ours) ? ours : ref)
      .executeTakeFirst();
    if (row === undefined || row.session_id !== conversationId) return undefined;
    return { id: row.id, wamid: row.wamid };
  }

  /**
   * Marks the outbound rows one request wrote in this conversation as this agent's. The send
   * service writes the row; the request id it was given and the time the request began find it
   * again, inside the conversation's index (session_id, created_at), never another agent's row.
   * Returns the rows marked.
   */
  async attribute(a: {
    organizationId: string;
    conversationId: string;
    requestId: string;
    since: string;
    agentId: string;
  }): Promise<string[]> {
    const rows = await this.db.kysely
      .updateTable('helpdesk_messages')
      .set({ sent_by_agent_id: a.agentId })
      .where('session_id', '=', a.conversationId)
      .where('created_at', '>=', a.since)
      .where('organization_id', '=', a.organizationId)
      .where('request_id', '=', a.requestId)
      .where('direction', '=', 'outbound')
      .where('sent_by_agent_id', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }
}
