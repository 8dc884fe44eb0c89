// Inbound message webhooks → contacts, helpdesk_messages (direction inbound) and the thread.
import type { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeInbound } from '../../src/conversations/inbound-writes.js';
import { nowIso } from '../../src/db/ids.js';
import type { StepResult } from '../../src/db/steps.js';
import { withEvents } from '../../src/events/outbox.js';
import type { MessageItem } from '../../src/meta/webhook-items.js';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import {
  deliver,
  envelope,
  outcomeOf,
  seedApp,
  seedWebhookTenant,
  sentMessage,
  type WebhookTenant,
} from './helpers.js';

const T0 = 1_764_100_000;
let seq = 0;
const wamid = () => `wamid.in${process.pid}x${++seq}`;

const media = (type: string, extra: Record<string, unknown> = {}) => ({
  [type]: { id: `media-${type}-${seq}`, mime_type: 'image/jpeg', sha256: 'abc', ...extra },
});

// One body per type WhatsApp sends (docs/META.md §10); each is stored as its own inbound row.
const TYPES: [string, Record<string, unknown>][] = [
  ['text', { text: { body: 'hello' } }],
  ['image', media('image', { caption: 'look' })],
  ['video', media('video')],
  ['audio', media('audio', { voice: true, mime_type: 'audio/ogg' })],
  ['document', media('document', { filename: 'a.pdf', mime_type: 'application/pdf' })],
  ['sticker', media('sticker', { animated: false, mime_type: 'image/webp' })],
  ['location', { location: { latitude: -33.9, longitude: 18.4, name: 'Cape Town' } }],
  [
    'contacts',
    { contacts: [{ name: { formatted_name: 'Ann' }, phones: [{ phone: '+27 82 000 0000', wa_id: '27820000000' }] }] },
  ],
  ['interactive', { interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } }],
  ['interactive', { interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row 1', description: 'd' } } }],
  [
    'interactive',
    { interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"a":1}' } } },
  ],
  ['button', { button: { text: 'Confirm', payload: 'CONFIRM' } }],
  [
    'order',
    {
      order: {
        catalog_id: 'c1',
        product_items: [{ product_retailer_id: 'p1', quantity: 2, item_price: 10, currency: 'USD' }],
      },
    },
  ],
  ['system', { system: { body: 'changed', type: 'customer_changed_number', wa_id: '27999' } }],
  ['request_welcome', {}],
  ['unsupported', { unsupported: { type: 'poll' }, errors: [{ code: 131051, title: 'Message type unknown' }] }],
  ['revoke', { revoke: { original_message_id: 'wamid.original' } }],
];

describe.each(ENGINES)('inbound message webhooks (%s)', (engine) => {
  let gw: TestGateway;
  let t: WebhookTenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
    t = await seedWebhookTenant(gw);
  });
  afterAll(async () => gw.close());

  const k = () => gw.ctx.db.kysely;
  const inbound = (w: string) =>
    k()
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('whatsapp_message_id', '=', w)
      .where('direction', '=', 'inbound')
      .execute();
  const thread = (contactId: string) =>
    k().selectFrom('customer_sessions').selectAll().where('contact_id', '=', contactId).executeTakeFirstOrThrow();
  const message = (from: string | undefined, w: string, type: string, fields: Record<string, unknown>, extra = {}) => ({
    ...(from === undefined ? {} : { from }),
    id: w,
    timestamp: String(T0 + seq),
    type,
    ...fields,
    ...extra,
  });

  it('creates the contact of a new sender with the profile name and user id, and its thread', async () => {
    const w = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        contacts: [{ profile: { name: 'Sheena' }, wa_id: '16505551234', user_id: 'US.abc123' }],
        messages: [message('16505551234', w, 'text', { text: { body: 'Hi there' } })],
      }),
    );
    const contact = await k()
      .selectFrom('contacts')
      .selectAll()
      .where('organization_id', '=', t.organizationId)
      .where('whatsapp_number', '=', '16505551234')
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ name: 'Sheena', user_id: 'US.abc123' });
    const [row] = await inbound(w);
    expect(row).toMatchObject({ contact_id: contact.id, message_type: 'text', status: 'received' });
    expect(JSON.parse(row!.content)).toMatchObject({ type: 'text', body: 'Hi there' });
    const session = await thread(contact.id);
    expect(session).toMatchObject({ id: row!.session_id, message_count: 1, unread_count: 1 });
    expect(session.last_inbound_at).toBe(row!.created_at);
  });

  it('joins an existing contact’s thread, the one its outbound messages are in', async () => {
    await sentMessage(gw, t, wamid());
    const before = await thread(t.contactId);
    const w = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, { messages: [message(t.phone, w, 'text', { text: { body: 'reply' } })] }),
    );
    const [row] = await inbound(w);
    expect(row!.contact_id).toBe(t.contactId);
    expect(row!.session_id).toBe(before.id);
    expect(await thread(t.contactId)).toMatchObject({
      message_count: before.message_count + 1,
      unread_count: before.unread_count + 1,
    });
  });

  it('keeps reactions, revokes and system notices in the thread without counting them unread', async () => {
    const target = wamid();
    await sentMessage(gw, t, target);
    const before = await thread(t.contactId);
    const later = (s: number) =>
      String(Number(before.last_inbound_at ? Date.parse(before.last_inbound_at) / 1000 : 1_700_000_000) + s);
    const items = [
      message(
        t.phone,
        wamid(),
        'reaction',
        { reaction: { message_id: target, emoji: '👍' } },
        { timestamp: later(10) },
      ),
      message(t.phone, wamid(), 'reaction', { reaction: { message_id: target } }, { timestamp: later(20) }),
      message(
        t.phone,
        wamid(),
        'system',
        {
          system: { body: 'changed', type: 'customer_changed_number', wa_id: '27999' },
        },
        { timestamp: later(30) },
      ),
    ];
    await deliver(gw, envelope(t.phoneNumberId, { messages: items }));
    const after = await thread(t.contactId);
    expect(after).toMatchObject({ message_count: before.message_count + 3, unread_count: before.unread_count });
    // The reactions are the customer's and keep the window open; the system notice is not.
    expect(after.last_inbound_at).toBe(new Date(Number(later(20)) * 1000).toISOString());
  });

  it('stores a redelivered message once and counts it once', async () => {
    const w = wamid();
    const body = envelope(t.phoneNumberId, { messages: [message(t.phone, w, 'text', { text: { body: 'once' } })] });
    await deliver(gw, body);
    const after = await thread(t.contactId);
    await deliver(gw, body);
    expect(await inbound(w)).toHaveLength(1);
    expect(await thread(t.contactId)).toMatchObject({
      message_count: after.message_count,
      unread_count: after.unread_count,
    });
    expect((await outcomeOf(gw, body)).counts).toMatchObject({ message_duplicate: 1 });
  });

  it.each(TYPES)('stores a %s message', async (type, fields) => {
    const w = wamid();
    const body = envelope(t.phoneNumberId, { messages: [message(t.phone, w, type, fields)] });
    await deliver(gw, body);
    const [row] = await inbound(w);
    expect(row).toBeDefined();
    expect(row!.message_type).toBe(type);
    expect(row!.media_status).toBe(
      ['image', 'video', 'audio', 'document', 'sticker'].includes(type) ? 'pending' : null,
    );
    expect((await outcomeOf(gw, body)).counts).toMatchObject({ message_stored: 1 });
  });

  it('links a reply to the message it answers, and a reaction to its target', async () => {
    const target = wamid();
    await sentMessage(gw, t, target);
    const reply = wamid();
    const reaction = wamid();
    const removal = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        messages: [
          message(t.phone, reply, 'text', { text: { body: 'yes' } }, { context: { from: '15550001111', id: target } }),
          message(t.phone, reaction, 'reaction', { reaction: { message_id: target, emoji: '❤️' } }),
          message(t.phone, removal, 'reaction', { reaction: { message_id: target } }),
        ],
      }),
    );
    expect((await inbound(reply))[0]!.context_wamid).toBe(target);
    expect((await inbound(reaction))[0]!.context_wamid).toBe(target);
    expect(JSON.parse((await inbound(reaction))[0]!.content)).toMatchObject({ emoji: '❤️', removed: false });
    expect(JSON.parse((await inbound(removal))[0]!.content)).toMatchObject({ removed: true });
  });

  it('keeps a click-to-WhatsApp referral with the message', async () => {
    const w = wamid();
    const referral = { source_url: 'https://fb.me/x', source_type: 'ad', source_id: '1', headline: 'Sale' };
    await deliver(
      gw,
      envelope(t.phoneNumberId, { messages: [message(t.phone, w, 'text', { text: { body: 'hi' } }, { referral })] }),
    );
    expect(JSON.parse((await inbound(w))[0]!.content).referral).toMatchObject({ headline: 'Sale' });
  });

  it('stores a message without a phone number against the contact with its user id', async () => {
    const first = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        contacts: [{ profile: { name: 'Bo' }, wa_id: '4477001122', user_id: 'GB.bo1' }],
        messages: [message('4477001122', first, 'text', { text: { body: 'first' } })],
      }),
    );
    const w = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        contacts: [{ profile: { name: 'Bo' }, user_id: 'GB.bo1' }],
        messages: [message(undefined, w, 'text', { text: { body: 'no number' } }, { from_user_id: 'GB.bo1' })],
      }),
    );
    expect((await inbound(w))[0]!.contact_id).toBe((await inbound(first))[0]!.contact_id);
  });

  const contactOf = async (w: string) =>
    k()
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', (await inbound(w))[0]!.contact_id)
      .executeTakeFirstOrThrow();
  const fromUser = (userId: string, w: string, body: string, name = 'Zed', from?: string) =>
    envelope(t.phoneNumberId, {
      contacts: [{ profile: { name }, user_id: userId, ...(from === undefined ? {} : { wa_id: from }) }],
      messages: [message(from, w, 'text', { text: { body } }, { from_user_id: userId })],
    });

  it('stores a message from a sender with no number and an unknown user id against a new contact', async () => {
    const first = wamid();
    const kept = wamid();
    const body = envelope(t.phoneNumberId, {
      contacts: [{ profile: { name: 'Zed' }, user_id: 'ZZ.unknown' }],
      messages: [
        message(undefined, first, 'text', { text: { body: '?' } }, { from_user_id: 'ZZ.unknown' }),
        message(t.phone, kept, 'text', { text: { body: 'ok' } }),
      ],
    });
    await deliver(gw, body);
    expect(await inbound(kept)).toHaveLength(1);
    const [row] = await inbound(first);
    const contact = await contactOf(first);
    expect(contact).toMatchObject({
      organization_id: t.organizationId,
      whatsapp_number: null,
      name: 'Zed',
      user_id: 'ZZ.unknown',
    });
    expect(await thread(contact.id)).toMatchObject({ id: row!.session_id, message_count: 1, unread_count: 1 });
    const outcome = await outcomeOf(gw, body);
    expect(outcome.counts).toMatchObject({ message_stored: 2 });
    expect(outcome.counts).not.toHaveProperty('message_no_sender');
    const created = await k()
      .selectFrom('events')
      .select('payload')
      .where('organization_id', '=', t.organizationId)
      .where('type', '=', 'contact.created')
      .execute();
    const payloads = created.map((e) => JSON.parse(e.payload) as { contact: Record<string, unknown> });
    expect(payloads.filter((p) => p.contact['id'] === contact.id)).toEqual([
      {
        source: 'inbound',
        contact: expect.objectContaining({ whatsapp_number: null, name: 'Zed', user_id: 'ZZ.unknown' }) as unknown,
      },
    ]);

    // The message's view names its sender without a number.
    const res = await gw.app.inject({
      method: 'GET',
      url: `/api/messages/${row!.id}?tenantId=${t.slug}`,
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ data: { contact: unknown } }>().data.contact).toEqual({
      id: contact.id,
      whatsapp_number: null,
      name: 'Zed',
    });
  });

  it('joins a second message from the same user id to that contact and its thread', async () => {
    const first = wamid();
    await deliver(gw, fromUser('ZZ.again', first, 'one'));
    const second = wamid();
    await deliver(gw, fromUser('ZZ.again', second, 'two'));
    const [a] = await inbound(first);
    const [b] = await inbound(second);
    expect(b).toMatchObject({ contact_id: a!.contact_id, session_id: a!.session_id });
    expect(await thread(a!.contact_id)).toMatchObject({ message_count: 2, unread_count: 2 });
    const contacts = await k().selectFrom('contacts').select('id').where('user_id', '=', 'ZZ.again').execute();
    expect(contacts).toHaveLength(1);
  });

  it('fills in the number of a contact known by user id when the user writes with one', async () => {
    const first = wamid();
    await deliver(gw, fromUser('ZZ.later', first, 'no number yet'));
    const later = wamid();
    await deliver(gw, fromUser('ZZ.later', later, 'now with one', 'Zed', '4915112345678'));
    const [a] = await inbound(first);
    const [b] = await inbound(later);
    expect(b).toMatchObject({ contact_id: a!.contact_id, session_id: a!.session_id });
    expect(await contactOf(later)).toMatchObject({ whatsapp_number: '4915112345678', user_id: 'ZZ.later' });
  });

  it('keeps a contact known by user id apart from another contact that already has the number', async () => {
    const byUser = wamid();
    await deliver(gw, fromUser('ZZ.apart', byUser, 'no number'));
    const byNumber = wamid();
    await deliver(
      gw,
      envelope(t.phoneNumberId, { messages: [message('4915187654321', byNumber, 'text', { text: { body: 'hi' } })] }),
    );
    const both = wamid();
    await deliver(gw, fromUser('ZZ.apart', both, 'both', 'Zed', '4915187654321'));
    // The number decides, as it always has; neither contact takes the other's number or user id.
    expect((await inbound(both))[0]!.contact_id).toBe((await inbound(byNumber))[0]!.contact_id);
    expect(await contactOf(both)).toMatchObject({ whatsapp_number: '4915187654321', user_id: null });
    expect(await contactOf(byUser)).toMatchObject({ whatsapp_number: null, user_id: 'ZZ.apart' });
  });

  it('gives a user who changed number a contact for the new number, the user id staying put', async () => {
    const old = wamid();
    await deliver(gw, fromUser('ZZ.moved', old, 'old number', 'Zed', '4915100000001'));
    const moved = wamid();
    await deliver(gw, fromUser('ZZ.moved', moved, 'new number', 'Zed', '4915100000002'));
    expect(await contactOf(moved)).toMatchObject({ whatsapp_number: '4915100000002', user_id: null });
    expect(await contactOf(old)).toMatchObject({ whatsapp_number: '4915100000001', user_id: 'ZZ.moved' });
    const withoutNumber = wamid();
    await deliver(gw, fromUser('ZZ.moved', withoutNumber, 'no number'));
    expect((await inbound(withoutNumber))[0]!.contact_id).toBe((await inbound(old))[0]!.contact_id);
  });

  it('agrees with another instance creating the same user id’s contact at the same time', async () => {
    const run = async (q: CompiledQuery): Promise<StepResult> => {
      const r = await k().executeQuery<Record<string, unknown>>(q);
      return { rows: r.rows, changes: r.numAffectedRows === undefined ? r.rows.length : Number(r.numAffectedRows) };
    };
    const item = (w: string): MessageItem => ({
      kind: 'message',
      path: '',
      wabaId: '777',
      phoneNumberId: t.phoneNumberId,
      wamid: w,
      fromUserId: 'ZZ.race',
      profileName: 'Zed',
      timestamp: new Date().toISOString(),
      type: 'text',
      content: { type: 'text', body: 'race' },
    });
    const write = (w: string) =>
      withEvents(k(), (events) =>
        writeInbound(k(), { organizationId: t.organizationId, item: item(w), now: nowIso(), events }),
      );
    // The first write stops at its insert of the contact; the second then writes all of its own.
    const [wa, wb] = [wamid(), wamid()];
    const first = write(wa);
    let next = first.next();
    while (!next.done && !next.value.sql.startsWith('insert into "contacts"')) next = first.next(await run(next.value));
    const second = write(wb);
    let other = second.next();
    while (!other.done) other = second.next(await run(other.value));
    expect(other.value).toBe('stored');
    while (!next.done) next = first.next(await run(next.value));
    expect(next.value).toBe('stored');

    const contacts = await k().selectFrom('contacts').select('id').where('user_id', '=', 'ZZ.race').execute();
    expect(contacts).toHaveLength(1);
    expect((await inbound(wa))[0]!.contact_id).toBe(contacts[0]!.id);
    expect((await inbound(wb))[0]!.contact_id).toBe(contacts[0]!.id);
    const created = await k()
      .selectFrom('events')
      .select('payload')
      .where('organization_id', '=', t.organizationId)
      .where('type', '=', 'contact.created')
      .where('payload', 'like', '%ZZ.race%')
      .execute();
    expect(created).toHaveLength(1);
  });

  it('records, and does not lose the others for, a sender with an unreadable number and no user id', async () => {
    const lost = wamid();
    const kept = wamid();
    const body = envelope(t.phoneNumberId, {
      messages: [
        message('call me', lost, 'text', { text: { body: '?' } }),
        message(t.phone, kept, 'text', { text: { body: 'ok' } }),
      ],
    });
    await deliver(gw, body);
    expect(await inbound(lost)).toHaveLength(0);
    expect(await inbound(kept)).toHaveLength(1);
    const outcome = await outcomeOf(gw, body);
    expect(outcome.counts).toMatchObject({ message_no_sender: 1, message_stored: 1 });
  });
});
