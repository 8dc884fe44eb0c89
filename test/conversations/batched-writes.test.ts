// The send path's batched writes (conversations/writes.ts): many concurrent messages, several to the
// same thread, land in few transactions and leave exactly the rows one-at-a-time writes would.
import { sql } from 'kysely';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_VARIANTS } from '../helpers/db.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe.each(SEND_VARIANTS)('batched send-path writes on %s', (_name, engine, opts) => {
  let gw: TestGateway;
  let t: Tenant;
  const contactIds: string[] = [];
  beforeAll(async () => {
    gw = await startGateway(engine, {}, undefined, opts);
    t = await seedTenant(gw.ctx, { phone: '+27 82 000 0000' });
    contactIds.push(t.contactId);
    for (const n of ['+27820000001', '+27820000002'])
      contactIds.push((await gw.ctx.contacts.create(t.organizationId, { phone_number: n })).id);
  });
  afterAll(async () => gw.close());

  it('writes every pending row with its thread, counts each thread once per message, then marks them sent', async () => {
    // 60 messages at once, round-robin over three contacts: one batch holds several per thread.
    const plan = Array.from({ length: 60 }, (_, i) => contactIds[i % 3]!);
    const rows = await Promise.all(
      plan.map((contactId, i) =>
        gw.ctx.messages.createPending({
          organizationId: t.organizationId,
          contactId,
          messageType: 'text',
          content: { n: i },
          mediaUrl: null,
          requestId: `req-${i}`,
        }),
      ),
    );
    expect(new Set(rows.map((r) => r.id)).size).toBe(60);

    const sessions = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .selectAll()
      .where('organization_id', '=', t.organizationId)
      .execute();
    expect(sessions).toHaveLength(3);
    for (const s of sessions) expect(Number(s.message_count)).toBe(20);
    // Each message points at its own contact's thread.
    const threadOf = new Map(sessions.map((s) => [s.contact_id, s.id]));
    rows.forEach((r, i) => expect(r.sessionId).toBe(threadOf.get(plan[i]!)));

    const pending = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('organization_id', '=', t.organizationId)
      .execute();
    expect(pending).toHaveLength(60);
    for (const m of pending) {
      expect(m).toMatchObject({
        status: 'pending',
        direction: 'outbound',
        message_type: 'text',
        whatsapp_message_id: null,
      });
      const i = Number(m.request_id!.slice(4));
      expect(JSON.parse(m.content)).toEqual({ n: i });
      expect(m.contact_id).toBe(plan[i]);
      expect(m.session_id).toBe(threadOf.get(plan[i]!));
    }

    // Sends and new pending rows interleaved: one batch may hold both kinds.
    await Promise.all([
      ...rows.map((r, i) => gw.ctx.messages.markSent(r.id, `wamid.batch-${i}`)),
      gw.ctx.messages.createPending({
        organizationId: t.organizationId,
        contactId: contactIds[0]!,
        messageType: 'text',
        content: { n: 60 },
        mediaUrl: null,
        requestId: 'req-60',
      }),
    ]);
    const after = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'status', 'whatsapp_message_id', 'request_id'])
      .where('organization_id', '=', t.organizationId)
      .execute();
    const byId = new Map(after.map((m) => [m.id, m]));
    rows.forEach((r, i) =>
      expect(byId.get(r.id)).toMatchObject({ status: 'sent', whatsapp_message_id: `wamid.batch-${i}` }),
    );
    expect(after.filter((m) => m.status === 'pending').map((m) => m.request_id)).toEqual(['req-60']);
    const first = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .select('message_count')
      .where('contact_id', '=', contactIds[0]!)
      .executeTakeFirstOrThrow();
    expect(Number(first.message_count)).toBe(21);
  });

  it('counts each thread exactly when concurrent batches share threads, visiting them in different orders', async () => {
    // 600 writes make three batches of 200 (the batch limit), two in flight at once on PostgreSQL, each
    // visiting the same three threads in another order.
    const other = await seedTenant(gw.ctx, { phone: '+27 83 000 0000' });
    const cs = [other.contactId];
    for (const n of ['+27830000001', '+27830000002'])
      cs.push((await gw.ctx.contacts.create(other.organizationId, { phone_number: n })).id);
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ];
    const plan = Array.from({ length: 600 }, (_, i) => cs[orders[Math.floor(i / 200)]![i % 3]!]!);
    const rows = await Promise.all(
      plan.map((contactId, i) =>
        gw.ctx.messages.createPending({
          organizationId: other.organizationId,
          contactId,
          messageType: 'text',
          content: { i },
          mediaUrl: null,
          requestId: null,
        }),
      ),
    );
    expect(rows).toHaveLength(600);
    const sessions = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .select(['contact_id', 'message_count'])
      .where('organization_id', '=', other.organizationId)
      .execute();
    const expected = cs.map((c) => [c, plan.filter((p) => p === c).length]);
    expect(sessions.map((x) => [x.contact_id, Number(x.message_count)]).sort()).toEqual(expected.sort());
  });

  it("writes a batch of sent updates alone, and keeps a pending row's media URL and null request id", async () => {
    // One write each, awaited one at a time: each is a batch of its own kind only.
    const row = await gw.ctx.messages.createPending({
      organizationId: t.organizationId,
      contactId: contactIds[2]!,
      messageType: 'image',
      content: { n: 'media' },
      mediaUrl: 'https://media.example/x.jpg?sig=1',
      requestId: null,
    });
    const stored = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      status: 'pending',
      media_url: 'https://media.example/x.jpg?sig=1',
      request_id: null,
      session_id: row.sessionId,
    });
    await gw.ctx.messages.markSent(row.id, 'wamid.alone');
    const sent = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(sent).toMatchObject({
      status: 'sent',
      whatsapp_message_id: 'wamid.alone',
      media_url: 'https://media.example/x.jpg?sig=1',
    });
    // Marking sent touches no thread.
    const thread = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .select('message_count')
      .where('id', '=', row.sessionId)
      .executeTakeFirstOrThrow();
    const before = Number(thread.message_count);
    await gw.ctx.messages.markSent(row.id, 'wamid.again');
    const after = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .select('message_count')
      .where('id', '=', row.sessionId)
      .executeTakeFirstOrThrow();
    expect(Number(after.message_count)).toBe(before);
  });

  it('fails every write of a batch that cannot commit, and leaves none of them', async () => {
    const good = gw.ctx.messages.createPending({
      organizationId: t.organizationId,
      contactId: contactIds[1]!,
      messageType: 'text',
      content: {},
      mediaUrl: null,
      requestId: 'good',
    });
    const bad = gw.ctx.messages.createPending({
      organizationId: t.organizationId,
      contactId: 'no-such-contact',
      messageType: 'text',
      content: {},
      mediaUrl: null,
      requestId: 'bad',
    });
    const [g, b] = await Promise.allSettled([good, bad]);
    expect(g.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    // The database's own error: a bug (500), not an outage (503).
    const reason = (b as PromiseRejectedResult).reason as { code?: string };
    expect(reason.code ?? '').toMatch(/FOREIGN|23503/);
    expect(isDatabaseUnavailable(reason)).toBe(false);
    const left = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('id')
      .where('request_id', 'in', ['good', 'bad'])
      .execute();
    expect(left).toHaveLength(0);
  });

  it('writes sent and failed outcomes of one batch together, each to its own row', async () => {
    const make = (i: number) =>
      gw.ctx.messages.createPending({
        organizationId: t.organizationId,
        contactId: t.contactId,
        messageType: 'image',
        content: { i },
        mediaUrl: `https://media.test/${i}`,
        requestId: `mixed-${i}`,
      });
    const [a, b, c, d] = await Promise.all([make(0), make(1), make(2), make(3)]);
    // Issued together, so they share a batch: a sent, a failed keeping its media, a failed upload
    // clearing it, and an unknown outcome without details.
    await Promise.all([
      gw.ctx.messages.markSent(a.id, 'wamid.mixed-a'),
      gw.ctx.messages.markFailed(b.id, 'failed', {
        code: '131026',
        message: 'Message undeliverable',
        details: { code: 131026 },
      }),
      gw.ctx.messages.markFailed(
        c.id,
        'failed',
        { code: 'meta_upload_failed', message: 'Failed to upload media to Meta', details: null },
        true,
      ),
      gw.ctx.messages.markFailed(d.id, 'unknown', { code: 'no_answer', message: 'timeout', details: undefined }),
    ]);
    const row = async (id: string) => (await gw.ctx.messages.findById(id))!;
    expect(await row(a.id)).toMatchObject({
      status: 'sent',
      whatsapp_message_id: 'wamid.mixed-a',
      error_code: null,
      media_url: 'https://media.test/0',
    });
    expect(await row(b.id)).toMatchObject({
      status: 'failed',
      error_code: '131026',
      error_message: 'Message undeliverable',
      media_url: 'https://media.test/1',
    });
    expect(JSON.parse((await row(b.id)).error_details!)).toEqual({ code: 131026 });
    expect(await row(c.id)).toMatchObject({
      status: 'failed',
      error_code: 'meta_upload_failed',
      error_details: 'null',
      media_url: null,
    });
    expect(await row(d.id)).toMatchObject({
      status: 'unknown',
      error_code: 'no_answer',
      error_details: null,
      media_url: 'https://media.test/3',
    });
  });
});

describe('message indexes (migration 002)', () => {
  it('finds unsettled rows through the partial index on SQLite, in the startup sweep and `messages pending`', async () => {
    const gw = await startGateway('sqlite');
    try {
      // The SQL the store itself runs, caught as it is prepared, then explained.
      const db = gw.ctx.db;
      if (db.engine !== 'sqlite') throw new Error('a SQLite gateway was started');
      const raw = db.sqlite;
      const seen: string[] = [];
      const prepare = raw.prepare.bind(raw);
      raw.prepare = (source: string) => {
        seen.push(source);
        return prepare(source);
      };
      try {
        await gw.ctx.messages.markStalePendingUnknown('2026-01-01T00:00:00.000Z');
        await gw.ctx.messages.listUnsettled(10);
      } finally {
        raw.prepare = prepare;
      }
      const queries = seen.filter((q) => q.includes('helpdesk_messages'));
      expect(queries).toHaveLength(2);
      for (const q of queries) {
        const params = Array.from({ length: (q.match(/\?/g) ?? []).length }, () => 'x');
        expect(JSON.stringify(raw.prepare(`explain query plan ${q}`).all(...params))).toContain(
          'USING INDEX helpdesk_messages_unsettled',
        );
      }
      const names = (
        await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'helpdesk_messages'`.execute(
          gw.ctx.db.kysely,
        )
      ).rows.map((r) => r.name);
      // 005 adds inbound dedupe by wamid, 006 the pending inbound media, 014 the inbox's failed
      // messages (partial: failed rows only), 015 a thread's reactions (partial: reactions only);
      // 002's drops stay dropped.
      expect(names.filter((n) => !n.startsWith('sqlite_autoindex')).sort()).toEqual([
        'helpdesk_messages_failed',
        'helpdesk_messages_inbound_wamid',
        'helpdesk_messages_media_pending',
        'helpdesk_messages_org_wamid',
        'helpdesk_messages_reactions',
        'helpdesk_messages_session_time',
        'helpdesk_messages_unsettled',
      ]);
    } finally {
      await gw.close();
    }
  });
});
