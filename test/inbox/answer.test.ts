// POST /inbox/api/conversations/{id}/messages on each engine, against the simulator: an agent
// answers with the send route's body without phone_number; replies and reactions name their target
// by our id or its wamid within the conversation; the send route's rules and answers hold (the
// window, templates, 400s); Idempotency-Key never sends twice and is the agent's own; another
// organization's agent and a request without the CSRF token send nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { T0, api, inbound, nowS, startInbox, threadOf, type InboxFixture } from '../conversations/inbox-helpers.js';
import type { WebhookTenant } from '../inbound/helpers.js';
import { answer, signedInAgent } from './helpers.js';

let numberSeq = 0;
const number = () => `2782${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

describe.each(ENGINES)('answering from the inbox (%s)', (engine) => {
  let f: InboxFixture;
  beforeAll(async () => {
    f = await startInbox(engine);
  });
  afterAll(async () => f.close());

  /** A conversation whose customer wrote `at` (now by default: the window is open). */
  async function conversation(opts: { at?: number; t?: WebhookTenant } = {}) {
    const t = opts.t ?? (await f.tenant());
    const n = number();
    const w = await inbound(f.gw, t, { from: n, at: opts.at ?? nowS(), body: 'is my order on its way?' });
    const th = await threadOf(f.gw, t, n);
    return { t, n, w, th, agent: await signedInAgent(f.gw, t.slug) };
  }
  const sentTo = (n: string) => f.sim.messages().filter((m) => m.to === n);
  const page = async (t: WebhookTenant, id: string) =>
    (await api(f.gw, t).messages(id)).json<{ data: Record<string, unknown>[] }>().data;

  it('sends a text to the conversation’s contact and answers in the send route’s shape', async () => {
    const { t, n, th, agent } = await conversation();
    const res = await answer(agent, th.id, { message_type: 'text', text: 'Yes, it ships today' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      success: true,
      message: 'Message sent successfully',
      data: { recipient: n, message_type: 'text', kind: 'free_form', message_id: expect.stringMatching(/^wamid\./) },
    });
    expect(sentTo(n)).toEqual([
      expect.objectContaining({
        type: 'text',
        payload: expect.objectContaining({ to: `+${n}`, text: { body: 'Yes, it ships today' } }),
      }),
    ]);
    // The read API names the agent who sent it; the customer's message has no sender.
    const messages = await page(t, th.id);
    expect(messages.map((m) => [m['direction'], m['sent_by']])).toEqual([
      ['inbound', null],
      ['outbound', { id: agent.agentId, name: null, email: expect.stringContaining('@example.com') }],
    ]);
    expect(messages.at(-1)).toMatchObject({ whatsapp_message_id: body.data.message_id });
    // A message sent through the tenant API has none either.
    const viaApi = await f.gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${t.slug}`,
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ phone_number: `+${n}`, message_type: 'text', text: 'From the API' }),
    });
    expect(viaApi.statusCode, viaApi.body).toBe(200);
    expect((await page(t, th.id)).at(-1)).toMatchObject({ sent_by: null, direction: 'outbound' });
  });

  it('replies and reacts to a message named by our id or by its wamid', async () => {
    const { t, n, w, th, agent } = await conversation();
    const ourId = (await page(t, th.id))[0]!['id'] as string;
    for (const ref of [ourId, ourId.toUpperCase(), w]) {
      const res = await answer(agent, th.id, { message_type: 'text', text: 'About that:', context_message_id: ref });
      expect(res.statusCode, res.body).toBe(200);
      expect((sentTo(n).at(-1)!.payload as { context?: unknown }).context).toEqual({ message_id: w });
    }
    const reaction = await answer(agent, th.id, {
      message_type: 'reaction',
      reaction: { message_id: ourId, emoji: '❤️' },
    });
    expect(reaction.statusCode, reaction.body).toBe(200);
    expect((sentTo(n).at(-1)!.payload as { reaction?: unknown }).reaction).toEqual({ message_id: w, emoji: '❤️' });
    // The read API puts our reaction on its target.
    expect((await page(t, th.id))[0]).toMatchObject({
      reactions: [expect.objectContaining({ emoji: '❤️', from: 'business' })],
    });
  });

  it('refuses a target outside the conversation, and sends nothing', async () => {
    const { t, n, th, agent } = await conversation();
    const elsewhere = await conversation({ t });
    const otherOrg = await conversation();
    for (const ref of [elsewhere.w, otherOrg.w, '01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e80']) {
      const res = await answer(agent, th.id, { message_type: 'reaction', reaction: { message_id: ref } });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toMatchObject({ error: 'Not found', message: expect.stringContaining('reaction.message_id') });
      const reply = await answer(agent, th.id, { message_type: 'text', text: 'x', context_message_id: ref });
      expect(reply.statusCode, reply.body).toBe(404);
    }
    expect(sentTo(n)).toEqual([]);
  });

  it('takes no phone_number, and answers the send route’s 400s in its words', async () => {
    const { n, th, agent } = await conversation();
    const withNumber = await answer(agent, th.id, { phone_number: '+27123456789', message_type: 'text', text: 'hi' });
    expect(withNumber.statusCode).toBe(400);
    expect(withNumber.json()).toMatchObject({
      error: 'Invalid field',
      message: expect.stringContaining('phone_number'),
    });
    const caption = await answer(agent, th.id, { message_type: 'text', text: 'hi', caption: 'no' });
    expect(caption.json()).toMatchObject({ message: expect.stringContaining('caption is not allowed for text') });
    const missing = await answer(agent, th.id, { message_type: 'text' });
    expect(missing.json()).toMatchObject({ error: 'Missing required field', message: expect.stringContaining('text') });
    const badType = await answer(agent, th.id, { message_type: 'sticker' });
    expect(badType.json()).toMatchObject({ error: 'Invalid message type' });
    expect(sentTo(n)).toEqual([]);
  });

  it('refuses a free-form answer outside the 24-hour window as the send route does, and sends a template', async () => {
    const { t, n, th, agent } = await conversation({ at: T0 });
    const res = await answer(agent, th.id, { message_type: 'text', text: 'hello again' });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ error: 'Outside the customer service window', request_id: expect.any(String) });
    // The simulator's account of this phone, and the organization's: where the catalogue is read.
    const waba = f.sim.wabaOf(t.phoneNumberId);
    await f.gw.ctx.organizations.update(t.slug, { metaWabaId: waba });
    f.sim.addTemplate(waba, {
      name: 'order_update',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' }],
    });
    await f.gw.ctx.templates.sync(t.organizationId);
    const template = await answer(agent, th.id, {
      message_type: 'template',
      template: { name: 'order_update', language: 'en_US', body: ['Thandi', '7781'] },
    });
    expect(template.statusCode, template.body).toBe(200);
    expect(template.json().data).toMatchObject({ kind: 'template', recipient: n });
    expect(sentTo(n)).toEqual([expect.objectContaining({ type: 'template' })]);
    const unknown = await answer(agent, th.id, {
      message_type: 'template',
      template: { name: 'no_such_template', language: 'en_US' },
    });
    expect(unknown.json()).toMatchObject({ error: 'Template not found' });
  });

  it('sends once for a double click with one Idempotency-Key, and keeps two agents’ keys apart', async () => {
    const { t, n, th, agent } = await conversation();
    const headers = { 'idempotency-key': 'answer-1' };
    const body = { message_type: 'text', text: 'On its way' };
    const [a, b] = await Promise.all([
      answer(agent, th.id, body, { headers }),
      answer(agent, th.id, body, { headers }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.json()).toEqual(a.json());
    expect(sentTo(n)).toHaveLength(1);
    // Another agent of the same organization with the same key: their own request.
    const colleague = await signedInAgent(f.gw, t.slug);
    const c = await answer(colleague, th.id, body, { headers });
    expect(c.statusCode, c.body).toBe(200);
    expect(c.json().data.message_id).not.toBe(a.json().data.message_id);
    expect(sentTo(n)).toHaveLength(2);
    // The same key in another conversation is another request too.
    const other = await conversation({ t });
    const d = await answer(agent, other.th.id, body, { headers });
    expect(d.statusCode, d.body).toBe(200);
    expect(sentTo(other.n)).toHaveLength(1);
  });

  it('answers 422 Contact not reachable for a contact known only by WhatsApp user id', async () => {
    const { n, th, agent } = await conversation();
    await f.gw.ctx.db.kysely
      .updateTable('contacts')
      .set({ whatsapp_number: null, user_id: `US.${n}` })
      .where('id', '=', th.contactId)
      .execute();
    const res = await answer(agent, th.id, { message_type: 'text', text: 'hi' });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toEqual({
      error: 'Contact not reachable',
      message: expect.any(String),
      request_id: expect.any(String),
    });
    expect(sentTo(n)).toEqual([]);
  });

  it('sends nothing for another organization’s agent (404) or without the CSRF token (403)', async () => {
    const { n, th, agent } = await conversation();
    const stranger = await signedInAgent(f.gw, (await f.tenant()).slug);
    const res = await answer(stranger, th.id, { message_type: 'text', text: 'hi' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Not found', request_id: expect.any(String) });
    const noCsrf = await answer(agent, th.id, { message_type: 'text', text: 'hi' }, { csrf: false });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ error: 'CSRF check failed' });
    const signedOut = await f.gw.app.inject({
      method: 'POST',
      url: `/inbox/api/conversations/${th.id}/messages`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ message_type: 'text', text: 'hi' }),
    });
    expect(signedOut.statusCode).toBe(401);
    expect(sentTo(n)).toEqual([]);
  });
});
