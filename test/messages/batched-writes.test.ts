// The send path's batched writes (messages/send-writes.ts): many concurrent messages, several to the
// same thread, land in few transactions and leave exactly the rows one-at-a-time writes would.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe.each(ENGINES)('batched send-path writes on %s', (engine) => {
  let gw: TestGateway;
  let t: Tenant;
  const contactIds: string[] = [];
  beforeAll(async () => {
    gw = await startGateway(engine);
    t = await seedTenant(gw.ctx, { phone: '+27 82 000 0000' });
    contactIds.push(t.contactId);
    for (const n of ['+27820000001', '+27820000002']) contactIds.push((await gw.ctx.contacts.create(t.organizationId, { phone_number: n })).id);
  });
  afterAll(async () => gw.close());

  it('writes every pending row with its thread, counts each thread once per message, then marks them sent', async () => {
    // 60 messages at once, round-robin over three contacts: one batch holds several per thread.
    const plan = Array.from({ length: 60 }, (_, i) => contactIds[i % 3]!);
    const rows = await Promise.all(
      plan.map((contactId, i) => gw.ctx.messages.createPending({ organizationId: t.organizationId, contactId, messageType: 'text', content: { n: i }, mediaUrl: null, requestId: `req-${i}` })),
    );
    expect(new Set(rows.map((r) => r.id)).size).toBe(60);

    const sessions = await gw.ctx.db.kysely.selectFrom('customer_sessions').selectAll().where('organization_id', '=', t.organizationId).execute();
    expect(sessions).toHaveLength(3);
    for (const s of sessions) expect(Number(s.message_count)).toBe(20);
    // Each message points at its own contact's thread.
    const threadOf = new Map(sessions.map((s) => [s.contact_id, s.id]));
    rows.forEach((r, i) => expect(r.sessionId).toBe(threadOf.get(plan[i]!)));

    const pending = await gw.ctx.db.kysely.selectFrom('helpdesk_messages').selectAll().where('organization_id', '=', t.organizationId).execute();
    expect(pending).toHaveLength(60);
    for (const m of pending) {
      expect(m).toMatchObject({ status: 'pending', direction: 'outbound', message_type: 'text', whatsapp_message_id: null });
      const i = Number(m.request_id!.slice(4));
      expect(JSON.parse(m.content)).toEqual({ n: i });
      expect(m.contact_id).toBe(plan[i]);
      expect(m.session_id).toBe(threadOf.get(plan[i]!));
    }

    // Sends and new pending rows interleaved: one batch may hold both kinds.
    await Promise.all([
      ...rows.map((r, i) => gw.ctx.messages.markSent(r.id, `wamid.batch-${i}`)),
      gw.ctx.messages.createPending({ organizationId: t.organizationId, contactId: contactIds[0]!, messageType: 'text', content: { n: 60 }, mediaUrl: null, requestId: 'req-60' }),
    ]);
    const after = await gw.ctx.db.kysely.selectFrom('helpdesk_messages').select(['id', 'status', 'whatsapp_message_id', 'request_id']).where('organization_id', '=', t.organizationId).execute();
    const byId = new Map(after.map((m) => [m.id, m]));
    rows.forEach((r, i) => expect(byId.get(r.id)).toMatchObject({ status: 'sent', whatsapp_message_id: `wamid.batch-${i}` }));
    expect(after.filter((m) => m.status === 'pending').map((m) => m.request_id)).toEqual(['req-60']);
    const first = await gw.ctx.db.kysely.selectFrom('customer_sessions').select('message_count').where('contact_id', '=', contactIds[0]!).executeTakeFirstOrThrow();
    expect(Number(first.message_count)).toBe(21);
  });

  it('fails every write of a batch that cannot commit, and leaves none of them', async () => {
    const good = gw.ctx.messages.createPending({ organizationId: t.organizationId, contactId: contactIds[1]!, messageType: 'text', content: {}, mediaUrl: null, requestId: 'good' });
    const bad = gw.ctx.messages.createPending({ organizationId: t.organizationId, contactId: 'no-such-contact', messageType: 'text', content: {}, mediaUrl: null, requestId: 'bad' });
    const [g, b] = await Promise.allSettled([good, bad]);
    expect(g.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    const left = await gw.ctx.db.kysely.selectFrom('helpdesk_messages').select('id').where('request_id', 'in', ['good', 'bad']).execute();
    expect(left).toHaveLength(0);
  });
});

describe('message indexes (migration 002)', () => {
  it('finds unsettled rows through the partial index on SQLite, as the startup sweep and `messages pending` query them', async () => {
    const gw = await startGateway('sqlite');
    try {
      const plan = (q: string) => JSON.stringify(gw.ctx.db.sqlite!.prepare(`explain query plan ${q}`).all('unknown', 'pending', '2026'));
      const sweep = gw.ctx.db.kysely.updateTable('helpdesk_messages').set({ status: 'unknown' }).where(sql<boolean>`status in ('pending', 'unknown')`).where('status', '=', 'pending').where('created_at', '<', '2026').compile();
      expect(plan(sweep.sql)).toContain('USING INDEX helpdesk_messages_unsettled');
      const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'helpdesk_messages'`.execute(gw.ctx.db.kysely)).rows.map((r) => r.name);
      expect(names.filter((n) => !n.startsWith('sqlite_autoindex')).sort()).toEqual(['helpdesk_messages_session_time', 'helpdesk_messages_unsettled']);
    } finally {
      await gw.close();
    }
  });
});
