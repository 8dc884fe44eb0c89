// GET /inbox/api/stream on one instance, on each engine (SQLite: the in-process bus; PostgreSQL:
// LISTEN/NOTIFY, as `auto` picks it): what a committed change sends, to whom, and what it never does.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { inbound, nowS, outbound, statuses, status, threadOf, wamid } from '../conversations/inbox-helpers.js';
import {
  agentOf,
  changesOf,
  closeAll,
  openStream,
  startInstances,
  type LiveGateway,
  type SseClient,
} from './helpers.js';

const ready = (c: SseClient) => c.next((e) => e.event === 'ready');

describe.each(ENGINES)('the live stream on %s', (engine) => {
  let gws: LiveGateway[] = [];
  const streams: SseClient[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await closeAll(gws);
    gws = [];
  });

  async function start(env: Record<string, string> = {}) {
    gws = await startInstances(engine, 1, env);
    return gws[0]!;
  }

  async function stream(gw: LiveGateway, cookie: string) {
    const s = await openStream(gw.url, { cookie });
    streams.push(s);
    await ready(s);
    return s;
  }

  it('sends an inbound message, its reaction, a status and a read as hints, each with an id', async () => {
    const gw = await start();
    expect(gw.ctx.live.kind).toBe(engine === 'sqlite' ? 'memory' : 'postgres');
    const { tenant, cookie } = await agentOf(gw);
    const s = await stream(gw, cookie);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toContain('no-transform');
    expect(s.headers['content-encoding']).toBeUndefined();
    expect(s.raw()).toMatch(/^retry: \d+\n\n/);

    const w = await inbound(gw, tenant, { from: '27820000001', at: nowS(), body: 'hello' });
    const thread = await threadOf(gw, tenant, '27820000001');
    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('id')
      .where('whatsapp_message_id', '=', w)
      .executeTakeFirstOrThrow();
    const hint = await s.next((e) => e.event === 'change');
    expect(JSON.parse(hint.data)).toEqual({
      organization_id: tenant.organizationId,
      conversation_id: thread.id,
      kind: 'message',
      message_id: row.id,
    });

    await inbound(gw, tenant, {
      from: '27820000001',
      at: nowS(),
      type: 'reaction',
      fields: { reaction: { message_id: w, emoji: '👍' } },
    });
    await s.next((e) => e.event === 'change' && e.data.includes('"reaction"'));

    const ours = wamid();
    const ourId = await outbound(gw, tenant, thread.contactId, ours);
    await statuses(gw, tenant, [status(ours, 'delivered', nowS())]);
    const tick = await s.next((e) => e.event === 'change' && e.data.includes('"status"'));
    expect(JSON.parse(tick.data)).toMatchObject({ conversation_id: thread.id, kind: 'status', message_id: ourId });

    const read = await gw.app.inject({
      method: 'POST',
      url: `/api/conversations/${thread.id}/read?tenantId=${tenant.slug}`,
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    expect(read.statusCode).toBe(200);
    await s.next((e) => e.event === 'change' && e.data.includes('"read"'));

    const ids = s.events.map((e) => e.id);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends the hint of a status applied later, once its message has its wamid', async () => {
    const gw = await start();
    const { tenant, cookie } = await agentOf(gw);
    const s = await stream(gw, cookie);
    const w = wamid();
    // The row as the send path leaves it before Meta's answer is written: no wamid yet.
    const { id, sessionId } = await gw.ctx.messages.createPending({
      organizationId: tenant.organizationId,
      contactId: tenant.contactId,
      messageType: 'text',
      content: { text: 'hi' },
      mediaUrl: null,
      requestId: null,
    });
    await statuses(gw, tenant, [status(w, 'delivered', nowS())]);
    await gw.ctx.messages.markSent(id, w);
    expect(await gw.ctx.inbound.applyWaiting()).toBe(1);
    const hint = await s.next((e) => e.event === 'change');
    expect(JSON.parse(hint.data)).toEqual({
      organization_id: tenant.organizationId,
      conversation_id: sessionId,
      kind: 'status',
      message_id: id,
    });
  });

  it("sends a send's pending row and its outcome as hints, after each is written", async () => {
    // Meta's address is a closed loopback port: the send fails, and its failure is the outcome.
    const gw = await start({ WINDOW_CHECK: 'off' });
    const { tenant, cookie } = await agentOf(gw);
    const s = await stream(gw, cookie);
    const res = await gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${tenant.slug}`,
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      payload: { phone_number: tenant.phone, message_type: 'text', text: 'hello from the agent' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'session_id', 'status'])
      .executeTakeFirstOrThrow();
    expect(row.status).not.toBe('pending');
    await s.next((e) => e.event === 'change' && e.data.includes('"status"'));
    const hint = { organization_id: tenant.organizationId, conversation_id: row.session_id, message_id: row.id };
    expect(changesOf(s)).toEqual([
      { ...hint, kind: 'message' },
      { ...hint, kind: 'status' },
    ]);
  });

  it("writes nothing of another organization's changes", async () => {
    const gw = await start();
    const mine = await agentOf(gw);
    const theirs = await agentOf(gw);
    const mineStream = await stream(gw, mine.cookie);
    const theirStream = await stream(gw, theirs.cookie);
    await inbound(gw, theirs.tenant, { from: '27820000002', at: nowS(), body: 'secret' });
    // Their stream has it: the bus delivered it to this instance, to every subscriber it matched.
    await theirStream.next((e) => e.event === 'change');
    await inbound(gw, mine.tenant, { from: '27820000003', at: nowS(), body: 'ours' });
    await mineStream.next((e) => e.event === 'change');
    expect(changesOf(mineStream).map((c) => c['organization_id'])).toEqual([mine.tenant.organizationId]);
    expect(mineStream.raw()).not.toContain(theirs.tenant.organizationId);
  });

  it('answers 401 Not signed in, in our shape, without a session', async () => {
    const gw = await start();
    const res = await gw.app.inject({ method: 'GET', url: '/inbox/api/stream' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'Not signed in', message: expect.any(String), request_id: expect.any(String) });
    const bogus = await gw.app.inject({
      method: 'GET',
      url: '/inbox/api/stream',
      headers: { cookie: `flowiq_session=${'A'.repeat(43)}` },
    });
    expect(bogus.statusCode).toBe(401);
  });

  it('refuses a stream past the per-agent cap with 429, and takes one again once a stream closes', async () => {
    const gw = await start({ LIVE_STREAMS_PER_AGENT: '2' });
    const { cookie } = await agentOf(gw);
    const first = await stream(gw, cookie);
    await stream(gw, cookie);
    const refused = await openStream(gw.url, { cookie });
    streams.push(refused);
    expect(refused.status).toBe(429);
    await refused.ended;
    expect(JSON.parse(refused.raw())).toMatchObject({ error: 'Too many requests', request_id: expect.any(String) });
    first.close();
    // The server's side of the closed stream ends a moment later: poll until a place is free.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const again = await openStream(gw.url, { cookie });
      streams.push(again);
      if (again.status === 200) break;
      if (Date.now() > deadline) throw new Error('no place freed within 10 s');
      await again.ended;
    }
  });

  it('publishes nothing of a transaction that rolled back', async () => {
    const gw = await start();
    const { tenant, cookie } = await agentOf(gw);
    const s = await stream(gw, cookie);
    // Every batch's last write (its receipt marked processed) fails: the whole transaction rolls
    // back after its message was written and its hint collected.
    const k = gw.ctx.db.kysely;
    if (engine === 'sqlite')
      await sql`create trigger refuse_processed before update of state on webhook_receipts when new.state = 'processed' begin select raise(abort, 'refused by the test'); end`.execute(
        k,
      );
    else {
      await sql`create function refuse_processed() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`.execute(
        k,
      );
      await sql`create trigger refuse_processed before update on webhook_receipts for each row when (new.state = 'processed') execute function refuse_processed()`.execute(
        k,
      );
    }
    await inbound(gw, tenant, { from: '27820000004', at: nowS(), body: 'rolled back' });
    expect(await k.selectFrom('helpdesk_messages').select('id').execute()).toEqual([]);

    await sql`drop trigger refuse_processed ${engine === 'sqlite' ? sql`` : sql`on webhook_receipts`}`.execute(k);
    gw.ctx.inbound.wake();
    await gw.ctx.inbound.idle();
    const stored = await k.selectFrom('helpdesk_messages').select('id').executeTakeFirstOrThrow();
    await s.next((e) => e.event === 'change');
    // Only the committed attempt's message: the rolled-back attempts' ids were never published.
    expect(changesOf(s).map((c) => c['message_id'])).toEqual([stored.id]);
  });

  it('keeps an idle stream open with heartbeats, and ends it once the agent signs out', async () => {
    const gw = await start({ LIVE_HEARTBEAT: '1s' });
    const { cookie } = await agentOf(gw);
    const s = await stream(gw, cookie);
    await s.comment(/^: heartbeat$/m);
    const me = await gw.app.inject({ method: 'GET', url: '/inbox/api/me', headers: { cookie } });
    const csrf = me.json<{ csrf_token: string }>().csrf_token;
    const out = await gw.app.inject({
      method: 'POST',
      url: '/inbox/api/sign-out',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(out.statusCode).toBe(204);
    // Ended by the server at its next heartbeat: the signed-out session is checked again there.
    await s.ended;
  });

  it('ends open streams when the server closes', async () => {
    const gw = await start();
    const { cookie } = await agentOf(gw);
    const s = await stream(gw, cookie);
    await gw.app.close();
    await s.ended;
  });
});
