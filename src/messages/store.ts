// helpdesk_messages and customer_sessions. The pending row and its thread are written in one
// transaction before Meta is called, so a crash at any later point leaves a row, never nothing.
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import { GroupCommitter } from '../db/group-commit.js';
import { prepare } from '../db/prepared.js';
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

/** The send path's statements, compiled once (db/prepared.ts). */
function sendPathQueries(db: Db) {
  const upsertSession = prepare<'id' | 'org' | 'contact' | 'now', { id: string }>((p) =>
    db.kysely
      .insertInto('customer_sessions')
      .values({ id: p('id'), organization_id: p('org'), contact_id: p('contact'), status: 'open', message_count: 1, last_message_at: p('now'), created_at: p('now'), updated_at: p('now') })
      .onConflict((oc) =>
        oc.columns(['organization_id', 'contact_id']).doUpdateSet((eb) => ({
          message_count: eb('customer_sessions.message_count', '+', 1),
          last_message_at: p('now'),
          updated_at: p('now'),
        })),
      )
      .returning('id'),
  );
  const insertMessage = prepare<'id' | 'org' | 'contact' | 'session' | 'type' | 'content' | 'media' | 'request' | 'now'>((p) =>
    db.kysely.insertInto('helpdesk_messages').values({
      id: p('id'),
      organization_id: p('org'),
      contact_id: p('contact'),
      session_id: p('session'),
      direction: 'outbound',
      message_type: p('type'),
      content: p('content'),
      media_url: p('media'),
      whatsapp_message_id: null,
      status: 'pending',
      error_code: null,
      error_message: null,
      error_details: null,
      request_id: p('request'),
      created_at: p('now'),
      updated_at: p('now'),
    }),
  );
  const markSent = prepare<'id' | 'wamid' | 'now'>((p) =>
    db.kysely.updateTable('helpdesk_messages').set({ status: 'sent', whatsapp_message_id: p('wamid'), updated_at: p('now') }).where('id', '=', p('id')),
  );
  return { upsertSession, insertMessage, markSent };
}

export class MessageStore {
  readonly #q: ReturnType<typeof sendPathQueries>;
  readonly #writes: GroupCommitter;

  constructor(private readonly db: Db) {
    this.#q = sendPathQueries(db);
    this.#writes = new GroupCommitter(db, db.engine === 'sqlite' ? 1 : 4);
  }

  async createPending(m: PendingMessage): Promise<{ id: string; sessionId: string }> {
    const now = nowIso();
    const id = newId();
    return this.#writes.run(async (trx) => {
      const session = await this.#q.upsertSession.execute(trx, { id: newId(), org: m.organizationId, contact: m.contactId, now });
      const sessionId = session.rows[0]!.id;
      await this.#q.insertMessage.execute(trx, { id, org: m.organizationId, contact: m.contactId, session: sessionId, type: m.messageType, content: JSON.stringify(m.content), media: m.mediaUrl, request: m.requestId, now });
      return { id, sessionId };
    });
  }

  async markSent(id: string, wamid: string): Promise<void> {
    await this.#writes.run((trx) => this.#q.markSent.execute(trx, { id, wamid, now: nowIso() }));
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
