// An inbound message from Meta's webhook → its contact (created when new), helpdesk_messages
// (direction inbound, unique per organization and wamid) and its thread in customer_sessions.
// Written as steps (db/steps.ts) so one copy serves both engines.
import { sql, type Kysely } from 'kysely';
import { normalizePhone } from '../contacts/phone.js';
import { newId } from '../db/ids.js';
import { recordEvent, type EventBatch, type SubscribedEndpoint } from '../events/outbox.js';
import { query, type Steps } from '../db/steps.js';
import type { Database } from '../db/types.js';
import type { MessageItem } from '../meta/webhook-items.js';
import type { ChangeSet } from '../live/change.js';

type K = Kysely<Database>;

/** stored; duplicate: this wamid was stored before; no_sender: neither a readable number nor a user id. */
export type InboundOutcome = 'stored' | 'duplicate' | 'no_sender';

export interface InboundWrite {
  organizationId: string;
  /** The organization's enabled endpoints, read before the transaction (events/outbox.ts). */
  endpoints?: readonly SubscribedEndpoint[];
  /** Where its events go (written at the transaction's end). */
  events: EventBatch;
  /** Where the inbox's change hint goes (published after the commit). */
  live?: ChangeSet;
  item: MessageItem;
  now: string;
}

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);
/**
 * Kept in the thread but not counted unread: a reaction (added or taken back) or a revoke is drawn
 * on the message it targets, and a system notice (the customer changed number) is WhatsApp's, not
 * the customer's. A system notice alone does not open the 24-hour window either: only the
 * customer's own messages do (docs/META.md).
 */
const NOT_UNREAD = new Set(['reaction', 'revoke', 'system']);

/** What the row's `content` holds: the normalised content, and what the message was linked to. */
function contentOf(item: MessageItem): string {
  return JSON.stringify({
    ...item.content,
    ...(item.context ? { context: item.context } : {}),
    ...(item.referral !== undefined ? { referral: item.referral } : {}),
  });
}

/** The wamid a reply answers, a reaction is on or a revoke deletes: the inbox draws it there. */
function linkedWamid(item: MessageItem): string | null {
  if (item.content.type === 'reaction') return item.content.messageId;
  if (item.content.type === 'revoke') return item.content.originalMessageId;
  return item.context?.id ?? null;
}

export function* writeInbound(k: K, w: InboundWrite): Steps<InboundOutcome> {
  const { item } = w;
  const seen = yield* query(
    k
      .selectFrom('helpdesk_messages')
      .select('id')
      .where('organization_id', '=', w.organizationId)
      .where('whatsapp_message_id', '=', item.wamid)
      .where('direction', '=', 'inbound'),
  );
  if (seen.rows.length > 0) return 'duplicate';
  const contactId = yield* contactFor(k, w);
  if (contactId === undefined) return 'no_sender';
  // The thread first without counting: only the write that inserts the message counts it, so
  // two instances racing on a redelivered message cannot count it twice.
  const thread = yield* query(
    k
      .insertInto('customer_sessions')
      .values({
        id: newId(),
        organization_id: w.organizationId,
        contact_id: contactId,
        status: 'open',
        message_count: 0,
        last_message_at: item.timestamp,
        created_at: w.now,
        updated_at: w.now,
      })
      .onConflict((oc) => oc.columns(['organization_id', 'contact_id']).doUpdateSet({ updated_at: w.now }))
      .returning('id'),
  );
  const sessionId = thread.rows[0]!['id'] as string;
  const messageId = newId();
  const inserted = yield* query(
    k
      .insertInto('helpdesk_messages')
      .values({
        id: messageId,
        organization_id: w.organizationId,
        contact_id: contactId,
        session_id: sessionId,
        direction: 'inbound',
        message_type: item.type,
        content: contentOf(item),
        media_url: null,
        whatsapp_message_id: item.wamid,
        status: 'received',
        status_at: item.timestamp,
        error_code: null,
        error_message: null,
        error_details: null,
        request_id: null,
        context_wamid: linkedWamid(item),
        media_status: MEDIA_TYPES.has(item.content.type) ? 'pending' : null,
        pricing: null,
        conversation: null,
        created_at: item.timestamp,
        updated_at: w.now,
      })
      // The partial unique index's own predicate, as literal SQL, so the engine can match it.
      .onConflict((oc) =>
        oc
          .columns(['organization_id', 'whatsapp_message_id'])
          .where(sql<boolean>`direction = 'inbound'`)
          .doNothing(),
      ),
  );
  if (inserted.changes === 0) return 'duplicate';
  const at = item.timestamp;
  yield* query(
    k
      .updateTable('customer_sessions')
      .set({
        message_count: sql<number>`message_count + 1`,
        ...(NOT_UNREAD.has(item.content.type) ? {} : { unread_count: sql<number>`unread_count + 1` }),
        last_message_at: sql<string>`case when last_message_at < ${at} then ${at} else last_message_at end`,
        ...(item.content.type === 'system'
          ? {}
          : {
              last_inbound_at: sql<string>`case when last_inbound_at is null or last_inbound_at < ${at} then ${at} else last_inbound_at end`,
            }),
        updated_at: w.now,
      })
      .where('id', '=', sessionId),
  );
  recordEvent(w.events, {
    organizationId: w.organizationId,
    ...(w.endpoints ? { endpoints: w.endpoints } : {}),
    ...receivedEvent(item, messageId, contactId),
    conversationId: sessionId,
    now: w.now,
  });
  w.live?.add({
    organization_id: w.organizationId,
    conversation_id: sessionId,
    kind: item.content.type === 'reaction' ? 'reaction' : 'message',
    message_id: messageId,
  });
  return 'stored';
}

/** A reaction is its own event, on its target; any other message is `message.received`. */
function receivedEvent(
  item: MessageItem,
  messageId: string,
  contactId: string,
): { type: 'message.reaction' | 'message.received'; data: Record<string, unknown> } {
  const base = {
    message_id: messageId,
    whatsapp_message_id: item.wamid,
    contact_id: contactId,
    ...(item.from !== undefined ? { from: item.from } : {}),
    ...(item.fromUserId !== undefined ? { from_user_id: item.fromUserId } : {}),
    ...(item.profileName !== undefined ? { profile_name: item.profileName } : {}),
    timestamp: item.timestamp,
  };
  if (item.content.type === 'reaction')
    return {
      type: 'message.reaction',
      data: {
        ...base,
        target_whatsapp_message_id: item.content.messageId,
        // Meta omits the emoji when a reaction is removed.
        emoji: item.content.emoji ?? null,
      },
    };
  return {
    type: 'message.received',
    data: {
      ...base,
      type: item.type,
      content: item.content,
      ...(item.context ? { context: item.context } : {}),
      ...(MEDIA_TYPES.has(item.content.type) ? { media_status: 'pending' } : {}),
    },
  };
}

/**
 * The sender's contact: by number (created with the profile name when new), else by Meta's
 * business-scoped user id (created, without a number, when new). The user id is added to a contact
 * found by number that lacks it, and the number to a contact found by user id that lacks it.
 *
 * A user id belongs to one contact per organization (unique index, migration 009). A number's
 * contact does not take a user id another contact holds: that contact keeps its thread, and the
 * user's messages without a number keep going to it.
 */
function* contactFor(k: K, w: InboundWrite): Steps<string | undefined> {
  const { item } = w;
  const digits = item.from === undefined ? undefined : normalizePhone(item.from);
  const userId = item.fromUserId;
  if (digits === undefined) {
    if (userId === undefined) return undefined;
    const byUser = yield* contactByUserId(k, w.organizationId, userId);
    return byUser?.id ?? (yield* createByUserId(k, w, userId));
  }
  const found = yield* query(
    k
      .selectFrom('contacts')
      .select(['id', 'user_id'])
      .where('organization_id', '=', w.organizationId)
      .where('whatsapp_number', '=', digits),
  );
  const row = found.rows[0];
  if (row !== undefined) {
    if (row['user_id'] === null && userId !== undefined)
      yield* query(
        k
          .updateTable('contacts')
          .set({ user_id: userId, updated_at: w.now })
          .where('id', '=', row['id'] as string)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('contacts as holder')
                  .select('holder.id')
                  .where('holder.organization_id', '=', w.organizationId)
                  .where('holder.user_id', '=', userId),
              ),
            ),
          ),
      );
    return row['id'] as string;
  }
  let newUserId = userId;
  if (userId !== undefined) {
    const byUser = yield* contactByUserId(k, w.organizationId, userId);
    if (byUser?.whatsappNumber === null) {
      // First known by user id alone; now the number is known too (and no contact has it).
      yield* query(
        k
          .updateTable('contacts')
          .set({ whatsapp_number: digits, updated_at: w.now })
          .where('id', '=', byUser.id)
          .where('whatsapp_number', 'is', null),
      );
      return byUser.id;
    }
    // The user id's contact has another number (the user changed number): this number gets a
    // contact of its own, as any new number does, and the user id stays where it is.
    if (byUser !== undefined) newUserId = undefined;
  }
  const id = newId();
  yield* query(
    k.insertInto('contacts').values({
      id,
      organization_id: w.organizationId,
      whatsapp_number: digits,
      name: item.profileName ?? null,
      email: null,
      custom_fields: null,
      user_id: newUserId ?? null,
      created_at: w.now,
      updated_at: w.now,
    }),
  );
  contactCreated(w, id, digits, newUserId);
  return id;
}

function* contactByUserId(
  k: K,
  organizationId: string,
  userId: string,
): Steps<{ id: string; whatsappNumber: string | null } | undefined> {
  const found = yield* query(
    k
      .selectFrom('contacts')
      .select(['id', 'whatsapp_number'])
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId),
  );
  const row = found.rows[0];
  return row === undefined
    ? undefined
    : { id: row['id'] as string, whatsappNumber: row['whatsapp_number'] as string | null };
}

/**
 * A sender known only by user id becomes a contact without a number. Another instance may be
 * creating the same one: the insert then does nothing (the partial unique index on the user id,
 * its predicate as literal SQL so the engine can match it), and its contact is the one to use.
 */
function* createByUserId(k: K, w: InboundWrite, userId: string): Steps<string> {
  const id = newId();
  const inserted = yield* query(
    k
      .insertInto('contacts')
      .values({
        id,
        organization_id: w.organizationId,
        whatsapp_number: null,
        name: w.item.profileName ?? null,
        email: null,
        custom_fields: null,
        user_id: userId,
        created_at: w.now,
        updated_at: w.now,
      })
      .onConflict((oc) =>
        oc
          .columns(['organization_id', 'user_id'])
          .where(sql<boolean>`user_id is not null`)
          .doNothing(),
      ),
  );
  if (inserted.changes === 0) {
    const theirs = yield* contactByUserId(k, w.organizationId, userId);
    if (theirs === undefined) throw new Error(`contact with user id ${userId} conflicted but cannot be found`);
    return theirs.id;
  }
  contactCreated(w, id, null, userId);
  return id;
}

function contactCreated(w: InboundWrite, id: string, whatsappNumber: string | null, userId: string | undefined): void {
  recordEvent(w.events, {
    organizationId: w.organizationId,
    ...(w.endpoints ? { endpoints: w.endpoints } : {}),
    type: 'contact.created',
    conversationId: null,
    data: {
      source: 'inbound',
      contact: {
        id,
        whatsapp_number: whatsappNumber,
        name: w.item.profileName ?? null,
        email: null,
        custom_fields: null,
        ...(userId !== undefined ? { user_id: userId } : {}),
        created_at: w.now,
        updated_at: w.now,
      },
    },
    now: w.now,
  });
}
