// Inbound messages, one row per type Meta documents (docs/META.md §10.6). The examples are written
// in Meta's shape by hand; each row names the content parseWebhook must make of it.
import { describe, expect, it } from 'vitest';
import { parseWebhook, type MessageItem, type WebhookItem } from '../../src/inbound/parse.js';

const WABA = '102290129340398';
const PHONE = '106540352242922';
const PATH = 'entry[0].changes[0].value.messages[0]';
const CONTACT = { profile: { name: 'Sheena Nelson' }, wa_id: '16505551234', user_id: 'US.13491208655302741918' };

function body(messages: unknown[], contacts: unknown[] = [CONTACT]) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE },
              contacts,
              messages,
            },
          },
        ],
      },
    ],
  };
}

function msg(type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    from: '16505551234',
    id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
    timestamp: '1749416383',
    type,
    ...payload,
    ...extra,
  };
}

function only(items: WebhookItem[]): WebhookItem {
  expect(items).toHaveLength(1);
  return items[0]!;
}

function parseOne(message: unknown, contacts?: unknown[]): WebhookItem {
  return only(parseWebhook(JSON.parse(JSON.stringify(body([message], contacts)))).items);
}

function parseMessage(message: unknown, contacts?: unknown[]): MessageItem {
  const item = parseOne(message, contacts);
  if (item.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(item)}`);
  return item;
}

const MEDIA = {
  mime_type: 'image/jpeg',
  sha256: 'aGVsbG8=',
  id: '1003383421387256',
  url: 'https://lookaside.fbsbx.com/x',
};

const CONTENT_ROWS: [string, ReturnType<typeof msg>, MessageItem['content']][] = [
  ['text', msg('text', { text: { body: 'Does it come in blue?' } }), { type: 'text', body: 'Does it come in blue?' }],
  [
    'image with caption and url',
    msg('image', { image: { ...MEDIA, caption: 'The blue one' } }),
    {
      type: 'image',
      id: MEDIA.id,
      mimeType: 'image/jpeg',
      sha256: MEDIA.sha256,
      caption: 'The blue one',
      url: MEDIA.url,
    },
  ],
  [
    'video',
    msg('video', { video: { id: '2', mime_type: 'video/mp4', sha256: 'x' } }),
    { type: 'video', id: '2', mimeType: 'video/mp4', sha256: 'x' },
  ],
  [
    'audio voice note',
    msg('audio', { audio: { id: '3', mime_type: 'audio/ogg; codecs=opus', sha256: 'y', voice: true } }),
    { type: 'audio', id: '3', mimeType: 'audio/ogg; codecs=opus', sha256: 'y', voice: true },
  ],
  [
    'document with filename',
    msg('document', {
      document: { id: '4', mime_type: 'application/pdf', sha256: 'z', filename: 'invoice.pdf', caption: 'May' },
    }),
    { type: 'document', id: '4', mimeType: 'application/pdf', sha256: 'z', filename: 'invoice.pdf', caption: 'May' },
  ],
  [
    'animated sticker',
    msg('sticker', { sticker: { id: '5', mime_type: 'image/webp', sha256: 'w', animated: true } }),
    { type: 'sticker', id: '5', mimeType: 'image/webp', sha256: 'w', animated: true },
  ],
  [
    'location',
    msg('location', {
      location: { latitude: 37.483307, longitude: -122.148981, name: 'Pablo Morales', address: '1 Hacker Way' },
    }),
    { type: 'location', latitude: 37.483307, longitude: -122.148981, name: 'Pablo Morales', address: '1 Hacker Way' },
  ],
  [
    'contacts',
    msg('contacts', {
      contacts: [
        {
          name: { formatted_name: 'Barbara J. Johnson', first_name: 'Barbara', last_name: 'Johnson' },
          phones: [{ phone: '+1 (940) 555-1234', wa_id: '19405551234', type: 'HOME' }],
          emails: [{ email: 'bjohnson@example.com', type: 'WORK' }],
          org: { company: 'Lucky Shrub', title: 'Manager' },
          urls: [{ url: 'https://www.luckyshrub.com', type: 'WORK' }],
          birthday: '1999-01-23',
        },
      ],
    }),
    {
      type: 'contacts',
      contacts: [
        {
          formattedName: 'Barbara J. Johnson',
          firstName: 'Barbara',
          lastName: 'Johnson',
          phones: [{ phone: '+1 (940) 555-1234', waId: '19405551234', type: 'HOME' }],
          emails: [{ email: 'bjohnson@example.com', type: 'WORK' }],
          urls: [{ url: 'https://www.luckyshrub.com', type: 'WORK' }],
          org: { company: 'Lucky Shrub', title: 'Manager' },
          birthday: '1999-01-23',
        },
      ],
    },
  ],
  [
    'interactive button_reply',
    msg('interactive', {
      interactive: { type: 'button_reply', button_reply: { id: 'change-button', title: 'Change' } },
    }),
    { type: 'interactive', reply: 'button_reply', id: 'change-button', title: 'Change' },
  ],
  [
    'interactive list_reply',
    msg('interactive', {
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day' },
      },
    }),
    {
      type: 'interactive',
      reply: 'list_reply',
      id: 'priority_express',
      title: 'Priority Mail Express',
      description: 'Next Day',
    },
  ],
  [
    'interactive nfm_reply (a Flow answer, JSON kept as a string)',
    msg('interactive', {
      interactive: {
        type: 'nfm_reply',
        nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t","size":"M"}' },
      },
    }),
    {
      type: 'interactive',
      reply: 'nfm_reply',
      name: 'flow',
      body: 'Sent',
      responseJson: '{"flow_token":"t","size":"M"}',
    },
  ],
  [
    'interactive call_permission_reply, kept loosely',
    msg('interactive', {
      interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'accept' } },
    }),
    {
      type: 'interactive',
      reply: 'other',
      replyType: 'call_permission_reply',
      value: { type: 'call_permission_reply', call_permission_reply: { response: 'accept' } },
    },
  ],
  [
    'button (template quick reply)',
    msg(
      'button',
      { button: { payload: 'CANCEL_42', text: 'Cancel order' } },
      { context: { from: '15550783881', id: 'wamid.TEMPLATE' } },
    ),
    { type: 'button', payload: 'CANCEL_42', text: 'Cancel order' },
  ],
  [
    'reaction',
    msg('reaction', { reaction: { message_id: 'wamid.OURS', emoji: '👍' } }),
    { type: 'reaction', messageId: 'wamid.OURS', emoji: '👍', removed: false },
  ],
  [
    'reaction removed (emoji omitted)',
    msg('reaction', { reaction: { message_id: 'wamid.OURS' } }),
    { type: 'reaction', messageId: 'wamid.OURS', removed: true },
  ],
  [
    'order',
    msg('order', {
      order: {
        catalog_id: '194836987003835',
        text: 'Quickly please',
        product_items: [{ product_retailer_id: 'di9ozbzfi4', quantity: 2, item_price: 30, currency: 'USD' }],
      },
    }),
    {
      type: 'order',
      catalogId: '194836987003835',
      text: 'Quickly please',
      items: [{ productRetailerId: 'di9ozbzfi4', quantity: 2, itemPrice: 30, currency: 'USD' }],
    },
  ],
  [
    'system: customer changed number',
    msg('system', {
      system: { body: 'User A changed from 1650 to 1651', wa_id: '16505551235', type: 'customer_changed_number' },
    }),
    {
      type: 'system',
      systemType: 'customer_changed_number',
      body: 'User A changed from 1650 to 1651',
      waId: '16505551235',
    },
  ],
  [
    'system: user changed user id (BSUID)',
    msg('system', { system: { type: 'user_changed_user_id', user_id: 'US.2', parent_user_id: 'US.P' } }),
    { type: 'system', systemType: 'user_changed_user_id', userId: 'US.2', parentUserId: 'US.P' },
  ],
  ['request_welcome', msg('request_welcome', {}), { type: 'request_welcome' }],
  [
    'unsupported, message type unknown (131051)',
    msg('unsupported', {
      unsupported: { type: 'poll' },
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
    }),
    {
      type: 'unsupported',
      unsupportedType: 'poll',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          details: 'Message type is currently not supported.',
        },
      ],
    },
  ],
  [
    'unsupported, currently unavailable (131060, coexistence)',
    msg('unsupported', { errors: [{ code: 131060, title: 'This message is currently unavailable' }] }),
    { type: 'unsupported', errors: [{ code: 131060, title: 'This message is currently unavailable' }] },
  ],
  [
    'revoke (coexistence)',
    msg('revoke', { revoke: { original_message_id: 'wamid.GONE' } }),
    { type: 'revoke', originalMessageId: 'wamid.GONE' },
  ],
  [
    'a type Meta adds later, kept loosely',
    msg('ephemeral', { ephemeral: { note: 'x' } }),
    { type: 'other', value: { note: 'x' } },
  ],
];

describe('parseWebhook: inbound message types', () => {
  it.each(CONTENT_ROWS)('%s', (_name, message, content) => {
    const item = parseMessage(message);
    expect(item.content).toEqual(content);
    expect(item).toMatchObject({
      kind: 'message',
      path: PATH,
      wabaId: WABA,
      phoneNumberId: PHONE,
      displayPhoneNumber: '15550783881',
      wamid: message.id,
      from: '16505551234',
      fromUserId: 'US.13491208655302741918',
      profileName: 'Sheena Nelson',
      timestamp: '2025-06-08T20:59:43.000Z',
      type: message.type,
    });
    expect(item.notes).toBeUndefined();
  });
});
