// One message as the API shows it (GET /api/messages/{id}): the helpdesk_messages row, its
// contact, its media signed now from the stored key, and its status history from
// message_statuses, oldest first. Always within one organization: another organization's message
// is not found, exactly like a message that does not exist.
import type { Db } from '../db/database.js';
import type { MediaSigner } from '../media/signing.js';
import { isMediaKey } from '../media/storage/types.js';
import type { MessageView } from './schema.js';

export type MessageRef = { id: string } | { wamid: string };

type StatusEvent = MessageView['statuses'][number];
type MediaView = NonNullable<MessageView['media']>;
type JsonObject = Record<string, unknown> | null;

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

// Keys under these hold JSON kept as Meta sent it (a referral, a value of a type we do not know):
// left exactly as they are.
const VERBATIM = new Set(['referral', 'value']);

/**
 * The inbound parser's normalised objects (responseJson, pricingModel, expiresAt …) with the API's
 * snake_case keys (response_json, pricing_model, expires_at), the case of every other field.
 */
function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    const key = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[key] = VERBATIM.has(k) ? child : snakeKeys(child);
  }
  return out;
}

/** The wamid an outbound message replies to, or the one its reaction is on (as inbound rows keep it). */
function outboundContext(content: unknown): string | null {
  if (typeof content !== 'object' || content === null) return null;
  const c = content as { context_message_id?: unknown; reaction?: { message_id?: unknown } };
  if (typeof c.context_message_id === 'string' && c.context_message_id !== '') return c.context_message_id;
  if (typeof c.reaction?.message_id === 'string') return c.reaction.message_id;
  return null;
}

// Meta's order of statuses, for those reported in the same second.
const RANK: Readonly<Record<string, number>> = { sent: 1, delivered: 2, read: 3, played: 4, failed: 5 };

/** Messages of one organization with their contact: what MessageReads.views shows. */
export function selectMessages(db: Db, organizationId: string) {
  return db.kysely
    .selectFrom('helpdesk_messages as m')
    .innerJoin('contacts as c', 'c.id', 'm.contact_id')
    .selectAll('m')
    .select(['c.whatsapp_number as contact_number', 'c.name as contact_name'])
    .where('m.organization_id', '=', organizationId);
}

export type MessageRow = Awaited<ReturnType<ReturnType<typeof selectMessages>['executeTakeFirstOrThrow']>>;

export class MessageReads {
  constructor(
    private readonly db: Db,
    private readonly signer: MediaSigner,
  ) {}

  async find(organizationId: string, ref: MessageRef): Promise<MessageView | undefined> {
    let q = selectMessages(this.db, organizationId);
    q =
      'id' in ref
        ? q.where('m.id', '=', ref.id)
        : q.where('m.whatsapp_message_id', '=', ref.wamid).orderBy('m.created_at').orderBy('m.id');
    const row = await q.limit(1).executeTakeFirst();
    if (!row) return undefined;
    const [view] = await this.views(organizationId, [row]);
    return view;
  }

  /**
   * Rows of selectMessages as the API shows them, in the same order: the status histories of all
   * of them read in one query (the inbox shows a page of messages at a time).
   */
  async views(organizationId: string, rows: readonly MessageRow[]): Promise<MessageView[]> {
    const wamids = rows
      .filter((r) => r.direction === 'outbound' && r.whatsapp_message_id !== null)
      .map((r) => r.whatsapp_message_id!);
    const histories =
      wamids.length === 0 ? new Map<string, StatusEvent[]>() : await this.history(organizationId, wamids);
    return rows.map((row) =>
      this.view(
        row,
        row.direction === 'outbound' && row.whatsapp_message_id !== null
          ? (histories.get(row.whatsapp_message_id) ?? [])
          : [],
      ),
    );
  }

  private view(row: MessageRow, statuses: StatusEvent[]): MessageView {
    const content = parse(row.content);
    const inbound = row.direction === 'inbound';
    return {
      id: row.id,
      whatsapp_message_id: row.whatsapp_message_id,
      direction: row.direction,
      message_type: row.message_type,
      // The window matters to outbound messages only: a template is always delivered.
      kind: inbound ? null : row.message_type === 'template' ? 'template' : 'free_form',
      window_ends_at: row.window_ends_at,
      content: inbound ? snakeKeys(content) : content,
      contact: { id: row.contact_id, whatsapp_number: row.contact_number, name: row.contact_name },
      status: row.status,
      status_at: row.status_at,
      error:
        row.error_code === null
          ? null
          : { code: row.error_code, message: row.error_message, details: snakeKeys(parse(row.error_details)) },
      pricing: snakeKeys(parse(row.pricing)) as JsonObject,
      conversation: snakeKeys(parse(row.conversation)) as JsonObject,
      media: this.media(row.media_url, row.media_status),
      context_message_id: inbound ? row.context_wamid : outboundContext(content),
      request_id: row.request_id,
      created_at: row.created_at,
      updated_at: row.updated_at,
      statuses,
    };
  }

  /** Meta's statuses for each message, oldest first by Meta's time. */
  private async history(organizationId: string, wamids: readonly string[]): Promise<Map<string, StatusEvent[]>> {
    const rows = await this.db.kysely
      .selectFrom('message_statuses')
      .select(['whatsapp_message_id', 'status', 'occurred_at', 'errors', 'received_at'])
      .where('organization_id', '=', organizationId)
      .where('whatsapp_message_id', 'in', wamids)
      .execute();
    rows.sort(
      (a, b) =>
        cmp(a.occurred_at, b.occurred_at) ||
        (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9) ||
        cmp(a.received_at, b.received_at),
    );
    const out = new Map<string, StatusEvent[]>();
    for (const r of rows) {
      let list = out.get(r.whatsapp_message_id);
      if (list === undefined) out.set(r.whatsapp_message_id, (list = []));
      list.push({
        status: r.status,
        occurred_at: r.occurred_at,
        errors: r.errors === null ? null : (snakeKeys(JSON.parse(r.errors)) as Record<string, unknown>[]),
      });
    }
    return out;
  }

  /** The stored key signed now; the key itself never leaves the gateway. */
  private media(key: string | null, status: string | null): MediaView | null {
    if (key === null && status === null) return null;
    if (key !== null && isMediaKey(key)) {
      const url = this.signer.url(key);
      const exp = Number(new URL(url).searchParams.get('exp'));
      return { status: 'stored', url, expires_at: new Date(exp * 1000).toISOString() };
    }
    return { status: status === 'pending' ? 'pending' : 'failed', url: null, expires_at: null };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
