// Statuses from Meta's webhooks → message_statuses (the history) and helpdesk_messages (the
// current status). Written as steps (db/steps.ts) so one copy serves both engines.
import { sql, type Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { recordEvent, type EventBatch, type SubscribedEndpoint } from '../events/outbox.js';
import { query, type Steps } from '../db/steps.js';
import type { Database } from '../db/types.js';
import type { StatusItem } from '../meta/webhook-items.js';
import type { ChangeSet } from '../live/change.js';
import { statusesReplacedBy } from './status-order.js';
import { closeWindowOnStatus, OUTSIDE_WINDOW_CODE } from './window.js';

type K = Kysely<Database>;

/**
 * applied: the message took it; kept: in the history, the message already past it (or a value we
 * do not act on); waiting: no message has this wamid yet; duplicate: seen before, nothing changed.
 */
export type StatusOutcome = 'applied' | 'kept' | 'waiting' | 'duplicate';

export interface StatusWrite {
  organizationId: string;
  /** The organization's enabled endpoints, read before the transaction (events/outbox.ts). */
  endpoints?: readonly SubscribedEndpoint[];
  /** Where the event of an applied status goes (written at the transaction's end). */
  events: EventBatch;
  /** Where the inbox's change hint of an applied status goes (published after the commit). */
  live?: ChangeSet;
  item: StatusItem;
  receiptId: string;
  now: string;
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

export function* writeStatus(k: K, w: StatusWrite): Steps<StatusOutcome> {
  const { item } = w;
  // Recorded as applied at once (the common case: its message is there), and set back to waiting
  // below if it is not: one statement fewer per status than recording it first and marking it after.
  const inserted = yield* query(
    k
      .insertInto('message_statuses')
      .values({
        id: newId(),
        organization_id: w.organizationId,
        whatsapp_message_id: item.wamid,
        status: item.status,
        occurred_at: item.timestamp,
        received_at: w.now,
        recipient_id: item.recipientId ?? null,
        errors: item.errors.length > 0 ? JSON.stringify(item.errors) : null,
        conversation: json(item.conversation),
        pricing: json(item.pricing),
        receipt_id: w.receiptId,
        applied_at: w.now,
      })
      .onConflict((oc) => oc.columns(['organization_id', 'whatsapp_message_id', 'status']).doNothing()),
  );
  if (inserted.changes === 0) return 'duplicate';
  const s: RecordedStatus = {
    organizationId: w.organizationId,
    wamid: item.wamid,
    status: item.status,
    occurredAt: item.timestamp,
    errors: item.errors.length > 0 ? JSON.stringify(item.errors) : null,
    conversation: json(item.conversation),
    pricing: json(item.pricing),
    now: w.now,
    events: w.events,
    ...(w.endpoints ? { endpoints: w.endpoints } : {}),
    ...(w.live ? { live: w.live } : {}),
  };
  const outcome = yield* applyToMessage(k, s);
  if (outcome === 'waiting') yield* markApplied(k, s, null);
  else if (item.recipientUserId !== undefined)
    yield* learnUserId(k, w.organizationId, item.wamid, item.recipientUserId);
  return outcome;
}

interface RecordedStatus {
  organizationId: string;
  wamid: string;
  status: string;
  occurredAt: string;
  errors: string | null;
  conversation: string | null;
  pricing: string | null;
  now: string;
  events: EventBatch;
  endpoints?: readonly SubscribedEndpoint[];
  live?: ChangeSet;
}

/**
 * Meta's business-scoped user id of the recipient, from a status, onto the message's contact when
 * it has none, unless another contact of the organization already holds it (the id is unique per
 * organization: a changed number keeps it on the first contact, as inbound messages do).
 */
function* learnUserId(k: K, organizationId: string, wamid: string, userId: string): Steps<void> {
  yield* query(
    k
      .updateTable('contacts')
      .set({ user_id: userId })
      .where('user_id', 'is', null)
      .where(
        'id',
        '=',
        k
          .selectFrom('helpdesk_messages')
          .select('contact_id')
          .where('organization_id', '=', organizationId)
          .where('whatsapp_message_id', '=', wamid)
          .where('direction', '=', 'outbound')
          .limit(1),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('contacts as other')
              .select('other.id')
              .where('other.organization_id', '=', organizationId)
              .where('other.user_id', '=', userId),
          ),
        ),
      ),
  );
}

function* markApplied(k: K, s: RecordedStatus, at: string | null): Steps<void> {
  yield* query(
    k
      .updateTable('message_statuses')
      .set({ applied_at: at })
      .where('organization_id', '=', s.organizationId)
      .where('whatsapp_message_id', '=', s.wamid)
      .where('status', '=', s.status),
  );
}

function firstError(errors: string | null): { code: string; message: string } | undefined {
  if (errors === null) return undefined;
  const [e] = JSON.parse(errors) as { code?: number; title?: string; message?: string }[];
  if (e === undefined) return undefined;
  return { code: e.code === undefined ? 'unknown' : String(e.code), message: e.title ?? e.message ?? 'failed' };
}

const MESSAGE = ['id', 'session_id', 'contact_id', 'created_at'] as const;

/**
 * Applies a recorded status to its outbound message, if one has the wamid. The common case (the
 * status moves the message forward) is one update that finds and changes the message; only
 * otherwise is the message looked up.
 */
function* applyToMessage(k: K, s: RecordedStatus): Steps<StatusOutcome> {
  const cost = {
    pricing: sql<string>`coalesce(${s.pricing}, pricing)`,
    conversation: sql<string>`coalesce(${s.conversation}, conversation)`,
  };
  const hasCost = s.pricing !== null || s.conversation !== null;
  let row: Record<string, unknown> | undefined;
  const replaces = statusesReplacedBy(s.status);
  if (replaces.length > 0) {
    const error = s.status === 'failed' ? firstError(s.errors) : undefined;
    const updated = yield* query(
      k
        .updateTable('helpdesk_messages')
        .set({
          status: s.status as 'sent',
          status_at: s.occurredAt,
          updated_at: s.now,
          ...(s.status === 'failed'
            ? { error_code: error?.code ?? null, error_message: error?.message ?? null, error_details: s.errors }
            : {}),
          // Cost reporting: the latest pricing and conversation Meta sent, whatever the order.
          ...(hasCost ? cost : {}),
        })
        .where('organization_id', '=', s.organizationId)
        .where('whatsapp_message_id', '=', s.wamid)
        .where('direction', '=', 'outbound')
        .where('status', 'in', replaces)
        .returning(MESSAGE),
    );
    row = updated.rows[0];
  }
  if (row === undefined) {
    const found = yield* query(
      k
        .selectFrom('helpdesk_messages')
        .select(['id'])
        .where('organization_id', '=', s.organizationId)
        .where('whatsapp_message_id', '=', s.wamid)
        .where('direction', '=', 'outbound'),
    );
    const id = found.rows[0]?.['id'] as string | undefined;
    if (id === undefined) return 'waiting';
    // The send's answer already made the row `sent`, without Meta's time: the `sent` webhook gives
    // it, and is the `sent` event a receiver waits for. Otherwise only the cost is kept.
    const timed = yield* query(
      k
        .updateTable('helpdesk_messages')
        .set({
          status_at: s.occurredAt,
          updated_at: s.now,
          ...(hasCost ? cost : {}),
        })
        .where('id', '=', id)
        .where('status', '=', s.status as 'sent')
        .where('status_at', 'is', null)
        .returning(MESSAGE),
    );
    row = timed.rows[0];
    if (row === undefined) {
      if (hasCost) yield* query(k.updateTable('helpdesk_messages').set(cost).where('id', '=', id));
      return 'kept';
    }
  }
  // A 131047: the thread's window was closed when this message was sent (conversations/window.ts).
  if (s.status === 'failed' && firstError(s.errors)?.code === String(OUTSIDE_WINDOW_CODE))
    yield* closeWindowOnStatus(k, row['session_id'] as string, row['created_at'] as string);
  // Only a status that moved the message is an event: one kept behind a later one would reach the
  // receiver out of order (a `delivered` after its `read`).
  const id = row['id'] as string;
  recordEvent(s.events, {
    organizationId: s.organizationId,
    type: 'message.status',
    conversationId: row['session_id'] as string,
    ...(s.endpoints ? { endpoints: s.endpoints } : {}),
    data: {
      message_id: id,
      whatsapp_message_id: s.wamid,
      contact_id: row['contact_id'],
      status: s.status,
      timestamp: s.occurredAt,
      ...(s.errors !== null ? { errors: JSON.parse(s.errors) as unknown } : {}),
      ...(s.pricing !== null ? { pricing: JSON.parse(s.pricing) as unknown } : {}),
      ...(s.conversation !== null ? { conversation: JSON.parse(s.conversation) as unknown } : {}),
    },
    now: s.now,
  });
  s.live?.add({
    organization_id: s.organizationId,
    conversation_id: row['session_id'] as string,
    kind: 'status',
    message_id: id,
  });
  return 'applied';
}

const RANK: Readonly<Record<string, number>> = { sent: 1, delivered: 2, read: 3, played: 4, failed: 5 };

/**
 * Statuses that arrived before their message had its wamid (the send's answer was still being
 * written, or the message was sent by the CLI's resolve later), applied now that it has one; in
 * the order of the status chain, so a waiting `sent` and `read` end as read. Gives up on a status
 * after `maxAgeDays` (Meta's own retry window): it stays in the history, unapplied. The inbox's
 * hints of those applied go to `live`.
 */
export function* applyWaitingStatuses(
  k: K,
  events: EventBatch,
  now: string,
  limit: number,
  maxAgeDays = 7,
  live?: ChangeSet,
): Steps<number> {
  const since = new Date(Date.parse(now) - maxAgeDays * 86_400_000).toISOString();
  const waiting = yield* query(
    k
      .selectFrom('message_statuses as s')
      .innerJoin('helpdesk_messages as m', (j) =>
        j
          .onRef('m.organization_id', '=', 's.organization_id')
          .onRef('m.whatsapp_message_id', '=', 's.whatsapp_message_id')
          .on('m.direction', '=', 'outbound'),
      )
      .select([
        's.organization_id',
        's.whatsapp_message_id',
        's.status',
        's.occurred_at',
        's.errors',
        's.conversation',
        's.pricing',
      ])
      .where('s.applied_at', 'is', null)
      .where('s.received_at', '>', since)
      .orderBy('s.received_at')
      .limit(limit),
  );
  const rows = waiting.rows.sort((a, b) => (RANK[a['status'] as string] ?? 9) - (RANK[b['status'] as string] ?? 9));
  for (const r of rows) {
    const recorded: RecordedStatus = {
      organizationId: r['organization_id'] as string,
      wamid: r['whatsapp_message_id'] as string,
      status: r['status'] as string,
      occurredAt: r['occurred_at'] as string,
      errors: r['errors'] as string | null,
      conversation: r['conversation'] as string | null,
      pricing: r['pricing'] as string | null,
      now,
      events,
      ...(live ? { live } : {}),
    };
    if ((yield* applyToMessage(k, recorded)) !== 'waiting') yield* markApplied(k, recorded, now);
  }
  return rows.length;
}
