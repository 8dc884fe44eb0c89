// The 24-hour customer service window on POST /send-whatsapp: from the customer's last inbound
// message (posted as Meta's webhook, its timestamp set by the test), refused before Meta outside
// it, templates always allowed, organizations without webhooks not refused, the overrides, and a
// 131047 (in the send's answer or a failed status) closing it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { windowOf, WINDOW_MS } from '../../src/conversations/window.js';
import { ENGINES } from '../helpers/db.js';
import { bearer } from '../helpers/app.js';
import { PHONE_ID, startSimGateway, type SimGateway } from '../helpers/sim.js';
import { APP_ID, deliver, envelope, seedApp, status } from '../inbound/helpers.js';

const TEXT = { phone_number: '+27123456789', message_type: 'text', text: 'Hello' };

/**
 * Sets the organization's window rule and waits (polling, with a deadline) until the send path
 * sees it: requests see an organization's row through a short cache (auth/service.ts).
 */
async function setWindowCheck(gw: SimGateway, windowCheck: 'on' | 'off' | null): Promise<void> {
  await gw.ctx.organizations.update(gw.tenant.slug, { windowCheck });
  const deadline = Date.now() + 5000;
  for (;;) {
    const seen = await gw.ctx.auth.authenticate(`Bearer ${gw.tenant.key}`, gw.tenant.slug);
    if (seen.organization.window_check === windowCheck) return;
    if (Date.now() > deadline) throw new Error('the organization change was never seen');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const SECOND = 1000;
let seq = 0;

describe('windowOf', () => {
  const last = '2026-12-03T10:00:00.000Z';
  const at = (ms: number) => Date.parse(last) + ms;
  it.each([
    ['23:59:59 after the last inbound message', WINDOW_MS - SECOND, true],
    ['24:00:00 after it', WINDOW_MS, false],
    ['24:00:01 after it', WINDOW_MS + SECOND, false],
  ])('is open %s: %s', (_when, ms, open) => {
    expect(windowOf(last, null, at(ms))).toEqual({
      open,
      endsAt: '2026-12-04T10:00:00.000Z',
      closedByMeta: false,
      known: true,
    });
  });
  it('is closed by a 131047 after the last inbound message, and opened again by a newer one', () => {
    expect(windowOf(last, '2026-12-03T11:00:00.000Z', at(2 * 3600 * SECOND)).open).toBe(false);
    expect(windowOf('2026-12-03T12:00:00.000Z', '2026-12-03T11:00:00.000Z', at(3 * 3600 * SECOND)).open).toBe(true);
  });
  it('was never open when the customer never wrote', () => {
    expect(windowOf(null, null, Date.now())).toEqual({ open: false, endsAt: null, closedByMeta: false, known: true });
  });
});

describe.each(ENGINES)('the 24-hour window on POST /send-whatsapp (%s)', (engine) => {
  let gw: SimGateway;
  beforeAll(async () => {
    // Every send reads its window: the tests change it between sends (the cache has its own test).
    gw = await startSimGateway(engine, { SEND_CACHE_MS: '0' });
    await seedApp(gw);
    await gw.ctx.organizations.update(gw.tenant.slug, { metaApp: APP_ID });
  });
  afterAll(async () => gw.close());
  beforeEach(async () => {
    gw.sim.reset();
    await setWindowCheck(gw, null);
    await gw.ctx.db.kysely
      .updateTable('customer_sessions')
      .set({ last_inbound_at: null, window_closed_at: null })
      .execute();
  });

  /** The customer writes, as Meta's webhook says, `agoMs` before now. */
  async function customerWrote(agoMs: number): Promise<void> {
    // Meta's timestamps are whole seconds: rounded up, the message is at most `agoMs` old.
    const seconds = Math.ceil((Date.now() - agoMs) / 1000);
    const message = {
      from: '27123456789',
      id: `wamid.in${process.pid}x${++seq}`,
      timestamp: String(seconds),
      type: 'text',
      text: { body: 'hi' },
    };
    await deliver(
      gw,
      envelope(PHONE_ID, { contacts: [{ profile: { name: 'Thandi' }, wa_id: '27123456789' }], messages: [message] }),
    );
  }
  const rows = () =>
    gw.ctx.db.kysely.selectFrom('helpdesk_messages').select('id').where('direction', '=', 'outbound').execute();
  const session = () =>
    gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .selectAll()
      .where('contact_id', '=', gw.tenant.contactId)
      .executeTakeFirstOrThrow();

  it('sends a free-form message 23:59:59 after the customer’s last message, saying when the window ends', async () => {
    await customerWrote(WINDOW_MS - SECOND);
    const res = await gw.send(TEXT);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data.kind).toBe('free_form');
    expect(Date.parse(data.window_ends_at)).toBeGreaterThan(Date.now());
    expect(Date.parse(data.window_ends_at)).toBeLessThanOrEqual(Date.now() + 2 * SECOND);
    const read = await gw.app.inject({
      method: 'GET',
      url: `/api/messages/${encodeURIComponent(data.message_id)}?tenantId=${gw.tenant.slug}`,
      headers: bearer(gw.tenant.key),
    });
    expect(read.json().data).toMatchObject({ kind: 'free_form', window_ends_at: data.window_ends_at });
  });

  it('refuses a free-form message 24:00:01 after it, before Meta, saying when the window closed', async () => {
    await customerWrote(WINDOW_MS + SECOND);
    const closedAt = (await session()).last_inbound_at!;
    const before = (await rows()).length;
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(409);
    const expected = new Date(Date.parse(closedAt) + WINDOW_MS).toISOString();
    expect(res.json()).toEqual({
      error: 'Outside the customer service window',
      message: `The customer service window closed at ${expected}, 24 hours after the customer's last message; a free-form message would not be delivered (Meta's 131047). Only an approved template can be sent now (message_type "template").`,
      window_ends_at: expected,
      request_id: res.headers['x-request-id'],
    });
    expect(gw.sim.messages()).toHaveLength(0);
    expect(await rows()).toHaveLength(before);
  });

  it('refuses a free-form message to a customer who never wrote', async () => {
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/^The customer has not written to this number/);
    expect(gw.sim.messages()).toHaveLength(0);
  });

  it('follows the organization’s own setting: off sends outside the window', async () => {
    await setWindowCheck(gw, 'off');
    const res = await gw.send(TEXT);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ kind: 'free_form', window_ends_at: null });
  });

  it('closes the window on a 131047 in the send’s answer, until the customer writes again', async () => {
    await customerWrote(60 * SECOND);
    gw.sim.injectFault({
      path: 'messages',
      action: { kind: 'graph_error', code: 131047, httpStatus: 400, message: 'Re-engagement message' },
    });
    const refused = await gw.send(TEXT);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      error: 'Outside the customer service window',
      meta_error: { code: 131047 },
    });
    expect((await session()).window_closed_at).not.toBeNull();
    const calls = gw.sim.counts().messageCalls;
    const again = await gw.send(TEXT);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/^Meta reported the customer service window closed \(131047\)/);
    expect(gw.sim.counts().messageCalls).toBe(calls);
    await customerWrote(0);
    expect((await gw.send(TEXT)).statusCode).toBe(200);
  });

  it('closes the window on a failed status with 131047', async () => {
    await customerWrote(60 * SECOND);
    const sent = await gw.send(TEXT);
    expect(sent.statusCode).toBe(200);
    const wamid = sent.json().data.message_id as string;
    const failed = status(wamid, 'failed', Math.floor(Date.now() / 1000), {
      errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
    });
    await deliver(gw, envelope(PHONE_ID, { statuses: [failed] }));
    expect((await session()).window_closed_at).not.toBeNull();
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/^Meta reported the customer service window closed \(131047\)/);
  });

  it('does not close the window on a failed status with another code', async () => {
    await customerWrote(60 * SECOND);
    const sent = await gw.send(TEXT);
    const wamid = sent.json().data.message_id as string;
    const failed = status(wamid, 'failed', Math.floor(Date.now() / 1000), {
      errors: [{ code: 131026, title: 'Undeliverable' }],
    });
    await deliver(gw, envelope(PHONE_ID, { statuses: [failed] }));
    expect((await session()).window_closed_at).toBeNull();
    expect((await gw.send(TEXT)).statusCode).toBe(200);
  });
});

describe.each(ENGINES)('organizations the gateway cannot know the window of (%s)', (engine) => {
  it('does not refuse an organization that receives no webhooks, and refuses it when told to', async () => {
    const gw = await startSimGateway(engine, { SEND_CACHE_MS: '0' });
    try {
      const ok = await gw.send(TEXT);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().data).toMatchObject({ kind: 'free_form', window_ends_at: null });
      await setWindowCheck(gw, 'on');
      expect((await gw.send(TEXT)).statusCode).toBe(409);
    } finally {
      await gw.close();
    }
  });

  it.each([
    ['always', false, 409],
    ['off', true, 200],
  ] as const)('WINDOW_CHECK=%s (organization with webhooks: %s) answers %i', async (rule, withApp, code) => {
    const gw = await startSimGateway(engine, { WINDOW_CHECK: rule, SEND_CACHE_MS: '0' });
    try {
      if (withApp) {
        await seedApp(gw);
        await gw.ctx.organizations.update(gw.tenant.slug, { metaApp: APP_ID });
      }
      expect((await gw.send(TEXT)).statusCode).toBe(code);
    } finally {
      await gw.close();
    }
  });
});
