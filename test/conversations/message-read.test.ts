// GET /api/messages/{id}: a message by our id or its wamid, with Meta's statuses oldest first,
// Meta's error when it failed, its contact; inbound messages too; never another organization's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { bearer, startGateway, type TestGateway } from '../helpers/app.js';
import {
  deliver,
  envelope,
  seedApp,
  seedWebhookTenant,
  sentMessage,
  status,
  type WebhookTenant,
} from '../inbound/helpers.js';

const T0 = 1_764_200_000;
const iso = (s: number) => new Date(s * 1000).toISOString();
let seq = 0;
const wamid = () => `wamid.read${process.pid}x${++seq}`;

describe.each(ENGINES)('GET /api/messages/{id} (%s)', (engine) => {
  let gw: TestGateway;
  let t: WebhookTenant;
  let other: WebhookTenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
    t = await seedWebhookTenant(gw);
    other = await seedWebhookTenant(gw);
  });
  afterAll(async () => gw.close());

  const get = (id: string, tenant = t, key = tenant.key) =>
    gw.app.inject({
      method: 'GET',
      url: `/api/messages/${encodeURIComponent(id)}?tenantId=${tenant.slug}`,
      headers: bearer(key),
    });

  it('shows a sent message read, with its history in Meta’s order, by id and by wamid', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const pricing = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };
    const conversation = { id: 'conv-1', origin: { type: 'utility' }, expiration_timestamp: String(T0 + 86_400) };
    // Out of order, in two bodies: the history is ordered by Meta's time, not by arrival.
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'read', T0 + 9)] }));
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        statuses: [status(w, 'delivered', T0 + 5, { pricing, conversation }), status(w, 'sent', T0 + 1)],
      }),
    );
    const res = await get(id);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      success: true,
      data: {
        id,
        whatsapp_message_id: w,
        direction: 'outbound',
        message_type: 'text',
        content: { text: 'hi' },
        contact: { id: t.contactId, whatsapp_number: t.phone, name: 'Test Contact' },
        status: 'read',
        status_at: iso(T0 + 9),
        error: null,
        pricing: { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' },
        conversation: { id: 'conv-1', origin_type: 'utility', expires_at: iso(T0 + 86_400) },
        media: null,
        context_message_id: null,
      },
    });
    expect(body.data.statuses).toEqual([
      { status: 'sent', occurred_at: iso(T0 + 1), errors: null },
      { status: 'delivered', occurred_at: iso(T0 + 5), errors: null },
      { status: 'read', occurred_at: iso(T0 + 9), errors: null },
    ]);
    const byWamid = await get(w);
    expect(byWamid.statusCode).toBe(200);
    expect(byWamid.json()).toEqual(body);
    // Our id in upper case is the same id.
    expect((await get(id.toUpperCase())).json().data.id).toBe(id);
  });

  it('shows a failed message with Meta’s error, on the message and in its history', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const errors = [
      {
        code: 131026,
        title: 'Message undeliverable',
        message: 'Message undeliverable',
        error_data: { details: 'The recipient is not on WhatsApp' },
      },
    ];
    await deliver(
      gw,
      envelope(t.phoneNumberId, { statuses: [status(w, 'sent', T0), status(w, 'failed', T0 + 2, { errors })] }),
    );
    const res = await get(w);
    expect(res.statusCode, res.body).toBe(200);
    const { data } = res.json();
    expect(data).toMatchObject({
      id,
      status: 'failed',
      status_at: iso(T0 + 2),
      error: {
        code: '131026',
        message: 'Message undeliverable',
        details: [expect.objectContaining({ code: 131026, details: 'The recipient is not on WhatsApp' })],
      },
    });
    expect(data.statuses.map((s: { status: string }) => s.status)).toEqual(['sent', 'failed']);
    expect(data.statuses[1].errors).toEqual([
      expect.objectContaining({ code: 131026, title: 'Message undeliverable' }),
    ]);
  });

  it('shows an inbound message with its sender, and the message it replies to', async () => {
    const replied = wamid();
    await sentMessage(gw, t, replied);
    const w = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        messages: [
          {
            from: t.phone,
            id: w,
            timestamp: String(T0 + 20),
            type: 'text',
            text: { body: 'yes please' },
            context: { from: '15550001111', id: replied },
          },
        ],
      }),
    );
    const res = await get(w);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({
      whatsapp_message_id: w,
      direction: 'inbound',
      message_type: 'text',
      content: { type: 'text', body: 'yes please', context: { id: replied } },
      contact: { id: t.contactId, whatsapp_number: t.phone },
      status: 'received',
      status_at: iso(T0 + 20),
      error: null,
      media: null,
      context_message_id: replied,
      statuses: [],
    });
    const byId = await get(res.json().data.id);
    expect(byId.json()).toEqual(res.json());
  });

  it('answers another organization’s message as 404 Not found, by id and by wamid, like an unknown one', async () => {
    const w = wamid();
    const id = await sentMessage(gw, t, w);
    const theirs = [await get(id, other), await get(w, other)];
    const unknown = [await get('01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e7f'), await get(wamid())];
    for (const res of [...theirs, ...unknown]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'Not found', message: expect.stringMatching(/^No message exists/) });
    }
    // The same words for a message that exists elsewhere as for one that exists nowhere.
    const words = (r: (typeof theirs)[number]) => r.json().message.replace(/".*"/, '');
    expect(new Set([...theirs, ...unknown].map(words)).size).toBe(1);
  });

  it('answers a bad key with 401 Invalid API key', async () => {
    const id = await sentMessage(gw, t, wamid());
    const res = await get(id, t, `fiq_${'A'.repeat(43)}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'Invalid API key' });
    // Another organization's key for this tenant is refused the same way.
    expect((await get(id, t, other.key)).statusCode).toBe(401);
  });

  it.each([['not-an-id'], ['12345'], ['wamid.'], ['wamid.has space'], ['01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e7']])(
    'answers a malformed id %j with 400 Invalid field in the contract’s shape',
    async (id) => {
      const res = await get(id);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'Invalid field',
        message: expect.stringMatching(/\bid\b/),
        request_id: res.headers['x-request-id'],
      });
    },
  );

  it('answers a path id past the router’s 100 characters with 400 in the contract’s shape', async () => {
    const res = await get(`wamid.${'A'.repeat(120)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid request', request_id: res.headers['x-request-id'] });
  });

  const byQuery = (query: string, tenant = t) =>
    gw.app.inject({ method: 'GET', url: `/api/messages?tenantId=${tenant.slug}${query}`, headers: bearer(tenant.key) });

  it('finds a wamid of any length in the query form, with the same answer', async () => {
    const long = `wamid.${'B'.repeat(150)}+/==`;
    const id = await sentMessage(gw, t, long);
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(long, 'delivered', T0 + 3)] }));
    const res = await byQuery(`&whatsapp_message_id=${encodeURIComponent(long)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ id, whatsapp_message_id: long, status: 'delivered' });
    expect(res.json().data.statuses).toEqual([{ status: 'delivered', occurred_at: iso(T0 + 3), errors: null }]);
    expect((await byQuery(`&whatsapp_message_id=${encodeURIComponent(long)}`, other)).statusCode).toBe(404);
  });

  it.each([
    ['', 'Missing required field', /whatsapp_message_id/],
    ['&whatsapp_message_id=', 'Missing required field', /whatsapp_message_id/],
    ['&whatsapp_message_id=abc', 'Invalid field', /whatsapp_message_id must be/],
  ])('answers the query form %j with 400 %s', async (query, error, message) => {
    const res = await byQuery(query);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error, message: expect.stringMatching(message) });
  });

  it('is documented in OpenAPI under messages, with an example answer', async () => {
    const spec = (await gw.app.inject('/openapi.json')).json();
    for (const path of ['/api/messages/{id}', '/api/messages']) {
      const op = spec.paths[path].get;
      expect(op.tags).toEqual(['messages']);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
      expect(JSON.stringify(op.responses['200'])).toContain('"pricing_model":"PMP"');
    }
  });
});
