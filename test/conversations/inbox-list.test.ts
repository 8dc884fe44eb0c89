// GET /api/conversations: threads by last activity, newest first, with their contact, preview,
// unread count, window and our last message's status; filters, search and keyset pages; another
// organization's threads never appear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import type { WebhookTenant } from '../inbound/helpers.js';
import {
  T0,
  api,
  inbound,
  iso,
  nowS,
  outbound,
  startInbox,
  status,
  statuses,
  threadOf,
  wamid,
  wholeList,
  type InboxFixture,
} from './inbox-helpers.js';

let numberSeq = 0;
const number = () => `2782${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

describe.each(ENGINES)('GET /api/conversations (%s)', (engine) => {
  let f: InboxFixture;
  beforeAll(async () => {
    f = await startInbox(engine);
  });
  afterAll(async () => f.close());

  it('lists threads newest first, in pages without gaps or duplicates, ties broken by id', async () => {
    const t = await f.tenant();
    const numbers = Array.from({ length: 7 }, number);
    // Two threads at the same second: the id orders them, and a page boundary falls between them.
    const at = [T0 + 1, T0 + 2, T0 + 3, T0 + 3, T0 + 5, T0 + 6, T0 + 7];
    for (const [i, n] of numbers.entries()) await inbound(f.gw, t, { from: n, at: at[i]!, body: `message ${i}` });
    const threads = await Promise.all(numbers.map((n) => threadOf(f.gw, t, n)));
    const expected = threads
      .map((th, i) => ({ id: th.id, at: at[i]! }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((x) => x.id);
    for (const limit of ['1', '2', '3', '7'])
      expect((await wholeList(f.gw, t, { limit })).map((c) => c.id)).toEqual(expected);
    const first = await api(f.gw, t).list({ limit: '3' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toHaveLength(3);
    expect(first.json().next_cursor).toEqual(expect.any(String));
    const all = await api(f.gw, t).list({ limit: '7' });
    expect(all.json().next_cursor).toBeNull();
    expect(all.json().data[0]).toEqual({
      id: threads[6]!.id,
      contact: { id: threads[6]!.contactId, name: `Customer ${numbers[6]}`, whatsapp_number: numbers[6] },
      last_message_at: iso(T0 + 7),
      last_message: { id: expect.any(String), direction: 'inbound', message_type: 'text', preview: 'message 6' },
      unread_count: 1,
      window: { state: 'closed', open_until: null, template_required: true },
      last_outbound_status: null,
    });
  });

  describe('filters', () => {
    let t: WebhookTenant;
    const ids: Record<string, string> = {};
    let openAt = 0;
    beforeAll(async () => {
      t = await f.tenant();
      const [open, old, ours, failed] = [number(), number(), number(), number()];
      // open: wrote a minute ago, answered, our answer delivered; two unread.
      await inbound(f.gw, t, { from: open, at: nowS() - 60 });
      openAt = nowS() - 50;
      await inbound(f.gw, t, { from: open, at: openAt, body: 'are you there?' });
      const openThread = await threadOf(f.gw, t, open);
      const w = wamid();
      await outbound(f.gw, t, openThread.contactId, w);
      await statuses(f.gw, t, [status(w, 'sent', nowS() - 5), status(w, 'delivered', nowS() - 4)]);
      // old: wrote long ago; the window is closed.
      await inbound(f.gw, t, { from: old, at: T0 });
      // ours: we wrote first (a template); nothing unread, no window ever opened.
      const c = await f.gw.ctx.contacts.create(t.organizationId, { phone_number: `+${ours}`, name: 'Ours' });
      await outbound(f.gw, t, c.id, wamid(), { message_type: 'template' }, 'template');
      // failed: wrote recently, our answer failed.
      await inbound(f.gw, t, { from: failed, at: nowS() - 30 });
      const fw = wamid();
      await outbound(f.gw, t, (await threadOf(f.gw, t, failed)).contactId, fw);
      await statuses(f.gw, t, [
        status(fw, 'failed', nowS(), { errors: [{ code: 131026, title: 'Message undeliverable' }] }),
      ]);
      for (const [k, n] of Object.entries({ open, old, ours, failed })) ids[k] = (await threadOf(f.gw, t, n)).id;
    });
    const names = async (query: Record<string, string>) => {
      const list = await wholeList(f.gw, t, query);
      return list.map((c) => Object.keys(ids).find((k) => ids[k] === c.id)).sort();
    };

    it('shows the window, the unread count and our last message’s status', async () => {
      const list = await wholeList(f.gw, t, {});
      const byId = new Map(list.map((c) => [c.id, c]));
      expect(byId.get(ids['open']!)).toMatchObject({
        unread_count: 2,
        window: { state: 'open', open_until: expect.any(String), template_required: false },
        last_message: { direction: 'outbound', message_type: 'text', preview: 'hi there' },
        last_outbound_status: 'delivered',
      });
      expect(byId.get(ids['open']!)).toMatchObject({ window: { open_until: iso(openAt + 24 * 3600) } });
      expect(byId.get(ids['ours']!)).toMatchObject({
        unread_count: 0,
        window: { state: 'closed', template_required: true },
        last_outbound_status: 'sent',
      });
      expect(byId.get(ids['failed']!)).toMatchObject({ last_outbound_status: 'failed' });
    });

    it('filters by unread, window and failed messages, and combines them', async () => {
      expect(await names({ unread: 'true' })).toEqual(['failed', 'old', 'open']);
      expect(await names({ unread: 'false' })).toEqual(['ours']);
      expect(await names({ window: 'open' })).toEqual(['failed', 'open']);
      expect(await names({ window: 'closed' })).toEqual(['old', 'ours']);
      expect(await names({ failed: 'true' })).toEqual(['failed']);
      expect(await names({ failed: 'false' })).toEqual(['old', 'open', 'ours']);
      expect(await names({ window: 'open', failed: 'false', unread: 'true' })).toEqual(['open']);
      // Pages of a filtered list are the filtered list.
      expect(await names({ window: 'closed', limit: '1' })).toEqual(['old', 'ours']);
    });

    it('counts a window Meta closed (131047) as closed, until the customer writes again', async () => {
      const n = number();
      await inbound(f.gw, t, { from: n, at: nowS() - 120 });
      const th = await threadOf(f.gw, t, n);
      await f.gw.ctx.db.kysely
        .updateTable('customer_sessions')
        .set({ window_closed_at: iso(nowS() - 60) })
        .where('id', '=', th.id)
        .execute();
      const closed = await wholeList(f.gw, t, { window: 'closed' });
      expect(closed.map((c) => c.id)).toContain(th.id);
      expect(closed.find((c) => c.id === th.id)).toMatchObject({
        window: { state: 'closed', template_required: true },
      });
      await inbound(f.gw, t, { from: n, at: nowS() - 10 });
      expect((await wholeList(f.gw, t, { window: 'open' })).map((c) => c.id)).toContain(th.id);
    });
  });

  // What a search matches, and its edge inputs: inbox-search.test.ts.
  it('narrows the list to a search, combined with the filters', async () => {
    const t = await f.tenant();
    const [bob, dan] = [number(), number()];
    await inbound(f.gw, t, { from: bob, at: T0 + 1, name: 'Bob', body: 'Where is my INVOICE?' });
    await inbound(f.gw, t, { from: dan, at: T0 + 2, name: 'Dan', body: 'an invoice too' });
    const danThread = await threadOf(f.gw, t, dan);
    const fw = wamid();
    await outbound(f.gw, t, danThread.contactId, fw);
    await statuses(f.gw, t, [status(fw, 'failed', nowS(), { errors: [{ code: 131026, title: 'Undeliverable' }] })]);
    const ids = async (query: Record<string, string>) => (await wholeList(f.gw, t, query)).map((c) => c.id);
    const bobThread = await threadOf(f.gw, t, bob);
    expect(await ids({ q: 'invoice' })).toEqual([danThread.id, bobThread.id]);
    expect(await ids({ q: 'invoice', limit: '1' })).toEqual([danThread.id, bobThread.id]);
    expect(await ids({ q: 'invoice', failed: 'true' })).toEqual([danThread.id]);
    expect(await ids({ q: 'invoice', failed: 'false' })).toEqual([bobThread.id]);
    expect(await ids({ q: 'nobody' })).toEqual([]);
  });

  it('never lists another organization’s threads, nor finds them by search', async () => {
    const t = await f.tenant();
    const other = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0, name: 'Secret Name', body: 'secret text' });
    expect(await wholeList(f.gw, other, {})).toEqual([]);
    expect(await wholeList(f.gw, other, { q: 'secret' })).toEqual([]);
    expect(await wholeList(f.gw, other, { q: n })).toEqual([]);
    expect((await wholeList(f.gw, t, { q: 'secret' })).length).toBe(1);
  });

  it.each([
    [{ unread: 'yes' }, /unread/],
    [{ failed: '1' }, /failed/],
    [{ window: 'maybe' }, /window/],
    [{ cursor: 'not-a-cursor' }, /cursor/],
    [{ cursor: Buffer.from('["x","y"]').toString('base64url') }, /cursor/],
    [{ limit: '0' }, /limit/],
    [{ limit: '101' }, /limit/],
    [{ q: '' }, /q/],
  ])('answers %j with 400 naming the field', async (query, named) => {
    const t = await f.tenant();
    const res = await api(f.gw, t).list(query);
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({
      error: expect.any(String),
      message: expect.stringMatching(named),
      request_id: expect.any(String),
    });
  });
});
