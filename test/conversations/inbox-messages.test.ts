// GET /api/conversations/{id}/messages: both directions oldest first, keyset pages backwards
// (older history) and forwards (a live page catching up), each message as GET /api/messages/{id}
// shows it, with its reactions and the message it replies to; another organization's thread is 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import type { WebhookTenant } from '../inbound/helpers.js';
import {
  T0,
  api,
  inbound,
  iso,
  outbound,
  react,
  startInbox,
  status,
  statuses,
  threadOf,
  wamid,
  type InboxFixture,
} from './inbox-helpers.js';

let numberSeq = 0;
const number = () => `2783${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

interface Page {
  data: { id: string; whatsapp_message_id: string; [k: string]: unknown }[];
  older_cursor: string | null;
  newer_cursor: string | null;
  has_newer: boolean;
}

describe.each(ENGINES)('GET /api/conversations/{id}/messages (%s)', (engine) => {
  let f: InboxFixture;
  beforeAll(async () => {
    f = await startInbox(engine);
  });
  afterAll(async () => f.close());

  const page = async (t: WebhookTenant, id: string, query: Record<string, string>): Promise<Page> => {
    const res = await api(f.gw, t).messages(id, query);
    if (res.statusCode !== 200) throw new Error(`messages answered ${res.statusCode}: ${res.body}`);
    return res.json<Page>();
  };

  it('pages both ways without gaps or duplicates, and catches up with newer messages', async () => {
    const t = await f.tenant();
    const n = number();
    // Nine messages, three of them in the same second: the id orders those.
    const at = [1, 2, 3, 3, 3, 6, 7, 8, 9].map((s) => T0 + s);
    for (const [i, s] of at.entries()) await inbound(f.gw, t, { from: n, at: s, body: `m${i}` });
    const { id } = await threadOf(f.gw, t, n);
    const rows = await f.gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'created_at'])
      .where('session_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const all = rows.map((r) => r.id);
    expect(all).toHaveLength(9);

    // Backwards from the newest, four at a time.
    const newest = await page(t, id, { limit: '4' });
    expect(newest.data.map((m) => m.id)).toEqual(all.slice(5));
    expect(newest.has_newer).toBe(false);
    const back: string[][] = [newest.data.map((m) => m.id)];
    let cursor = newest.older_cursor;
    let oldest = newest;
    while (cursor !== null) {
      oldest = await page(t, id, { limit: '4', before: cursor });
      expect(oldest.has_newer).toBe(true);
      back.unshift(oldest.data.map((m) => m.id));
      cursor = oldest.older_cursor;
    }
    expect(back.map((p) => p.length)).toEqual([1, 4, 4]);
    expect(back.flat()).toEqual(all);

    // Forwards from the oldest page, two at a time.
    const forward: string[] = oldest.data.map((m) => m.id);
    let after = oldest.newer_cursor!;
    for (;;) {
      const p = await page(t, id, { limit: '2', after });
      forward.push(...p.data.map((m) => m.id));
      after = p.newer_cursor!;
      if (!p.has_newer) break;
    }
    expect(forward).toEqual(all);

    // Caught up: nothing newer; then a new message arrives and is the only one after.
    const idle = await page(t, id, { after });
    expect(idle).toMatchObject({ data: [], has_newer: false, newer_cursor: after });
    const late = await inbound(f.gw, t, { from: n, at: T0 + 10, body: 'late' });
    const caught = await page(t, id, { after });
    expect(caught.data.map((m) => m.whatsapp_message_id)).toEqual([late]);
  });

  it('shows each message as GET /api/messages/{id} does, with its status history and Meta’s error', async () => {
    const t = await f.tenant();
    const n = number();
    const w1 = await inbound(f.gw, t, { from: n, at: T0 + 1, body: 'hello' });
    const th = await threadOf(f.gw, t, n);
    const ok = wamid();
    const okId = await outbound(f.gw, t, th.contactId, ok);
    const bad = wamid();
    const badId = await outbound(f.gw, t, th.contactId, bad);
    const errors = [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Not on WhatsApp' } }];
    await statuses(f.gw, t, [
      status(ok, 'delivered', T0 + 5),
      status(ok, 'sent', T0 + 4),
      status(ok, 'read', T0 + 9),
      status(bad, 'sent', T0 + 4),
      status(bad, 'failed', T0 + 6, { errors }),
    ]);
    const p = await page(t, th.id, {});
    // Our two were stamped in the same millisecond or two: their order is the ids', not the test's.
    expect(p.data.map((m) => m.whatsapp_message_id)[0]).toBe(w1);
    expect(p.data.map((m) => m.whatsapp_message_id).sort()).toEqual([w1, ok, bad].sort());
    for (const m of p.data) {
      const one = await f.gw.app.inject({
        method: 'GET',
        url: `/api/messages/${m.id}?tenantId=${t.slug}`,
        headers: bearer(t.key),
      });
      const { reactions, reply_to, sent_by, ...view } = m;
      expect(view).toEqual(one.json().data);
      expect(reactions).toEqual([]);
      expect(reply_to).toBeNull();
      expect(sent_by).toBeNull();
    }
    const byId = new Map(p.data.map((m) => [m.id, m]));
    expect(byId.get(okId)).toMatchObject({
      status: 'read',
      statuses: [
        { status: 'sent', occurred_at: iso(T0 + 4), errors: null },
        { status: 'delivered', occurred_at: iso(T0 + 5), errors: null },
        { status: 'read', occurred_at: iso(T0 + 9), errors: null },
      ],
    });
    expect(byId.get(badId)).toMatchObject({
      status: 'failed',
      error: { code: '131026' },
      statuses: [
        { status: 'sent', errors: null },
        { status: 'failed', errors: [expect.objectContaining({ code: 131026, title: 'Message undeliverable' })] },
      ],
    });
  });

  it('puts reactions on their target (the latest per side; an empty one takes it back) and links replies', async () => {
    const t = await f.tenant();
    const n = number();
    const question = await inbound(f.gw, t, { from: n, at: T0 + 1, body: 'question' });
    const th = await threadOf(f.gw, t, n);
    const answer = wamid();
    const answerId = await outbound(f.gw, t, th.contactId, answer);
    // The customer likes our answer, then changes it to a heart.
    await react(f.gw, t, n, answer, T0 + 3, '👍');
    await react(f.gw, t, n, answer, T0 + 4, '❤️');
    // We react to their question; they react to it and take it back.
    await outbound(
      f.gw,
      t,
      th.contactId,
      wamid(),
      { message_type: 'reaction', reaction: { message_id: question, emoji: '🙏' } },
      'reaction',
    );
    await react(f.gw, t, n, question, T0 + 5, '😮');
    await react(f.gw, t, n, question, T0 + 6);
    // The customer replies to our answer, and to a message the gateway never had.
    const reply = await inbound(f.gw, t, { from: n, at: T0 + 7, body: 'thanks!', context: answer });
    const stray = await inbound(f.gw, t, { from: n, at: T0 + 8, body: 'and this', context: 'wamid.unknown' });

    const p = await page(t, th.id, {});
    // No reaction is listed as a message. (Ours is stamped now, the customer's at Meta's old times.)
    expect(p.data.map((m) => m.whatsapp_message_id)).toEqual([question, reply, stray, answer]);
    const by = new Map(p.data.map((m) => [m.whatsapp_message_id, m]));
    expect(by.get(answer)!['reactions']).toEqual([{ emoji: '❤️', from: 'customer', at: iso(T0 + 4) }]);
    expect(by.get(question)!['reactions']).toEqual([{ emoji: '🙏', from: 'business', at: expect.any(String) }]);
    expect(by.get(reply)!['reply_to']).toEqual({ id: answerId, whatsapp_message_id: answer });
    expect(by.get(stray)!['reply_to']).toEqual({ id: null, whatsapp_message_id: 'wamid.unknown' });
    expect(by.get(question)!['reply_to']).toBeNull();
  });

  it('answers another organization’s thread with 404, as one that does not exist', async () => {
    const t = await f.tenant();
    const other = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0, body: 'private' });
    const { id } = await threadOf(f.gw, t, n);
    const theirs = await api(f.gw, other).messages(id);
    const missing = await api(f.gw, other).messages('01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e7f');
    for (const res of [theirs, missing]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        error: 'Not found',
        message: expect.stringMatching(/^No conversation exists/),
      });
    }
    expect(theirs.body).not.toContain('private');
    expect((await api(f.gw, t).messages(id)).statusCode).toBe(200);
  });

  it.each([
    [{ before: 'garbage' }, /before/],
    [{ after: 'garbage' }, /after/],
    [{ limit: '0' }, /limit/],
    [{ limit: '101' }, /limit/],
  ])('answers %j with 400 naming the field', async (query, named) => {
    const t = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0 });
    const { id } = await threadOf(f.gw, t, n);
    const res = await api(f.gw, t).messages(id, query);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ message: expect.stringMatching(named), request_id: expect.any(String) });
  });

  it('refuses before and after together, and an id that is not a conversation id', async () => {
    const t = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0 });
    const { id } = await threadOf(f.gw, t, n);
    const first = await page(t, id, {});
    const both = await api(f.gw, t).messages(id, { before: first.newer_cursor!, after: first.newer_cursor! });
    expect(both.statusCode).toBe(400);
    expect(both.json().message).toMatch(/before and after/);
    const bad = await api(f.gw, t).messages('not-an-id');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^id must be a conversation id/);
  });
});
