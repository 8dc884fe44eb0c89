// What a send reuses for SEND_CACHE_MS: a template read from the catalogue (dropped when Meta
// refuses one of the organization's templates) and an open window (dropped on a 131047); a closed
// window and a missing template are read again every time.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { PHONE_ID, startSimGateway, type SimGateway } from '../helpers/sim.js';
import { APP_ID, deliver, envelope, seedApp } from '../inbound/helpers.js';

const SEND = {
  phone_number: '+27123456789',
  message_type: 'template',
  template: { name: 'cached_order', language: 'en_US', body: ['Jessica'] },
};
const TEXT = { phone_number: '+27123456789', message_type: 'text', text: 'Hello' };

describe.each(ENGINES)('what a send reuses (%s)', (engine) => {
  let gw: SimGateway;
  let waba: string;
  beforeAll(async () => {
    gw = await startSimGateway(engine, { SEND_CACHE_MS: '60000' });
    waba = gw.sim.wabaOf(PHONE_ID);
    await seedApp(gw);
    await gw.ctx.organizations.update(gw.tenant.slug, { metaWabaId: waba, metaApp: APP_ID });
    gw.sim.addTemplate(waba, {
      name: 'cached_order',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}!' }],
    });
    await gw.ctx.templates.sync(gw.tenant.organizationId);
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim.reset());

  it('reads a template once for many sends, and again after Meta refused one', async () => {
    const find = vi.spyOn(gw.ctx.templates, 'find');
    for (let i = 0; i < 3; i++) expect((await gw.send(SEND)).statusCode).toBe(200);
    expect(find).toHaveBeenCalledTimes(1);
    gw.sim.injectFault({ path: 'messages', action: { kind: 'graph_error', code: 132000, httpStatus: 400 } });
    expect((await gw.send(SEND)).statusCode).toBe(400);
    expect((await gw.send(SEND)).statusCode).toBe(200);
    expect(find).toHaveBeenCalledTimes(2);
    find.mockRestore();
  });

  it('keeps an open window, reads a closed one every time, and drops it on a 131047', async () => {
    const at = Math.ceil(Date.now() / 1000);
    const message = {
      from: '27123456789',
      id: `wamid.cache${process.pid}`,
      timestamp: String(at),
      type: 'text',
      text: { body: 'hi' },
    };
    await deliver(
      gw,
      envelope(PHONE_ID, { contacts: [{ profile: { name: 'T' }, wa_id: '27123456789' }], messages: [message] }),
    );
    expect((await gw.send(TEXT)).statusCode).toBe(200);
    // The window closes in the database; the send still sees it open for SEND_CACHE_MS.
    await gw.ctx.db.kysely
      .updateTable('customer_sessions')
      .set({ last_inbound_at: '2020-01-01T00:00:00.000Z' })
      .where('contact_id', '=', gw.tenant.contactId)
      .execute();
    expect((await gw.send(TEXT)).statusCode).toBe(200);
    // A 131047 answered here drops it: the next send reads the closed window, and keeps reading it.
    gw.sim.injectFault({ path: 'messages', action: { kind: 'graph_error', code: 131047, httpStatus: 400 } });
    expect((await gw.send(TEXT)).statusCode).toBe(409);
    const calls = gw.sim.counts().messageCalls;
    expect((await gw.send(TEXT)).statusCode).toBe(409);
    expect(gw.sim.counts().messageCalls).toBe(calls);
  });
});
