// POST /api/conversations/{id}/read: clears the unread count and sends Meta's read receipt for the
// customer's latest message (with a typing indicator on request) to the simulator; a failed
// receipt leaves the conversation read and says so; another organization's thread is 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import type { WebhookTenant } from '../inbound/helpers.js';
import {
  T0,
  api,
  inbound,
  outbound,
  react,
  startInbox,
  threadOf,
  wamid,
  wholeList,
  type InboxFixture,
} from './inbox-helpers.js';

let numberSeq = 0;
const number = () => `2784${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

describe.each(ENGINES)('POST /api/conversations/{id}/read (%s)', (engine) => {
  let f: InboxFixture;
  beforeAll(async () => {
    f = await startInbox(engine);
  });
  afterAll(async () => f.close());

  const unread = async (t: WebhookTenant, id: string) =>
    (await wholeList(f.gw, t, {})).find((c) => c.id === id)?.['unread_count'];
  const receiptsFor = (t: WebhookTenant) => f.sim.readReceipts().filter((r) => r.phoneId === t.phoneNumberId);

  it('clears the unread count and marks the customer’s latest message read at Meta', async () => {
    const t = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0 + 1, body: 'one' });
    const latest = await inbound(f.gw, t, { from: n, at: T0 + 2, body: 'two' });
    // A reaction after it is not the message to mark.
    const th = await threadOf(f.gw, t, n);
    const ours = wamid();
    await outbound(f.gw, t, th.contactId, ours);
    await react(f.gw, t, n, ours, T0 + 3, '👍');
    expect(await unread(t, th.id)).toBe(2);

    const res = await api(f.gw, t).read(th.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: { unread_count: 0, receipt: 'sent', message_id: latest, error: null },
    });
    expect(await unread(t, th.id)).toBe(0);
    expect(receiptsFor(t)).toEqual([
      { phoneId: t.phoneNumberId, messageId: latest, typing: false, at: expect.any(Number) },
    ]);

    // With the typing indicator, while an agent writes.
    const typing = await api(f.gw, t).read(th.id, { typing: 'true' });
    expect(typing.json().data.receipt).toBe('sent');
    expect(receiptsFor(t).at(-1)).toMatchObject({ messageId: latest, typing: true });
  });

  it('keeps the conversation read when Meta refuses the receipt, and says why', async () => {
    const t = await f.tenant({ known: false });
    const n = number();
    const w = await inbound(f.gw, t, { from: n, at: T0 });
    const th = await threadOf(f.gw, t, n);
    const res = await api(f.gw, t).read(th.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({ unread_count: 0, receipt: 'failed', message_id: w, error: expect.any(String) });
    expect(res.json().data.error).not.toContain('EAAG');
    expect(await unread(t, th.id)).toBe(0);
    expect(receiptsFor(t)).toEqual([]);
  });

  it('sends no receipt when the customer never wrote', async () => {
    const t = await f.tenant();
    const c = await f.gw.ctx.contacts.create(t.organizationId, { phone_number: `+${number()}`, name: 'Quiet' });
    await outbound(f.gw, t, c.id, wamid(), { message_type: 'template' }, 'template');
    const th = await f.gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .select('id')
      .where('contact_id', '=', c.id)
      .executeTakeFirstOrThrow();
    const res = await api(f.gw, t).read(th.id);
    expect(res.json().data).toEqual({ unread_count: 0, receipt: 'none', message_id: null, error: null });
    expect(receiptsFor(t)).toEqual([]);
  });

  it('answers another organization’s thread with 404 and changes nothing there', async () => {
    const t = await f.tenant();
    const other = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0 });
    const th = await threadOf(f.gw, t, n);
    const res = await api(f.gw, other).read(th.id);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Not found', message: expect.stringMatching(/^No conversation exists/) });
    expect(await unread(t, th.id)).toBe(1);
    expect(receiptsFor(t)).toEqual([]);
    expect(receiptsFor(other)).toEqual([]);
  });

  it('answers a bad typing value or id with 400, changing nothing', async () => {
    const t = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0 });
    const th = await threadOf(f.gw, t, n);
    const res = await api(f.gw, t).read(th.id, { typing: 'yes' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ message: expect.stringMatching(/typing/), request_id: expect.any(String) });
    const bad = await api(f.gw, t).read('nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^id must be a conversation id/);
    expect(await unread(t, th.id)).toBe(1);
    expect(receiptsFor(t)).toEqual([]);
  });
});
