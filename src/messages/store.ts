// helpdesk_messages and customer_sessions. The pending row and its thread are written in one
// transaction before Meta is called, so a crash at any later point leaves a row, never nothing.
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import type { HelpdeskMessagesTable } from '../db/types.js';

export type MessageRow = Selectable<HelpdeskMessagesTable>;

export interface PendingMessage {
  organizationId: string;
  contactId: string;
  messageType: string;
  content: unknown;
  mediaUrl: string | null;
  requestId: string | null;
}

export interface FailureDetails {
  code: string;
  message: string;
  details: unknown;
}

export class MessageStore {
  constructor(private readonly db: Db) {}

  async createPending(m: PendingMessage): Promise<{ id: string; sessionId: string }> {
    const now = nowIso();
    const id = newId();
    return this.db.kysely.transaction().execute(async (trx) => {
      const session = await trx
        .insertInto('customer_sessions')
        .values({ id: newId(), organization_id: m.organizationId, contact_id: m.contactId, status: 'open', message_count: 1, last_message_at: now, created_at: now, updated_at: now })
        .onConflict((oc) =>
          oc.columns(['organization_id', 'contact_id']).doUpdateSet((eb) => ({
            message_count: eb('customer_sessions.message_count', '+', 1),
            last_message_at: now,
            updated_at: now,
          })),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('helpdesk_messages')
        .values({
          id,
          organization_id: m.organizationId,
          contact_id: m.contactId,
          session_id: session.id,
          direction: 'outbound',
          message_type: m.messageType,
          content: JSON.stringify(m.content),
          media_url: m.mediaUrl,
          whatsapp_message_id: null,
          status: 'pending',
          error_code: null,
          error_message: null,
          error_details: null,
          request_id: m.requestId,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return { id, sessionId: session.id };
    });
  }

  async markSent(id: string, wamid: string): Promise<void> {
    await this.db.kysely
      .updateTable('helpdesk_messages')
      .set({ status: 'sent', whatsapp_message_id: wamid, updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, status: 'failed' | 'unknown', failure: FailureDetails, clearMedia = false): Promise<void> {
    await this.db.kysely
      .updateTable('helpdesk_messages')
      .set({
        status,
        error_code: failure.code,
        error_message: failure.message,
        error_details: JSON.stringify(failure.details),
        updated_at: nowIso(),
        ...(clearMedia ? { media_url: null } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  findById(id: string): Promise<MessageRow | undefined> {
    return this.db.kysely.selectFrom('helpdesk_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Rows left pending by a crash: their outcome at Meta is unknown, and they are never resent. */
  async markStalePendingUnknown(olderThan: string): Promise<number> {
    const res = await this.db.kysely
      .updateTable('helpdesk_messages')
      .set({ status: 'unknown', error_code: 'interrupted', error_message: 'The gateway stopped before Meta answered; the message may or may not have been delivered', updated_at: nowIso() })
      .where('status', '=', 'pending')
      .where('created_at', '<', olderThan)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  listByStatus(statuses: MessageRow['status'][], limit: number): Promise<MessageRow[]> {
    return this.db.kysely.selectFrom('helpdesk_messages').selectAll().where('status', 'in', statuses).orderBy('created_at').limit(limit).execute();
  }
}
