// POST /_sim/inbound: a customer's message of every type in Meta's shape, batches, and media
// fetched through GET /{version}/{media-id} and a download URL that needs the token and expires.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { PHONE_ID, SAMPLE, TOKEN, uploadedId } from './helpers.js';
import {
  APP_SECRET,
  startReceiver,
  verifiesRaw,
  waitForAsync,
  waitForCount,
  type Payload,
  type Receiver,
} from './webhook-helpers.js';

const WABA_ID = '102290129340398';
const DISPLAY = '15550783881';
let sim: MetaSimWithWebhooks;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN, '999000999000999': 'other-token' },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID, displayPhoneNumber: DISPLAY } },
    apps: [{ callbackUrl: receiver.url, appSecret: APP_SECRET }],
    webhookConfig: { retryScheduleMs: [10], mediaUrlTtlMs: 60_000 },
  });
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});
beforeEach(() => {
  sim.reset();
  receiver.received.length = 0;
});

async function inbound(body: unknown): Promise<{ status: number; json: Payload }> {
  const res = await fetch(`${sim.url}/_sim/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** Posts one inbound message and answers the value of the webhook the receiver got. */
async function receive(body: Record<string, unknown>): Promise<Payload> {
  const res = await inbound({ phone_id: PHONE_ID, ...body });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const [got] = await waitForCount(receiver, 1, 'inbound webhook');
  expect(verifiesRaw(got!)).toBe(true);
  expect(got!.json.object).toBe('whatsapp_business_account');
  expect(got!.json.entry[0].id).toBe(WABA_ID);
  expect(got!.json.entry[0].changes[0].field).toBe('messages');
  const value = got!.json.entry[0].changes[0].value;
  expect(Object.keys(value)).toEqual(['messaging_product', 'metadata', 'contacts', 'messages']);
  expect(value.messaging_product).toBe('whatsapp');
  expect(value.metadata).toEqual({ display_phone_number: DISPLAY, phone_number_id: PHONE_ID });
  return value;
}

describe('inbound messages', () => {
  it('text: contacts with profile, wa_id and user_id; the message with from, id, timestamp, type', async () => {
    const value = await receive({ type: 'text', from: '27831234567', name: 'Sheena', text: { body: 'Hello' } });
    expect(value.contacts).toEqual([
      { profile: { name: 'Sheena' }, wa_id: '27831234567', user_id: expect.stringMatching(/^ZA\.\d{20}$/) },
    ]);
    const m = value.messages[0];
    expect(m).toEqual({
      from: '27831234567',
      from_user_id: value.contacts[0].user_id,
      id: expect.stringMatching(/^wamid\./),
      timestamp: expect.stringMatching(/^\d{10}$/),
      type: 'text',
      text: { body: 'Hello' },
    });
  });

  it('keeps the user id stable per WABA and customer, and leaves it out on request', async () => {
    const first = await receive({ type: 'text' });
    receiver.received.length = 0;
    const again = await receive({ type: 'text' });
    expect(again.contacts[0].user_id).toBe(first.contacts[0].user_id);
    receiver.received.length = 0;
    const without = await receive({ type: 'text', user_id: null });
    expect(without.contacts[0]).toEqual({ profile: { name: 'Test Customer' }, wa_id: '16505551234' });
    expect(without.messages[0].from_user_id).toBeUndefined();
  });

  it('a username user without a phone number: no from, no wa_id, only the user id', async () => {
    const value = await receive({ type: 'text', from: null, user_id: 'US.13491208655302741918', name: 'zoe' });
    expect(value.contacts).toEqual([{ profile: { name: 'zoe' }, user_id: 'US.13491208655302741918' }]);
    expect(value.messages[0].from).toBeUndefined();
    expect(value.messages[0].from_user_id).toBe('US.13491208655302741918');
    expect((await inbound({ phone_id: PHONE_ID, type: 'text', from: null, user_id: null })).status).toBe(400);
  });

  it('context and referral', async () => {
    const referral = {
      source_url: 'https://fb.me/abc',
      source_id: '120',
      source_type: 'ad',
      headline: 'Sale',
      body: 'Now',
      media_type: 'image',
      image_url: 'https://example.com/i.jpg',
      ctwa_clid: 'ARAkLkA',
    };
    const value = await receive({ type: 'text', context: { id: 'wamid.BIZ', forwarded: true }, referral });
    expect(value.messages[0].context).toEqual({ from: DISPLAY, id: 'wamid.BIZ', forwarded: true });
    expect(value.messages[0].referral).toEqual(referral);
  });

  const cases: [string, Record<string, unknown>, (m: Payload) => void][] = [
    [
      'location',
      { type: 'location', location: { latitude: 1.5, longitude: 2.5, name: 'HQ', address: '1 Road' } },
      (m) => expect(m.location).toEqual({ latitude: 1.5, longitude: 2.5, name: 'HQ', address: '1 Road' }),
    ],
    [
      'contacts',
      {
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Ann Lee' }, phones: [{ phone: '+1 555', wa_id: '1555', type: 'CELL' }] }],
      },
      (m) => expect(m.contacts[0].name.formatted_name).toBe('Ann Lee'),
    ],
    [
      'interactive button_reply',
      { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } },
      (m) => expect(m.interactive).toEqual({ type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } }),
    ],
    [
      'interactive list_reply',
      {
        type: 'interactive',
        interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row', description: 'D' } },
      },
      (m) => expect(m.interactive.list_reply).toEqual({ id: 'r1', title: 'Row', description: 'D' }),
    ],
    [
      'interactive nfm_reply (response_json as a string)',
      {
        type: 'interactive',
        interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: { a: 1 } } },
      },
      (m) => expect(m.interactive.nfm_reply).toEqual({ name: 'flow', body: 'Sent', response_json: '{"a":1}' }),
    ],
    [
      'button',
      { type: 'button', button: { text: 'Stop', payload: 'STOP' }, context: { id: 'wamid.TEMPLATE' } },
      (m) => {
        expect(m.button).toEqual({ text: 'Stop', payload: 'STOP' });
        expect(m.context.id).toBe('wamid.TEMPLATE');
      },
    ],
    [
      'reaction',
      { type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '\u{1F44D}' } },
      (m) => expect(m.reaction).toEqual({ message_id: 'wamid.X', emoji: '\u{1F44D}' }),
    ],
    [
      'reaction removed (emoji key omitted)',
      { type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '' } },
      (m) => expect(m.reaction).toEqual({ message_id: 'wamid.X' }),
    ],
    [
      'order',
      {
        type: 'order',
        order: {
          catalog_id: 'cat',
          text: 'note',
          product_items: [{ product_retailer_id: 'sku', quantity: 2, item_price: 9.5, currency: 'USD' }],
        },
      },
      (m) => expect(m.order.product_items[0].product_retailer_id).toBe('sku'),
    ],
    [
      'system',
      {
        type: 'system',
        system: { body: 'User changed number', type: 'customer_changed_number', wa_id: '16505550000' },
      },
      (m) => expect(m.system.type).toBe('customer_changed_number'),
    ],
    ['request_welcome', { type: 'request_welcome' }, (m) => expect(Object.keys(m)).not.toContain('request_welcome')],
    [
      'unsupported (131051 by default)',
      { type: 'unsupported', unsupported: { type: 'poll' } },
      (m) => {
        expect(m.unsupported).toEqual({ type: 'poll' });
        expect(m.errors[0]).toMatchObject({ code: 131051, title: 'Message type unknown' });
      },
    ],
    [
      'unsupported 131060',
      { type: 'unsupported', error_code: 131060 },
      (m) => expect(m.errors[0]).toMatchObject({ code: 131060, title: 'This message is currently unavailable' }),
    ],
    [
      'revoke',
      { type: 'revoke', revoke: { original_message_id: 'wamid.OLD' } },
      (m) => expect(m.revoke).toEqual({ original_message_id: 'wamid.OLD' }),
    ],
  ];

  it.each(cases)('%s', async (_name, body, check) => {
    const value = await receive(body);
    const m = value.messages[0];
    expect(m.type).toBe(body['type']);
    expect(m.from).toBe('16505551234');
    check(m);
  });

  it('refuses an unknown type, an unknown field, or a phone it does not know', async () => {
    expect((await inbound({ phone_id: PHONE_ID, type: 'poll' })).status).toBe(400);
    expect((await inbound({ phone_id: PHONE_ID, type: 'text', bogus: 1 })).status).toBe(400);
    expect((await inbound({ phone_id: '1', type: 'text' })).status).toBe(400);
    // Two phones are known here, so the phone must be named.
    expect((await inbound({ type: 'text' })).status).toBe(400);
    expect((await inbound({ phone_id: PHONE_ID, type: 'reaction', reaction: {} })).status).toBe(400);
  });

  it('posts a batch in one webhook, contacts once per customer', async () => {
    const messages = [];
    for (let i = 0; i < 1000; i++)
      messages.push({ phone_id: PHONE_ID, type: 'text', from: i % 2 ? '111111111' : '222222222' });
    const res = await inbound({ messages });
    expect(res.status).toBe(200);
    expect(res.json.deliveries).toHaveLength(1);
    const value = receiver.received[0]!.json.entry[0].changes[0].value;
    expect(value.messages).toHaveLength(1000);
    expect(value.contacts.map((c: Payload) => c.wa_id).sort()).toEqual(['111111111', '222222222']);
    expect((await inbound({ messages: [...messages, messages[0]] })).status).toBe(400);
  });
});

describe('inbound media', () => {
  function mediaOf(value: Payload, type: string): Payload {
    return value.messages[0][type];
  }

  it.each([
    ['image', { caption: 'look' }, 'image/jpeg'],
    ['video', {}, 'video/mp4'],
    ['audio', { voice: true }, 'audio/ogg; codecs=opus'],
    ['document', { filename: 'invoice.pdf', caption: 'inv' }, 'application/pdf'],
    ['sticker', { animated: true }, 'image/webp'],
  ])('%s: id, mime_type, sha256 and url, and GET /{media-id} answers Meta’s shape', async (type, extra, mime) => {
    const value = await receive({ type, [type]: extra });
    const media = mediaOf(value, type);
    expect(media).toMatchObject({ ...extra, mime_type: mime });
    expect(media.id).toMatch(/^\d{16,}$/);
    expect(media.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(media.url).toMatch(new RegExp(`^${sim.url}/whatsapp_business/attachments/\\?mid=${media.id}&`));
    if (type === 'audio') expect(media.voice).toBe(true);
    if (type === 'sticker') expect(media.animated).toBe(true);
    const res = await fetch(`${sim.url}/v23.0/${media.id}?phone_number_id=${PHONE_ID}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Payload;
    expect(Object.keys(body).sort()).toEqual(['file_size', 'id', 'messaging_product', 'mime_type', 'sha256', 'url']);
    expect(body).toMatchObject({ messaging_product: 'whatsapp', mime_type: mime, sha256: media.sha256, id: media.id });
    const download = await fetch(body.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe(mime);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(body.file_size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(media.sha256);
  });

  it('keeps bytes given as base64, as given', async () => {
    const bytes = Buffer.from(SAMPLE.png);
    const value = await receive({ type: 'image', image: { data: bytes.toString('base64'), mime_type: 'image/png' } });
    const media = mediaOf(value, 'image');
    expect(media.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(media.data).toBeUndefined();
    const download = await fetch(media.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });

  it('takes inline media larger than the Graph routes’ 4 MiB JSON limit', async () => {
    const bytes = Buffer.alloc(6_000_000, 7);
    const value = await receive({ type: 'video', video: { data: bytes.toString('base64'), mime_type: 'video/mp4' } });
    const media = mediaOf(value, 'video');
    expect(media.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('needs the phone’s token for the lookup and for the download', async () => {
    const media = mediaOf(await receive({ type: 'image' }), 'image');
    const lookup = (headers: Record<string, string>, query = ''): Promise<Response> =>
      fetch(`${sim.url}/v23.0/${media.id}${query}`, { headers });
    expect((await lookup({})).status).toBe(401);
    expect((await lookup({ authorization: 'Bearer nobody' })).status).toBe(401);
    // A token the simulator knows, but of another phone: the media is not visible to it.
    const other = await lookup({ authorization: 'Bearer other-token' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as Payload).error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await lookup({ authorization: `Bearer ${TOKEN}` }, '?phone_number_id=999000999000999')).status).toBe(400);
    expect(
      (await fetch(`${sim.url}/v23.0/1234567890123456`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(400);
    expect((await fetch(media.url)).status).toBe(401);
    expect((await fetch(media.url, { headers: { authorization: 'Bearer other-token' } })).status).toBe(401);
    expect((await fetch(media.url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('download URLs expire (mediaUrlTtlMs); a new lookup gives a fresh one', async () => {
    sim.webhooks.configure({ mediaUrlTtlMs: 50 });
    try {
      const media = mediaOf(await receive({ type: 'document' }), 'document');
      const auth = { authorization: `Bearer ${TOKEN}` };
      const expired = await waitForAsync(async () => (await fetch(media.url, { headers: auth })).status === 404);
      expect(expired).toBe(true);
      const fresh = (await (await fetch(`${sim.url}/v23.0/${media.id}`, { headers: auth })).json()) as Payload;
      expect(fresh.url).not.toBe(media.url);
      expect((await fetch(fresh.url, { headers: auth })).status).toBe(200);
    } finally {
      sim.webhooks.configure({ mediaUrlTtlMs: 60_000 });
    }
  });

  it('answers the facts of uploaded media too; their bytes are not kept, so the download is 404', async () => {
    const id = await uploadedId(sim, SAMPLE.jpeg, 'image/jpeg');
    const res = await fetch(`${sim.url}/v23.0/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Payload;
    expect(body).toMatchObject({
      messaging_product: 'whatsapp',
      mime_type: 'image/jpeg',
      file_size: SAMPLE.jpeg.length,
      sha256: createHash('sha256').update(SAMPLE.jpeg).digest('hex'),
      id,
    });
    expect((await fetch(body.url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });
});
