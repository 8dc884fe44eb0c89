// End to end: the simulator sends as Meta does (signed, with its delays, duplicates, reordering,
// failures, statuses before the send's answer, customers' messages) to a listening gateway.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim } from '../../meta-sim/index.js';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';
import { APP_ID, APP_SECRET, seedApp } from './helpers.js';

const PHONE_ID = '106540352242922';
const TOKEN = 'EAAG-sim-token-for-e2e-0123456789';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(ENGINES)('the simulator’s webhooks against a listening gateway (%s)', (engine) => {
  let sim: Awaited<ReturnType<typeof startMetaSim>>;
  let gw: TestGateway;
  let t: Tenant;

  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: TOKEN } });
    gw = await startGateway(engine, { META_GRAPH_URL: sim.url, RATE_LIMIT_PER_KEY: '0', META_RETRY_BUDGET_MS: '1000' });
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (gw.app.server.address() as AddressInfo).port;
    await seedApp(gw);
    t = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: TOKEN });
    // Statuses, not the 24-hour window (test/conversations/window*.test.ts): free-form sends allowed.
    await gw.ctx.organizations.update(t.slug, { metaApp: APP_ID, windowCheck: 'off' });
    sim.webhooks.addApp({ callbackUrl: `http://127.0.0.1:${port}/webhooks/meta/${APP_ID}`, appSecret: APP_SECRET });
    sim.webhooks.configure({ statusDelays: { sent: 0, delivered: 20, read: 40 }, retryScheduleMs: [20, 40, 80, 160] });
  });
  afterAll(async () => {
    await gw.close();
    await sim.close();
  });
  beforeEach(() => sim.webhooks.clearStatusFaults());

  const send = async (text: string) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${t.slug}`,
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ phone_number: t.phone, message_type: 'text', text }),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ data: { message_id: string } }>().data.message_id;
  };
  const row = (wamid: string) =>
    gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('whatsapp_message_id', '=', wamid)
      .executeTakeFirstOrThrow();
  const historyOf = (wamid: string) =>
    gw.ctx.db.kysely.selectFrom('message_statuses').select('status').where('whatsapp_message_id', '=', wamid).execute();
  const statusBecomes = (wamid: string, status: string) =>
    until(`${wamid} → ${status}`, async () => ((await row(wamid)).status === status ? true : undefined));
  const settled = () =>
    until('every webhook delivered', async () =>
      sim.webhooks.deliveries().every((d) => d.state !== 'pending') ? true : undefined,
    );

  it('moves a sent message through delivered to read, each status once', async () => {
    const wamid = await send('hello');
    await statusBecomes(wamid, 'read');
    await settled();
    expect((await historyOf(wamid)).map((h) => h.status).sort()).toEqual(['delivered', 'read', 'sent']);
  });

  it('applies duplicated and reversed statuses once, ending where the chain ends', async () => {
    sim.webhooks.injectStatusFault({ duplicate: 2, reverse: true });
    const wamid = await send('twice');
    // Nine webhooks (three statuses, each three times), read first; the chain still ends at read.
    await until('nine deliveries', async () =>
      sim.webhooks.deliveries().filter((d) => d.wamids.includes(wamid) && d.state === 'delivered').length === 9
        ? true
        : undefined,
    );
    await gw.ctx.inbound.idle();
    expect((await row(wamid)).status).toBe('read');
    expect(await historyOf(wamid)).toHaveLength(3);
  });

  it('records a failure that arrives after the 200, with Meta’s code', async () => {
    sim.webhooks.injectStatusFault({ failed: { code: 131047 } });
    const wamid = await send('too late');
    await statusBecomes(wamid, 'failed');
    expect((await row(wamid)).error_code).toBe('131047');
  });

  it('applies a status that arrived before the send’s answer', async () => {
    sim.webhooks.injectStatusFault({ beforeAnswer: true, skipDelivered: true });
    const wamid = await send('early');
    await settled();
    // The early `sent` may have come before the wamid was stored; the waiting statuses are applied.
    await until('read', async () => {
      await gw.ctx.inbound.applyWaiting();
      return (await row(wamid)).status === 'read' ? true : undefined;
    });
  });

  it('stores a customer’s reply to a sent message, linked to it', async () => {
    const wamid = await send('question?');
    const res = await sim.webhooks.inbound({
      type: 'text',
      from: t.phone,
      text: { body: 'answer!' },
      context: { id: wamid },
    });
    const inboundId = (res.messages[0] as { id: string }).id;
    const stored = await until('the reply stored', async () =>
      gw.ctx.db.kysely
        .selectFrom('helpdesk_messages')
        .selectAll()
        .where('whatsapp_message_id', '=', inboundId)
        .executeTakeFirst(),
    );
    expect(stored).toMatchObject({ direction: 'inbound', contact_id: t.contactId, context_wamid: wamid });
  });

  it('is retried by the sender when it cannot answer 200, and stores the message once', async () => {
    const wamid = await send('retry');
    await statusBecomes(wamid, 'read');
    const before = sim.webhooks.deliveries().length;
    // The next two deliveries find the gateway refusing (a secret the sim does not know).
    await gw.ctx.apps.update(APP_ID, { appSecret: 'rotated-secret-not-yet-at-meta' });
    const res = await sim.webhooks.inbound({ type: 'text', from: t.phone, text: { body: 'again' } });
    await until('a refused attempt', async () =>
      sim.webhooks
        .deliveries()
        .slice(before)
        .some((d) => d.attempts.some((a) => a.status === 401))
        ? true
        : undefined,
    );
    await gw.ctx.apps.update(APP_ID, { appSecret: APP_SECRET });
    await settled();
    await gw.ctx.inbound.idle();
    const rows = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('id')
      .where('whatsapp_message_id', '=', (res.messages[0] as { id: string }).id)
      .execute();
    expect(rows).toHaveLength(1);
  });
});
