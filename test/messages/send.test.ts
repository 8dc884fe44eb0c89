import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, SEND_VARIANTS } from '../helpers/db.js';
import { seedTenant } from '../helpers/app.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { DOCUMENT_EXAMPLES, WAMID } from '../messages/document-examples.js';

// The document's example bodies, as written. Media examples go through the media pipeline's tests.
const EXAMPLES = Object.fromEntries(
  Object.entries(DOCUMENT_EXAMPLES).filter(([, body]) => !JSON.stringify(body).includes('example.com')),
);
const TEXT = DOCUMENT_EXAMPLES.text!;
const REPLY = DOCUMENT_EXAMPLES['reply to a message']!;

describe.each(SEND_VARIANTS)('POST /send-whatsapp on %s', (_name, engine, opts) => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway(engine, {}, opts);
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim.reset());

  it.each(Object.entries(EXAMPLES))(
    "sends the document's %s example and answers its success shape",
    async (_name, body) => {
      const res = await gw.send(body);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const json = res.json();
      const [received] = gw.sim.messages();
      expect(received).toBeDefined();
      expect((received!.payload as { to: string }).to).toBe('+27123456789');
      expect(json).toEqual({
        success: true,
        message: 'Message sent successfully',
        data: {
          message_id: received!.wamid,
          recipient: '27123456789',
          message_type: (body as { message_type: string }).message_type,
          organization: gw.tenant.name,
          kind: 'free_form',
          window_ends_at: null,
          meta_response: {
            messaging_product: 'whatsapp',
            contacts: [{ input: '+27123456789', wa_id: '27123456789' }],
            messages: [{ id: received!.wamid }],
          },
        },
      });
      const row = await gw.ctx.db.kysely
        .selectFrom('helpdesk_messages')
        .selectAll()
        .where('whatsapp_message_id', '=', received!.wamid)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        status: 'sent',
        direction: 'outbound',
        message_type: (body as { message_type: string }).message_type,
        contact_id: gw.tenant.contactId,
      });
      expect(JSON.parse(row.content)).toEqual(body);
    },
  );

  it("answers with Meta's response body byte for byte, as it arrived", async () => {
    // Spacing, an escape and a number a parse would round: only a copy of the bytes keeps them.
    const meta =
      '{ "messaging_product": "whatsapp", "contacts": [ { "input": "+27123456789", "wa_id": "27123456789" } ], "messages": [ { "id": "wamid.raw-1", "note": "caf\\u00e9", "n": 12345678901234567890123 } ] }';
    gw.sim.injectFault({ path: 'messages', action: { kind: 'http_status', status: 200, body: meta } });
    const res = await gw.send(TEXT);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body.endsWith(`"meta_response":${meta}}}`)).toBe(true);
    expect(res.json().data.message_id).toBe('wamid.raw-1');
  });

  it("sends replies with Meta's context and reactions with 👍 by default", async () => {
    await gw.send(REPLY);
    await gw.send({ phone_number: '+27123456789', message_type: 'reaction', reaction: { message_id: WAMID } });
    const [reply, reaction] = gw.sim.messages();
    expect(reply!.payload).toMatchObject({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      type: 'text',
      text: { body: 'This is a reply to your message!' },
      context: { message_id: WAMID },
    });
    expect(reaction!.payload).toMatchObject({ type: 'reaction', reaction: { message_id: WAMID, emoji: '👍' } });
  });

  it('removes a reaction with an empty emoji, sent to Meta as ""', async () => {
    const res = await gw.send({
      phone_number: '+27123456789',
      message_type: 'reaction',
      reaction: { message_id: WAMID, emoji: '' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [reaction] = gw.sim.messages();
    expect(reaction!.payload).toMatchObject({ type: 'reaction', reaction: { message_id: WAMID, emoji: '' } });
  });

  it('sends a reaction whose context_message_id is empty, as an empty optional field, without context', async () => {
    const res = await gw.send({
      phone_number: '+27123456789',
      message_type: 'reaction',
      context_message_id: '',
      reaction: { message_id: WAMID, emoji: '❤️' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [reaction] = gw.sim.messages();
    expect(reaction!.payload).toMatchObject({ type: 'reaction', reaction: { message_id: WAMID, emoji: '❤️' } });
    expect(reaction!.payload).not.toHaveProperty('context');
  });

  it('creates the conversation thread on the first message and updates it with each', async () => {
    const t = await seedTenant(gw.ctx, {
      phoneId: '106540352242922',
      token: 'EAAG-sim-token-for-tests-0123456789',
      phone: '+491701234567',
    });
    const send = (text: string) =>
      gw.app.inject({
        method: 'POST',
        url: `/send-whatsapp?tenantId=${t.slug}`,
        headers: { authorization: `Bearer ${t.key}` },
        payload: { phone_number: '+49 170 1234567', message_type: 'text', text },
      });
    expect((await send('one')).statusCode).toBe(200);
    const first = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .selectAll()
      .where('contact_id', '=', t.contactId)
      .execute();
    expect(first).toHaveLength(1);
    expect(first[0]!.message_count).toBe(1);
    expect((await send('two')).statusCode).toBe(200);
    const second = await gw.ctx.db.kysely
      .selectFrom('customer_sessions')
      .selectAll()
      .where('contact_id', '=', t.contactId)
      .execute();
    expect(second).toHaveLength(1);
    expect(second[0]!.message_count).toBe(2);
    expect(second[0]!.last_message_at >= first[0]!.last_message_at).toBe(true);
    const history = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['content', 'session_id'])
      .where('session_id', '=', second[0]!.id)
      .orderBy('created_at')
      .execute();
    expect(history.map((m) => (JSON.parse(m.content) as { text: string }).text)).toEqual(['one', 'two']);
  });
});

describe.each(ENGINES)("the document's checks, in order, on %s", (engine) => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway(engine);
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim.reset());

  const post = (tenantId: string, key: string, body: unknown) =>
    gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${tenantId}`,
      headers: { authorization: `Bearer ${key}` },
      payload: body as object,
    });

  it('1: answers 401 Invalid API key before anything else, even with a bad body', async () => {
    const res = await post('no-such-org', 'sk_nope', { nonsense: true });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'Invalid API key' });
  });

  it('1: answers 401 "API key has been revoked" exactly as the document shows', async () => {
    const t = await seedTenant(gw.ctx);
    await gw.ctx.auth.revokeKey(t.keyId);
    const res = await post(t.slug, t.key, TEXT);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'Invalid API key', message: 'API key has been revoked' });
  });

  it('2: answers 404 Organization not found', async () => {
    const res = await post('no-such-org', gw.tenant.key, TEXT);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Organization not found' });
  });

  it("3: answers 400 Invalid provider with the document's message, before validating the body", async () => {
    const t = await seedTenant(gw.ctx, { provider: 'wati' });
    // Twice: the first looks the key up, the second finds it cached and checks synchronously.
    for (let i = 0; i < 2; i++) {
      const res = await post(t.slug, t.key, { nonsense: true });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'Invalid provider',
        message: 'Organization must use Meta WhatsApp provider. Current: wati',
      });
    }
  });

  it.each([
    [{ phoneId: null }, /meta_phone_id/],
    [{ token: null }, /whatsapp_bearer_token/],
    [{ phoneId: null, token: null }, /meta_phone_id and whatsapp_bearer_token/],
  ])('4: answers 400 naming the missing credential (%o)', async (opts, message) => {
    const t = await seedTenant(gw.ctx, opts);
    for (let i = 0; i < 2; i++) {
      const res = await post(t.slug, t.key, TEXT);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'Meta credentials not configured',
        message: expect.stringMatching(message),
      });
    }
    expect(gw.sim.counts().messageCalls).toBe(0);
  });

  it('5: answers 400 Missing required field "text is required for text messages"', async () => {
    const res = await post(gw.tenant.slug, gw.tenant.key, { phone_number: '+27123456789', message_type: 'text' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'Missing required field',
      message: 'text is required for text messages',
    });
  });

  it('5: answers 400 Invalid message type', async () => {
    const res = await post(gw.tenant.slug, gw.tenant.key, { phone_number: '+27123456789', message_type: 'sticker' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid message type' });
  });

  it('5: validates the body before looking up the contact', async () => {
    const res = await post(gw.tenant.slug, gw.tenant.key, { phone_number: '+19999999999', message_type: 'text' });
    expect(res.json()).toMatchObject({ error: 'Missing required field' });
  });

  it("6: answers 404 Contact not found with the document's exact message and whatsapp_id", async () => {
    const res = await post(gw.tenant.slug, gw.tenant.key, {
      phone_number: '+27 (12) 345-6780',
      message_type: 'text',
      text: 'hi',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      error: 'Contact not found',
      message:
        'No contact exists with WhatsApp number 27123456780. Please create the contact first using the /api/contact endpoint.',
      whatsapp_id: '27123456780',
    });
    expect(gw.sim.counts().messageCalls).toBe(0);
  });

  it('finds the contact whatever the spelling of the number, and sends to +digits', async () => {
    const res = await post(gw.tenant.slug, gw.tenant.key, {
      phone_number: '+27 (12) 345-6789',
      message_type: 'text',
      text: 'hi',
    });
    expect(res.statusCode).toBe(200);
    expect((gw.sim.messages()[0]!.payload as { to: string }).to).toBe('+27123456789');
  });

  it('also answers at /api/send-whatsapp', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/send-whatsapp?tenantId=${gw.tenant.slug}`,
      headers: { authorization: `Bearer ${gw.tenant.key}` },
      payload: TEXT as object,
    });
    expect(res.statusCode).toBe(200);
  });
});
