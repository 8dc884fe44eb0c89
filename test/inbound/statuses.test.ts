// Status webhooks → helpdesk_messages and their history: forward only, failed after sent with
// Meta's errors, duplicates change nothing, a status before its wamid waits and is applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import {
  deliver,
  envelope,
  messageRow,
  outcomeOf,
  receipts,
  seedApp,
  seedWebhookTenant,
  sentMessage,
  status,
  type WebhookTenant,
} from './helpers.js';

const T0 = 1_764_000_000;
let seq = 0;
const wamid = () => `wamid.test${process.pid}x${++seq}`;

describe.each(ENGINES)('status webhooks (%s)', (engine) => {
  let gw: TestGateway;
  let t: WebhookTenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
    t = await seedWebhookTenant(gw);
  });
  afterAll(async () => gw.close());

  const history = (w: string) =>
    gw.ctx.db.kysely
      .selectFrom('message_statuses')
      .selectAll()
      .where('whatsapp_message_id', '=', w)
      .orderBy('occurred_at')
      .execute();

  it('moves a sent message to delivered then read, keeping each status with Meta’s time', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'delivered', T0 + 1)] }));
    expect((await messageRow(gw, id)).status).toBe('delivered');
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'read', T0 + 2)] }));
    const row = await messageRow(gw, id);
    expect(row.status).toBe('read');
    expect(row.status_at).toBe(new Date((T0 + 2) * 1000).toISOString());
    expect((await history(w)).map((h) => [h.status, h.occurred_at])).toEqual([
      ['delivered', new Date((T0 + 1) * 1000).toISOString()],
      ['read', new Date((T0 + 2) * 1000).toISOString()],
    ]);
  });

  it('takes Meta’s time from the sent webhook for a row the send already made sent', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    expect(await messageRow(gw, id)).toMatchObject({ status: 'sent', status_at: null });
    const body = envelope(t.phoneNumberId, { statuses: [status(w, 'sent', T0 + 5)] });
    await deliver(gw, body);
    expect(await messageRow(gw, id)).toMatchObject({
      status: 'sent',
      status_at: new Date((T0 + 5) * 1000).toISOString(),
    });
    expect((await outcomeOf(gw, body)).counts).toMatchObject({ status_applied: 1 });
  });

  it('stores the recipient’s user id from a status on the contact, unless another contact has it', async () => {
    const contact = () =>
      gw.ctx.db.kysely.selectFrom('contacts').selectAll().where('id', '=', t.contactId).executeTakeFirstOrThrow();
    const w = wamid();
    await sentMessage(gw, t, w);
    // Another contact of the organization already holds this id: left alone, and nothing fails.
    const other = await gw.ctx.contacts.create(t.organizationId, { phone_number: '+27899990001' });
    await gw.ctx.db.kysely.updateTable('contacts').set({ user_id: 'US.taken' }).where('id', '=', other.id).execute();
    const first = envelope(t.phoneNumberId, {
      statuses: [status(w, 'delivered', T0 + 1, { recipient_user_id: 'US.taken' })],
    });
    await deliver(gw, first);
    expect((await outcomeOf(gw, first)).counts).toEqual({ status_applied: 1 });
    expect((await contact()).user_id).toBeNull();
    const second = envelope(t.phoneNumberId, {
      statuses: [status(w, 'read', T0 + 2, { recipient_user_id: 'US.mine' })],
    });
    await deliver(gw, second);
    expect((await contact()).user_id).toBe('US.mine');
  });

  it('never moves backwards: a late delivered after read changes only the history', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        statuses: [status(w, 'read', T0 + 5), status(w, 'delivered', T0 + 4), status(w, 'sent', T0 + 3)],
      }),
    );
    expect((await messageRow(gw, id)).status).toBe('read');
    expect((await history(w)).map((h) => h.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('takes played after read (voice messages), and skips a missing delivered', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'read', T0 + 1)] }));
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'played', T0 + 2)] }));
    expect((await messageRow(gw, id)).status).toBe('played');
  });

  it('records failed after sent, with Meta’s errors in the row’s error fields', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const errors = [
      {
        code: 131047,
        title: 'Re-engagement message',
        message: 'Re-engagement message',
        error_data: { details: 'Message failed to send because more than 24 hours have passed' },
      },
    ];
    await deliver(
      gw,
      envelope(t.phoneNumberId, { statuses: [status(w, 'sent', T0), status(w, 'failed', T0 + 1, { errors })] }),
    );
    const row = await messageRow(gw, id);
    expect(row.status).toBe('failed');
    expect(row.error_code).toBe('131047');
    expect(row.error_message).toBe('Re-engagement message');
    expect(JSON.parse(row.error_details!)).toEqual([
      expect.objectContaining({
        code: 131047,
        details: 'Message failed to send because more than 24 hours have passed',
      }),
    ]);
    // Nothing moves a failed message, not even a late delivered.
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'delivered', T0 + 2)] }));
    expect((await messageRow(gw, id)).status).toBe('failed');
  });

  it('changes nothing for a duplicate, in one body or in another', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const body = envelope(t.phoneNumberId, {
      statuses: [status(w, 'delivered', T0 + 1), status(w, 'delivered', T0 + 1)],
    });
    await deliver(gw, body);
    const first = await messageRow(gw, id);
    await deliver(gw, body);
    expect(await messageRow(gw, id)).toEqual(first);
    expect(await history(w)).toHaveLength(1);
    expect((await outcomeOf(gw, body)).counts).toMatchObject({ status_duplicate: 2 });
  });

  it('keeps pricing and conversation for cost reporting', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const conversation = { id: 'conv1', expiration_timestamp: String(T0 + 86_400), origin: { type: 'service' } };
    const pricing = { billable: true, pricing_model: 'PMP', category: 'service', type: 'regular' };
    await deliver(
      gw,
      envelope(t.phoneNumberId, { statuses: [status(w, 'delivered', T0 + 1, { conversation, pricing })] }),
    );
    const row = await messageRow(gw, id);
    expect(JSON.parse(row.pricing!)).toMatchObject({ billable: true, category: 'service' });
    expect(JSON.parse(row.conversation!)).toMatchObject({ id: 'conv1', originType: 'service' });
  });

  it('keeps a status value it does not know, without touching the message', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'deleted', T0 + 1)] }));
    expect((await messageRow(gw, id)).status).toBe('sent');
    expect((await history(w)).map((h) => h.status)).toEqual(['deleted']);
  });

  it('keeps a status that arrives before its wamid is stored, and applies it when it is', async () => {
    const w = wamid();
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'delivered', T0 + 1)] }));
    expect((await history(w))[0]!.applied_at).toBeNull();
    const id = await sentMessage(gw, t, w);
    expect((await messageRow(gw, id)).status).toBe('sent');
    await gw.ctx.inbound.applyWaiting();
    expect((await messageRow(gw, id)).status).toBe('delivered');
    expect((await history(w))[0]!.applied_at).not.toBeNull();
  });

  it('applies one bad item’s neighbours: a status with no id does not stop the others', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const body = envelope(t.phoneNumberId, {
      statuses: [{ status: 'read', timestamp: String(T0) }, 'junk', status(w, 'read', T0 + 1)],
    });
    await deliver(gw, body);
    expect((await messageRow(gw, id)).status).toBe('read');
    const outcome = await outcomeOf(gw, body);
    expect(outcome.counts).toMatchObject({ invalid: 2, status_applied: 1 });
    expect(outcome.notes).toHaveLength(2);
  });

  it('routes only among the app’s own organizations', async () => {
    // Same phone_number_id as t, but t belongs to app 1001 and this body arrives for app 3003.
    await gw.ctx.apps.create('3003', { appSecret: 'secret-3003', verifyToken: 'verify-3003' });
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const { createHmac } = await import('node:crypto');
    const body = envelope(t.phoneNumberId, { statuses: [status(w, 'read', T0 + 1)] });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/webhooks/meta/3003',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', 'secret-3003').update(body).digest('hex')}`,
      },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    await gw.ctx.inbound.idle();
    expect((await messageRow(gw, id)).status).toBe('sent');
    expect((await outcomeOf(gw, body)).counts).toMatchObject({ unrouted: 1 });
  });

  it('stores and acknowledges a signed body that is not JSON, processed with its reason', async () => {
    const body = `{"object": "whatsapp_business_account", "entry": [ ${wamid()}`;
    await deliver(gw, body);
    expect((await receipts(gw)).find((r) => r.body === body)?.state).toBe('processed');
    expect((await outcomeOf(gw, body)).notes[0]!.reason).toMatch(/not JSON/);
  });
});
