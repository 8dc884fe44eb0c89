// The inbox's reads: the conversations (customer_sessions, one per contact) by last activity with
// what a list shows of each, and a conversation's messages page by page, each in the view of
// GET /api/messages/{id} (reads.ts) with its reactions and the message it replies to. Always
// within one organization: another organization's conversation is not found, as a missing one.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/database.js';
import { isId } from '../db/ids.js';
import { decodeCursor, encodeCursor } from '../lib/pagination.js';
import type { ConversationView, InboxMessageView } from './inbox-schema.js';
import { InboxSearch, searchTerms, type SearchOptions, type SessionEb } from './inbox-search.js';
import { selectMessages, type MessageReads } from './reads.js';
import { WINDOW_MS, windowOf } from './window.js';

export interface ConversationFilters {
  unread?: boolean;
  window?: 'open' | 'closed';
  failed?: boolean;
  q?: string;
}

/** A position in a listing: a time and an id, the id breaking ties between equal times. */
export type Key = readonly [string, string];

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** A cursor we handed out, or undefined: lib/pagination.ts refuses what does not decode. */
export function decodeKey(cursor: string): Key | undefined {
  const v = decodeCursor(cursor, 2);
  if (v === undefined) return undefined;
  const [at, id] = v;
  return typeof at === 'string' && ISO.test(at) && typeof id === 'string' && isId(id) ? [at, id] : undefined;
}

export const encodeKey = (k: Key): string => encodeCursor(k);

const PREVIEW_CHARS = 100;

/** The few words a list shows of a message: its text, caption, file name or emoji. */
export function previewOf(contentJson: string): string | null {
  let c: unknown;
  try {
    c = JSON.parse(contentJson);
  } catch {
    return null;
  }
  if (typeof c !== 'object' || c === null) return null;
  const o = c as Record<string, unknown>;
  const reaction = o['reaction'] as { emoji?: unknown } | undefined;
  for (const v of [o['body'], o['text'], o['caption'], o['filename'], o['emoji'], reaction?.emoji])
    if (typeof v === 'string' && v !== '') return [...v].slice(0, PREVIEW_CHARS).join('');
  return null;
}

/** A reaction as stored: Meta's removal has no emoji, ours an empty one. */
interface ReactionRow {
  direction: 'inbound' | 'outbound';
  content: string;
  context_wamid: string | null;
  created_at: string;
}

export class InboxReads {
  private readonly search: InboxSearch;

  constructor(
    private readonly db: Db,
    private readonly messages: MessageReads,
    private readonly now: () => number = Date.now,
    search: SearchOptions = {},
  ) {
    this.search = new InboxSearch(db, search);
  }

  /** The thread, if it is this organization's. */
  async thread(organizationId: string, id: string): Promise<{ id: string } | undefined> {
    return this.db.kysely
      .selectFrom('customer_sessions')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Conversations by last activity, newest first, after `after`; `limit` rows read (one more than a page). */
  async list(
    organizationId: string,
    filters: ConversationFilters,
    page: { limit: number; after?: Key },
  ): Promise<(ConversationView & { key: Key })[]> {
    const nowMs = this.now();
    const cutoff = new Date(nowMs - WINDOW_MS).toISOString();
    let q = this.db.kysely
      .selectFrom('customer_sessions as s')
      .innerJoin('contacts as c', 'c.id', 's.contact_id')
      .select([
        's.id',
        's.contact_id',
        's.last_message_at',
        's.unread_count',
        's.last_inbound_at',
        's.window_closed_at',
        'c.name',
        'c.whatsapp_number',
      ])
      .where('s.organization_id', '=', organizationId);
    if (filters.unread !== undefined) q = q.where('s.unread_count', filters.unread ? '>' : '=', 0);
    if (filters.failed !== undefined) {
      const failed = (eb: SessionEb) =>
        eb.exists(
          eb
            .selectFrom('helpdesk_messages as f')
            .select(sql.lit(1).as('one'))
            .whereRef('f.session_id', '=', 's.id')
            .where('f.status', '=', 'failed'),
        );
      q = q.where((eb) => (filters.failed ? failed(eb) : eb.not(failed(eb))));
    }
    if (filters.window !== undefined) {
      // windowOf (window.ts) in SQL: open until 24 h after the last inbound message, unless Meta
      // refused a free-form send after it (compared to the second: Meta's times are whole seconds).
      const open = (eb: SessionEb): Expression<SqlBool> =>
        eb.and([
          eb('s.last_inbound_at', '>', cutoff),
          eb.or([
            eb('s.window_closed_at', 'is', null),
            eb(sql`substr(s.window_closed_at, 1, 19)`, '<=', sql`substr(s.last_inbound_at, 1, 19)`),
          ]),
        ]);
      // A thread the customer never wrote in has no window: closed (null would make `not` unknown).
      q = q.where((eb) =>
        filters.window === 'open' ? open(eb) : eb.or([eb('s.last_inbound_at', 'is', null), eb.not(open(eb))]),
      );
    }
    if (page.after !== undefined) {
      const [at, id] = page.after;
      q = q.where((eb) =>
        eb.or([eb('s.last_message_at', '<', at), eb.and([eb('s.last_message_at', '=', at), eb('s.id', '<', id)])]),
      );
    }
    const run = (narrow?: (eb: SessionEb) => Expression<SqlBool>) =>
      (narrow ? q.where(narrow) : q)
        .orderBy('s.last_message_at', 'desc')
        .orderBy('s.id', 'desc')
        .limit(page.limit)
        .execute();
    const rows =
      filters.q === undefined
        ? await run()
        : await this.search.page(organizationId, searchTerms(filters.q), { limit: page.limit, after: page.after }, run);

    const latest = await this.latest(
      organizationId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => {
      const w = windowOf(r.last_inbound_at, r.window_closed_at, nowMs);
      const m = latest.last.get(r.id);
      return {
        key: [r.last_message_at, r.id] as const,
        id: r.id,
        contact: { id: r.contact_id, name: r.name, whatsapp_number: r.whatsapp_number },
        last_message_at: r.last_message_at,
        last_message:
          m === undefined
            ? null
            : { id: m.id, direction: m.direction, message_type: m.message_type, preview: previewOf(m.content) },
        unread_count: Number(r.unread_count),
        window: w.open
          ? { state: 'open' as const, open_until: w.endsAt, template_required: false }
          : { state: 'closed' as const, open_until: null, template_required: true },
        last_outbound_status: latest.status.get(r.id) ?? null,
      };
    });
  }

  /**
   * Each thread's latest message and our latest message's status, for the page's threads only:
   * as subqueries of the listing itself, an engine computes them for every thread it sorts.
   */
  private async latest(organizationId: string, threadIds: readonly string[]) {
    const last = new Map<
      string,
      { id: string; direction: 'inbound' | 'outbound'; message_type: string; content: string }
    >();
    const status = new Map<string, string>();
    if (threadIds.length === 0) return { last, status };
    const rows = await this.db.kysely
      .selectFrom('customer_sessions as s')
      .select('s.id')
      .select((eb) => [
        eb
          .selectFrom('helpdesk_messages as lm')
          .select('lm.id')
          .whereRef('lm.session_id', '=', 's.id')
          .orderBy('lm.created_at', 'desc')
          .orderBy('lm.id', 'desc')
          .limit(1)
          .as('last_id'),
        eb
          .selectFrom('helpdesk_messages as lo')
          .select('lo.status')
          .whereRef('lo.session_id', '=', 's.id')
          .where('lo.direction', '=', 'outbound')
          .orderBy('lo.created_at', 'desc')
          .orderBy('lo.id', 'desc')
          .limit(1)
          .as('last_outbound_status'),
      ])
      .where('s.organization_id', '=', organizationId)
      .where('s.id', 'in', threadIds)
      .execute();
    const lastIds = rows.map((r) => r.last_id).filter((id): id is string => typeof id === 'string');
    const messages =
      lastIds.length === 0
        ? []
        : await this.db.kysely
            .selectFrom('helpdesk_messages')
            .select(['id', 'session_id', 'direction', 'message_type', 'content'])
            .where('organization_id', '=', organizationId)
            .where('id', 'in', lastIds)
            .execute();
    for (const m of messages) last.set(m.session_id, m);
    for (const r of rows) if (typeof r.last_outbound_status === 'string') status.set(r.id, r.last_outbound_status);
    return { last, status };
  }

  /**
   * One page of a thread's messages, oldest first: those just before `before` (or the newest when
   * neither cursor is given), or those just after `after`. Reactions are not listed: each is drawn
   * on its target.
   */
  async page(
    organizationId: string,
    threadId: string,
    opts: { limit: number; before?: Key; after?: Key },
  ): Promise<{ data: InboxMessageView[]; older: Key | null; newer: Key | null; hasNewer: boolean }> {
    let q = selectMessages(this.db, organizationId)
      .where('m.session_id', '=', threadId)
      .where('m.message_type', '<>', 'reaction');
    const forward = opts.after !== undefined;
    if (opts.after !== undefined) {
      const [at, id] = opts.after;
      q = q.where((eb) =>
        eb.or([eb('m.created_at', '>', at), eb.and([eb('m.created_at', '=', at), eb('m.id', '>', id)])]),
      );
    } else if (opts.before !== undefined) {
      const [at, id] = opts.before;
      q = q.where((eb) =>
        eb.or([eb('m.created_at', '<', at), eb.and([eb('m.created_at', '=', at), eb('m.id', '<', id)])]),
      );
    }
    const dir = forward ? 'asc' : 'desc';
    const read = await q
      .orderBy('m.created_at', dir)
      .orderBy('m.id', dir)
      .limit(opts.limit + 1)
      .execute();
    const more = read.length > opts.limit;
    const rows = read.slice(0, opts.limit);
    if (!forward) rows.reverse();
    const first = rows[0];
    const lastRow = rows[rows.length - 1];
    const keyOf = (r: { created_at: string; id: string }): Key => [r.created_at, r.id];

    const views = await this.messages.views(organizationId, rows);
    const [reactions, replies] = await Promise.all([
      this.reactions(organizationId, threadId, views),
      this.replyTargets(organizationId, views),
    ]);
    const data = views.map((v) => ({
      ...v,
      reactions: (v.whatsapp_message_id !== null ? reactions.get(v.whatsapp_message_id) : undefined) ?? [],
      reply_to:
        v.context_message_id === null
          ? null
          : { id: replies.get(v.context_message_id) ?? null, whatsapp_message_id: v.context_message_id },
    }));
    if (forward)
      return {
        data,
        // Older than this page: at least the message the client's cursor names.
        older: first !== undefined ? keyOf(first) : opts.after!,
        newer: lastRow !== undefined ? keyOf(lastRow) : opts.after!,
        hasNewer: more,
      };
    return {
      data,
      older: more && first !== undefined ? keyOf(first) : null,
      newer: lastRow !== undefined ? keyOf(lastRow) : null,
      hasNewer: opts.before !== undefined && lastRow !== undefined,
    };
  }

  /**
   * The reactions on the page's messages now, by target wamid: per side, the latest reaction
   * counts, and one without an emoji takes the side's reaction back. Inbound reactions name their
   * target in context_wamid; ours keep it in the send request, so the thread's outbound reactions
   * are read whole (there are few).
   */
  private async reactions(
    organizationId: string,
    threadId: string,
    views: readonly { whatsapp_message_id: string | null }[],
  ): Promise<Map<string, InboxMessageView['reactions']>> {
    const targets = views.map((v) => v.whatsapp_message_id).filter((w): w is string => w !== null);
    const out = new Map<string, InboxMessageView['reactions']>();
    if (targets.length === 0) return out;
    const rows: ReactionRow[] = await this.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['direction', 'content', 'context_wamid', 'created_at'])
      .where('organization_id', '=', organizationId)
      .where('session_id', '=', threadId)
      .where('message_type', '=', 'reaction')
      .where((eb) =>
        eb.or([
          eb.and([eb('direction', '=', 'inbound'), eb('context_wamid', 'in', targets)]),
          eb.and([eb('direction', '=', 'outbound'), eb('status', '<>', 'failed')]),
        ]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const wanted = new Set(targets);
    // target → side → the side's current reaction (or undefined once taken back)
    const current = new Map<string, Map<'customer' | 'business', { emoji: string; at: string } | undefined>>();
    for (const r of rows) {
      const c = JSON.parse(r.content) as { emoji?: unknown; reaction?: { message_id?: unknown; emoji?: unknown } };
      const inbound = r.direction === 'inbound';
      const target = inbound ? r.context_wamid : c.reaction?.message_id;
      if (typeof target !== 'string' || !wanted.has(target)) continue;
      const emoji = inbound ? c.emoji : c.reaction?.emoji;
      let sides = current.get(target);
      if (sides === undefined)
        current.set(target, (sides = new Map<'customer' | 'business', { emoji: string; at: string } | undefined>()));
      sides.set(
        inbound ? 'customer' : 'business',
        typeof emoji === 'string' && emoji !== '' ? { emoji, at: r.created_at } : undefined,
      );
    }
    for (const [target, sides] of current) {
      const list: InboxMessageView['reactions'] = [];
      for (const [from, r] of sides) if (r !== undefined) list.push({ emoji: r.emoji, from, at: r.at });
      list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      out.set(target, list);
    }
    return out;
  }

  /** Our id of each message the page's messages reply to, by wamid (one of this organization's). */
  private async replyTargets(
    organizationId: string,
    views: readonly { context_message_id: string | null }[],
  ): Promise<Map<string, string>> {
    const wamids = [...new Set(views.map((v) => v.context_message_id).filter((w): w is string => w !== null))];
    if (wamids.length === 0) return new Map();
    const rows = await this.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'whatsapp_message_id'])
      .where('organization_id', '=', organizationId)
      .where('whatsapp_message_id', 'in', wamids)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const out = new Map<string, string>();
    for (const r of rows)
      if (r.whatsapp_message_id !== null && !out.has(r.whatsapp_message_id)) out.set(r.whatsapp_message_id, r.id);
    return out;
  }

  /** Clears the unread count; the customer's latest message, for the read receipt. */
  async markRead(organizationId: string, threadId: string): Promise<string | null> {
    await this.db.kysely
      .updateTable('customer_sessions')
      .set({ unread_count: 0 })
      .where('organization_id', '=', organizationId)
      .where('id', '=', threadId)
      .execute();
    const last = await this.db.kysely
      .selectFrom('helpdesk_messages')
      .select('whatsapp_message_id')
      .where('organization_id', '=', organizationId)
      .where('session_id', '=', threadId)
      .where('direction', '=', 'inbound')
      // Not a reaction, revoke or WhatsApp's system notice: the customer's own message.
      .where('message_type', 'not in', ['reaction', 'revoke', 'system'])
      .where('whatsapp_message_id', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return last?.whatsapp_message_id ?? null;
  }
}
