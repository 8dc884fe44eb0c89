// Inbound messages beyond the type table: context, referral, senders (BSUIDs), unusable messages
// and optional fields that are left out with a note (docs/META.md §10.6).
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

describe('parseWebhook: context, referral, groups', () => {
  it('reads a reply context: the wamid replied to and who sent it', () => {
    const item = parseMessage(
      msg('text', { text: { body: 'yes' } }, { context: { from: '15550783881', id: 'wamid.OURS' } }),
    );
    expect(item.context).toEqual({
      from: '15550783881',
      id: 'wamid.OURS',
      forwarded: false,
      frequentlyForwarded: false,
    });
  });

  it.each([
    ['forwarded', { forwarded: true }, { forwarded: true, frequentlyForwarded: false }],
    ['frequently forwarded', { frequently_forwarded: true }, { forwarded: false, frequentlyForwarded: true }],
  ])('reads %s', (_n, context, expected) => {
    expect(parseMessage(msg('text', { text: { body: 'fw' } }, { context })).context).toEqual(expected);
  });

  it('reads a referred product ("Message business" button)', () => {
    const context = {
      from: '15550783881',
      id: 'wamid.P',
      referred_product: { catalog_id: 'C1', product_retailer_id: 'R1' },
    };
    expect(parseMessage(msg('text', { text: { body: '?' } }, { context })).context?.referredProduct).toEqual({
      catalogId: 'C1',
      productRetailerId: 'R1',
    });
  });

  it('keeps a Click-to-WhatsApp referral whole', () => {
    const referral = {
      source_url: 'https://fb.me/3cr4Wqqkz',
      source_id: '120226305854810726',
      source_type: 'ad',
      headline: 'Chat with us',
      body: 'Free shipping',
      media_type: 'image',
      image_url: 'https://scontent.xx.fbcdn.net/v/t45.1',
      ctwa_clid:
        'Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iopx-wZhNu7ZHKdsG4PXp2_Do5mnFNgVxN9ws',
      welcome_message: { text: 'Hi there!' },
    };
    expect(parseMessage(msg('text', { text: { body: 'hi' } }, { referral })).referral).toEqual(referral);
  });

  it('reads a group id', () => {
    expect(parseMessage(msg('text', { text: { body: 'g' } }, { group_id: 'G.1' })).groupId).toBe('G.1');
  });
});

describe('parseWebhook: senders (BSUIDs, 2026)', () => {
  it('takes from_user_id over the contact when both are there', () => {
    const item = parseMessage(msg('text', { text: { body: 'x' } }, { from_user_id: 'US.OWN' }));
    expect(item.fromUserId).toBe('US.OWN');
  });

  it('accepts a username-only sender without `from`, with the profile from the matching contact', () => {
    const contacts = [
      { profile: { name: 'Other' }, user_id: 'US.OTHER' },
      { profile: { name: 'Ana', username: 'ana.b' }, user_id: 'US.ANA', parent_user_id: 'US.PARENT' },
    ];
    const { from: _from, ...message } = msg('text', { text: { body: 'hi' } }, { from_user_id: 'US.ANA' });
    const item = parseMessage(message, contacts);
    expect(item).toMatchObject({
      fromUserId: 'US.ANA',
      profileName: 'Ana',
      username: 'ana.b',
      parentUserId: 'US.PARENT',
    });
    expect(item.from).toBeUndefined();
  });

  it("takes the user id of the only contact when the message carries none (Brazil's 9th digit may differ)", () => {
    const item = parseMessage(msg('text', { text: { body: 'oi' } }, { from: '5511987654321' }), [
      { profile: { name: 'João' }, wa_id: '551187654321', user_id: 'BR.1' },
    ]);
    expect(item).toMatchObject({ from: '5511987654321', fromUserId: 'BR.1', profileName: 'João' });
  });

  it('reads a message whose contact has no profile', () => {
    expect(parseMessage(msg('text', { text: { body: 'x' } }), [{ wa_id: '16505551234' }]).profileName).toBeUndefined();
  });

  it('refuses a message with neither from nor a user id', () => {
    const { from: _from, ...message } = msg('text', { text: { body: 'x' } });
    expect(parseOne(message, [])).toMatchObject({
      kind: 'invalid',
      path: PATH,
      wamid: message.id,
      reason: 'no sender: neither from nor from_user_id',
    });
  });
});

const INVALID_ROWS: [string, unknown, string][] = [
  ['no wamid', { ...msg('text', { text: { body: 'x' } }), id: undefined }, 'id is missing'],
  ['a wamid that is not a string', { ...msg('text', { text: { body: 'x' } }), id: 42 }, 'id is not a string'],
  [
    'a wamid longer than the cap',
    { ...msg('text', { text: { body: 'x' } }), id: 'w'.repeat(257) },
    'id is longer than 256 characters',
  ],
  ['no type', { ...msg('text', { text: { body: 'x' } }), type: undefined }, 'type is missing'],
  [
    'a timestamp that is not digits',
    { ...msg('text', { text: { body: 'x' } }), timestamp: 'yesterday' },
    'timestamp is missing or not unix seconds',
  ],
  [
    'a negative timestamp',
    { ...msg('text', { text: { body: 'x' } }), timestamp: '-1' },
    'timestamp is missing or not unix seconds',
  ],
  [
    'a fractional timestamp',
    { ...msg('text', { text: { body: 'x' } }), timestamp: 1.5 },
    'timestamp is missing or not unix seconds',
  ],
  ['text without body', msg('text', { text: {} }), 'text.body is missing'],
  ['text without the text object', msg('text', {}), 'text is missing'],
  [
    'text over 65,536 characters',
    msg('text', { text: { body: 'a'.repeat(65_537) } }),
    'text.body is longer than 65536 characters',
  ],
  ['image without id', msg('image', { image: { mime_type: 'image/jpeg' } }), 'image.id is missing'],
  ['audio that is a string', msg('audio', { audio: 'x' }), 'audio is not an object'],
  ['location without latitude', msg('location', { location: { longitude: 1 } }), 'location.latitude is missing'],
  [
    'location with a string longitude',
    msg('location', { location: { latitude: 1, longitude: '2' } }),
    'location.longitude is not a number',
  ],
  [
    'button_reply without title',
    msg('interactive', { interactive: { type: 'button_reply', button_reply: { id: 'b' } } }),
    'interactive.button_reply.title is missing',
  ],
  ['interactive without type', msg('interactive', { interactive: {} }), 'interactive.type is missing'],
  [
    'nfm_reply without response_json',
    msg('interactive', { interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow' } } }),
    'interactive.nfm_reply.response_json is missing',
  ],
  ['reaction without message_id', msg('reaction', { reaction: { emoji: '👍' } }), 'reaction.message_id is missing'],
  ['order without catalog_id', msg('order', { order: { product_items: [] } }), 'order.catalog_id is missing'],
  [
    'order item without product id',
    msg('order', { order: { catalog_id: 'c', product_items: [{ quantity: 1 }] } }),
    'order.product_items[0].product_retailer_id is missing',
  ],
  ['revoke without original id', msg('revoke', { revoke: {} }), 'revoke.original_message_id is missing'],
  [
    'more than 50 errors',
    msg('unsupported', { errors: Array.from({ length: 51 }, () => ({ code: 1 })) }),
    'errors has more than 50 entries',
  ],
  [
    'more than 100 contact cards',
    msg('contacts', { contacts: Array.from({ length: 101 }, () => ({})) }),
    'contacts has more than 100 entries',
  ],
];

describe('parseWebhook: unusable messages', () => {
  it.each(INVALID_ROWS)('%s', (_name, message, reason) => {
    expect(parseOne(message)).toMatchObject({
      kind: 'invalid',
      path: PATH,
      reason,
      wabaId: WABA,
      phoneNumberId: PHONE,
    });
  });

  it('keeps the wamid of an invalid message so it can be recorded', () => {
    expect(parseOne(msg('image', { image: {} }))).toMatchObject({ kind: 'invalid', wamid: msg('x', {}).id });
  });
});

describe('parseWebhook: odd optional fields are left out and noted', () => {
  it('drops a wrongly typed caption and context flag, keeping the message', () => {
    const item = parseMessage(
      msg('image', { image: { id: '1', caption: 7 } }, { context: { id: 'wamid.X', forwarded: 'yes' } }),
    );
    expect(item.content).toEqual({ type: 'image', id: '1' });
    expect(item.context).toEqual({ id: 'wamid.X', forwarded: false, frequentlyForwarded: false });
    expect(item.notes).toEqual(['image.caption is not a string', 'context.forwarded is not a boolean']);
  });

  it('reads an empty emoji as a removal, not as an emoji', () => {
    expect(parseMessage(msg('reaction', { reaction: { message_id: 'm', emoji: '' } })).content).toEqual({
      type: 'reaction',
      messageId: 'm',
      removed: true,
    });
  });

  it('skips contact cards that are not objects', () => {
    const item = parseMessage(msg('contacts', { contacts: [null, { name: { formatted_name: 'A' } }] }));
    expect(item.content).toEqual({
      type: 'contacts',
      contacts: [{ formattedName: 'A', phones: [], emails: [], urls: [] }],
    });
    expect(item.notes).toEqual(['contacts[0] is not an object']);
  });

  it('cuts a referral nested deeper than the limit and says so', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    // Built in memory: JSON.stringify itself would overflow the stack on this depth.
    const message = msg('text', { text: { body: 'x' } }, { referral: { source_type: 'ad', deep } });
    const item = only(parseWebhook(body([message])).items);
    if (item.kind !== 'message') throw new Error(item.kind);
    expect(item.referral).toEqual({ source_type: 'ad', deep: { d: { d: { d: null } } } });
    expect(item.notes).toEqual(['referral was cut to the size limits']);
  });

  it('never reads Object.prototype through a key named like one of its members', () => {
    const item = parseMessage(JSON.parse('{"from":"1","id":"w","timestamp":"1","type":"constructor"}'));
    expect(item.content).toEqual({ type: 'other', value: null });
    const toString = parseOne(
      JSON.parse('{"from":"1","id":"w","timestamp":"1","type":"text","text":{"__proto__":{"body":"x"}}}'),
    );
    expect(toString).toMatchObject({ kind: 'invalid', reason: 'text.body is missing' });
  });

  it('reads own fields only, never inherited ones', () => {
    const inherited = Object.create(msg('text', { text: { body: 'x' } })) as unknown;
    expect(only(parseWebhook(body([inherited])).items)).toMatchObject({ kind: 'invalid', reason: 'id is missing' });
  });
});
