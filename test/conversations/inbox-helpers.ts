// Fixtures for the inbox API's tests: a gateway on a fresh database beside a Meta simulator that
// knows each seeded organization's phone, inbound messages as Meta's webhooks bring them, sent
// messages as the send path leaves them, and small clients for the three routes.
import { startMetaSim, type MetaSimReadReceipts, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { bearer, startGateway, type TestGateway } from '../helpers/app.js';
import type { EngineName } from '../helpers/db.js';
import { deliver, envelope, seedApp, seedWebhookTenant, status, type WebhookTenant } from '../inbound/helpers.js';

/** seedTenant's token: the simulator is told it for each phone. */
const TOKEN = 'EAAG-test-token-abcdef';

export interface InboxFixture {
  gw: TestGateway;
  sim: MetaSimWithWebhooks & MetaSimReadReceipts;
  /** A new organization whose phone the simulator knows (`known: false`: one it does not). */
  tenant(opts?: { known?: boolean }): Promise<WebhookTenant>;
  close(): Promise<void>;
}

export async function startInbox(engine: EngineName): Promise<InboxFixture> {
  const sim = await startMetaSim({ phones: {} });
  const gw = await startGateway(engine, {
    META_GRAPH_URL: sim.url,
    META_RETRY_BUDGET_MS: '500',
    RATE_LIMIT_PER_KEY: '0',
  });
  await seedApp(gw);
  return {
    gw,
    sim,
    tenant: async (opts = {}) => {
      const t = await seedWebhookTenant(gw);
      if (opts.known !== false) sim.addPhone(t.phoneNumberId, TOKEN);
      return t;
    },
    close: async () => {
      await gw.close();
      await sim.close();
    },
  };
}

let seq = 0;
export const wamid = () => `wamid.inbox${process.pid}x${++seq}`;
/** Seconds since the epoch, as Meta's timestamps. */
export const nowS = () => Math.floor(Date.now() / 1000);
/** Long ago: any window opened then is closed now. */
export const T0 = 1_764_000_000;
export const iso = (s: number) => new Date(s * 1000).toISOString();

export interface Inbound {
  from: string;
  at: number;
  /** Defaults to a text message with this body. */
  body?: string;
  name?: string;
  w?: string;
  /** The whole message object's type-specific part, instead of a text. */
  fields?: Record<string, unknown>;
  type?: string;
  context?: string;
}

/** One customer message through the webhook; its wamid. */
export async function inbound(gw: TestGateway, t: WebhookTenant, m: Inbound): Promise<string> {
  const w = m.w ?? wamid();
  const type = m.type ?? 'text';
  await deliver(
    gw,
    envelope(t.phoneNumberId, {
      contacts: [{ profile: { name: m.name ?? `Customer ${m.from}` }, wa_id: m.from }],
      messages: [
        {
          from: m.from,
          id: w,
          timestamp: String(m.at),
          type,
          ...(m.fields ?? { text: { body: m.body ?? 'hello' } }),
          ...(m.context !== undefined ? { context: { from: '15550001111', id: m.context } } : {}),
        },
      ],
    }),
  );
  return w;
}

/** A reaction of the customer on `target` (no emoji: taken back). */
export function react(gw: TestGateway, t: WebhookTenant, from: string, target: string, at: number, emoji?: string) {
  return inbound(gw, t, {
    from,
    at,
    type: 'reaction',
    fields: { reaction: { message_id: target, ...(emoji !== undefined ? { emoji } : {}) } },
  });
}

/** Our message to a contact, accepted by Meta with `w`; its id. */
export async function outbound(
  gw: TestGateway,
  t: WebhookTenant,
  contactId: string,
  w: string,
  content: Record<string, unknown> = { message_type: 'text', text: 'hi there' },
  messageType = 'text',
): Promise<string> {
  const { id } = await gw.ctx.messages.createPending({
    organizationId: t.organizationId,
    contactId,
    messageType,
    content,
    mediaUrl: null,
    requestId: null,
  });
  await gw.ctx.messages.markSent(id, w);
  return id;
}

export async function statuses(gw: TestGateway, t: WebhookTenant, items: ReturnType<typeof status>[]): Promise<void> {
  await deliver(gw, envelope(t.phoneNumberId, { statuses: items }));
}

export async function threadOf(
  gw: TestGateway,
  t: WebhookTenant,
  number: string,
): Promise<{ id: string; contactId: string }> {
  const row = await gw.ctx.db.kysely
    .selectFrom('customer_sessions as s')
    .innerJoin('contacts as c', 'c.id', 's.contact_id')
    .select(['s.id', 's.contact_id'])
    .where('s.organization_id', '=', t.organizationId)
    .where('c.whatsapp_number', '=', number)
    .executeTakeFirstOrThrow();
  return { id: row.id, contactId: row.contact_id };
}

export function api(gw: TestGateway, t: WebhookTenant) {
  const q = (query: Record<string, string>) => new URLSearchParams({ tenantId: t.slug, ...query }).toString();
  return {
    list: (query: Record<string, string> = {}) =>
      gw.app.inject({ method: 'GET', url: `/api/conversations?${q(query)}`, headers: bearer(t.key) }),
    messages: (id: string, query: Record<string, string> = {}) =>
      gw.app.inject({
        method: 'GET',
        url: `/api/conversations/${encodeURIComponent(id)}/messages?${q(query)}`,
        headers: bearer(t.key),
      }),
    read: (id: string, query: Record<string, string> = {}) =>
      gw.app.inject({
        method: 'POST',
        url: `/api/conversations/${encodeURIComponent(id)}/read?${q(query)}`,
        headers: bearer(t.key),
      }),
  };
}

/** Every page of the list, following next_cursor. */
export async function wholeList(
  gw: TestGateway,
  t: WebhookTenant,
  query: Record<string, string>,
): Promise<{ id: string; [k: string]: unknown }[]> {
  const out: { id: string }[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res = await api(gw, t).list({ ...query, ...(cursor !== null ? { cursor } : {}) });
    if (res.statusCode !== 200) throw new Error(`list answered ${res.statusCode}: ${res.body}`);
    const body = res.json<{ data: { id: string }[]; next_cursor: string | null }>();
    out.push(...body.data);
    cursor = body.next_cursor;
    if (cursor === null) return out;
  }
  throw new Error('the list did not end');
}

export { status };
