// helpdesk_messages and customer_sessions, owned here: the send path writes them, and the listening
// half (statuses, inbound messages, inbox reads) reads and writes the same rows. The pending row and its thread are written in one
// transaction before Meta is called, so a crash at any later point leaves a row, never nothing.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { newId, nowIso } from '../db/ids.js';
import { GroupCommitter } from '../db/group-commit.js';
import type { HelpdeskMessagesTable } from '../db/types.js';
import { postgresSendWrites, sqliteSendWrites, type SendWrite, type SendWriteResult } from './writes.js';

export type MessageRow = Selectable<HelpdeskMessagesTable>;

export interface PendingMessage {
  organizationId: string;
  contactId: string;
  messageType: string;
  content: unknown;
  /**
   * The media's storage key (media/storage/types.ts mediaKey), stored in helpdesk_messages.media_url.
   * Never a signed URL: its signature is a credential; readers sign the key when they answer.
   */
  mediaUrl: string | null;
  requestId: string | null;
  /** A free-form send: its window's end as checked (conversations/window.ts); else null. */
  windowEndsAt?: string | null;
}

export interface FailureDetails {
  code: string;
  message: string;
  details: unknown;
}

/**
 * The partial index's own predicate, as literal SQL: an engine uses a partial index only when the
 * query's WHERE implies the index's, which a bound parameter cannot show (migration 002).
 */
const UNSETTLED = sql<boolean>`status in ('pending', 'unknown')`;

export class MessageStore {
  readonly #writes: GroupCommitter<SendWrite, SendWriteResult>;

  constructor(private readonly db: Db) {
    // PostgreSQL: two batches in flight, so one slow commit does not hold every write. Each batch
    // is one statement; fewer, larger batches cost less than more in flight (measured against the
    // forwarder in one run: 1 in flight 31.8-32.7%, 2 30.8%, 4 26.3%).
    this.#writes =
      db.engine === 'sqlite'
        ? new GroupCommitter(sqliteSendWrites(db.sqlite), 1)
        : new GroupCommitter(postgresSendWrites(db.pgPool), 2);
  }

  async createPending(m: PendingMessage): Promise<{ id: string; sessionId: string }> {
    const id = newId();
    const res = await this.#writes.run({
      kind: 'pending',
      id,
      organizationId: m.organizationId,
      contactId: m.contactId,
      messageType: m.messageType,
      content: JSON.stringify(m.content),
      mediaUrl: m.mediaUrl,
      requestId: m.requestId,
      windowEndsAt: m.windowEndsAt ?? null,
      now: nowIso(),
    });
    return { id, sessionId: res!.sessionId };
  }

  async markSent(id: string, wamid: string): Promise<void> {
    await this.#writes.run({ kind: 'sent', id, wamid, now: nowIso() });
  }

  async markFailed(
    id: string,
    status: 'failed' | 'unknown',
    failure: FailureDetails,
    clearMedia = false,
  ): Promise<void> {
    await this.#writes.run({
      kind: 'failed',
      id,
      status,
      code: failure.code,
      message: failure.message,
      details: failure.details === undefined ? null : JSON.stringify(failure.details),
      clearMedia,
      now: nowIso(),
    });
  }

  findById(id: string): Promise<MessageRow | undefined> {
    return this.db.kysely.selectFrom('helpdesk_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Rows left pending by a crash: their outcome at Meta is unknown, and they are never resent. */
  async markStalePendingUnknown(olderThan: string): Promise<number> {
    const res = await this.db.kysely
      .updateTable('helpdesk_messages')
      .set({
        status: 'unknown',
        error_code: 'interrupted',
        error_message: 'The gateway stopped before Meta answered; the message may or may not have been delivered',
        updated_at: nowIso(),
      })
      .where(UNSETTLED)
      .where('status', '=', 'pending')
      .where('created_at', '<', olderThan)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * An operator's verdict on a pending or unknown row (`flowiq messages resolve`), after checking
   * with Meta or the recipient. False when the row does not exist or is already settled.
   */
  async resolveUnsettled(
    id: string,
    outcome: { status: 'sent'; wamid: string } | { status: 'failed'; reason: string },
  ): Promise<boolean> {
    const now = nowIso();
    const changes =
      outcome.status === 'sent'
        ? {
            status: 'sent' as const,
            whatsapp_message_id: outcome.wamid,
            error_code: null,
            error_message: null,
            error_details: null,
            updated_at: now,
          }
        : {
            status: 'failed' as const,
            error_code: 'resolved_by_operator',
            error_message: outcome.reason,
            updated_at: now,
          };
    const res = await this.db.kysely
      .updateTable('helpdesk_messages')
      .set(changes)
      .where('id', '=', id)
      .where(UNSETTLED)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Pending and unknown rows, oldest first. */
  listUnsettled(limit: number): Promise<MessageRow[]> {
    return this.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where(UNSETTLED)
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }
}
