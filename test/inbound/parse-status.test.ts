// parseWebhook on statuses (docs/META.md §10.5) and template events (§10.7).
import { describe, expect, it } from 'vitest';
import { parseWebhook, type StatusItem, type WebhookItem } from '../../src/inbound/parse.js';

const WABA = '102290129340398';
const PHONE = '106540352242922';
const METADATA = { display_phone_number: '15550783881', phone_number_id: PHONE };
const ORIGIN = { wabaId: WABA, phoneNumberId: PHONE, displayPhoneNumber: '15550783881' };

function envelope(changes: unknown[], id: unknown = WABA) {
  return { object: 'whatsapp_business_account', entry: [{ id, changes }] };
}

function messagesChange(value: Record<string, unknown>) {
  return { field: 'messages', value: { messaging_product: 'whatsapp', metadata: METADATA, ...value } };
}

const parse = (body: unknown): WebhookItem[] => parseWebhook(JSON.parse(JSON.stringify(body))).items;

function status(s: string, extra: Record<string, unknown> = {}) {
  return { id: 'wamid.OUT1', status: s, timestamp: '1750263773', recipient_id: '16505551234', ...extra };
}

const SENT_PRICING = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };
const SENT_CONVERSATION = { id: 'CONV1', expiration_timestamp: '1750350173', origin: { type: 'utility' } };
const FAILED_ERROR = {
  code: 131047,
  title: 'Re-engagement message',
  message: 'Re-engagement message',
  error_data: { details: 'Message failed to send because more than 24 hours have passed.' },
  href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
};

const STATUS_ROWS: [string, Record<string, unknown>, Partial<StatusItem>][] = [
  [
    'sent, with conversation and pricing',
    status('sent', { conversation: SENT_CONVERSATION, pricing: SENT_PRICING, biz_opaque_callback_data: 'order-42' }),
    {
      status: 'sent',
      bizOpaqueCallbackData: 'order-42',
      conversation: { id: 'CONV1', originType: 'utility', expiresAt: '2025-06-19T16:22:53.000Z' },
      pricing: { billable: true, pricingModel: 'PMP', category: 'utility', type: 'regular' },
    },
  ],
  ['delivered, v24 without conversation', status('delivered', { pricing: SENT_PRICING }), { status: 'delivered' }],
  ['read', status('read'), { status: 'read', errors: [] }],
  ['played (voice)', status('played'), { status: 'played' }],
  [
    'failed, with errors',
    status('failed', { errors: [FAILED_ERROR] }),
    {
      status: 'failed',
      errors: [
        {
          code: 131047,
          title: 'Re-engagement message',
          message: 'Re-engagement message',
          details: 'Message failed to send because more than 24 hours have passed.',
          href: FAILED_ERROR.href,
        },
      ],
    },
  ],
  ['a legacy or future value, kept as received', status('deleted'), { status: 'deleted' }],
  [
    'a group recipient',
    status('delivered', { recipient_type: 'group', recipient_participant_id: '16505550000' }),
    { recipientType: 'group', recipientParticipantId: '16505550000' },
  ],
  [
    'a BSUID recipient without a phone number',
    { id: 'wamid.OUT1', status: 'read', timestamp: '1750263773', recipient_user_id: 'US.1' },
    { recipientUserId: 'US.1', recipientId: undefined, conversation: undefined, pricing: undefined },
  ],
  [
    'free entry point pricing',
    status('sent', { pricing: { pricing_model: 'PMP', category: 'service', type: 'free_entry_point' } }),
    { pricing: { pricingModel: 'PMP', category: 'service', type: 'free_entry_point' } },
  ],
];

describe('parseWebhook: statuses', () => {
  it.each(STATUS_ROWS)('%s', (_name, s, expected) => {
    const [item, ...rest] = parse(envelope([messagesChange({ statuses: [s] })]));
    expect(rest).toEqual([]);
    // Absent fields are left out, never present as undefined.
    for (const [k, v] of Object.entries(expected)) if (v === undefined) expect(item).not.toHaveProperty(k);
    expect(item).toMatchObject({
      kind: 'status',
      path: 'entry[0].changes[0].value.statuses[0]',
      ...ORIGIN,
      wamid: 'wamid.OUT1',
      timestamp: '2025-06-18T16:22:53.000Z',
      ...Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)),
    });
  });

  it('reads statuses that come with 2026 contacts lacking `profile` (Evolution API #2573)', () => {
    const items = parse(
      envelope([messagesChange({ contacts: [{ wa_id: '16505551234' }], statuses: [status('read')] })]),
    );
    expect(items.map((i) => i.kind)).toEqual(['status']);
  });

  it.each([
    ['no wamid', { status: 'read', timestamp: '1' }, 'id is missing'],
    ['no status', { id: 'wamid.X', timestamp: '1' }, 'status is missing'],
    ['a status that is not a string', { id: 'wamid.X', status: 3, timestamp: '1' }, 'status is not a string'],
    [
      'a timestamp that is not unix seconds',
      { id: 'wamid.X', status: 'read', timestamp: '2025-06-19' },
      'timestamp is missing or not unix seconds',
    ],
    [
      'more than 50 errors',
      status('failed', { errors: Array.from({ length: 51 }, () => FAILED_ERROR) }),
      'errors has more than 50 entries',
    ],
  ])('refuses %s', (_name, s, reason) => {
    const [item] = parse(envelope([messagesChange({ statuses: [s] })]));
    expect(item).toMatchObject({
      kind: 'invalid',
      path: 'entry[0].changes[0].value.statuses[0]',
      reason,
      wabaId: WABA,
      phoneNumberId: PHONE,
    });
  });

  it('notes a conversation expiration that is not unix seconds, keeping the status', () => {
    const [item] = parse(
      envelope([
        messagesChange({ statuses: [status('sent', { conversation: { id: 'C', expiration_timestamp: 'soon' } })] }),
      ]),
    );
    expect(item).toMatchObject({
      kind: 'status',
      conversation: { id: 'C' },
      notes: ['conversation.expiration_timestamp is invalid'],
    });
  });
});

describe('parseWebhook: template events', () => {
  const rows: [string, Record<string, unknown>][] = [
    [
      'message_template_status_update',
      {
        event: 'APPROVED',
        message_template_id: 1_234_567,
        message_template_name: 'order_confirmation',
        message_template_language: 'en_US',
        reason: 'NONE',
      },
    ],
    [
      'message_template_quality_update',
      {
        previous_quality_score: 'GREEN',
        new_quality_score: 'YELLOW',
        message_template_id: 1_234_567,
        message_template_name: 'order_confirmation',
        message_template_language: 'en_US',
      },
    ],
    [
      'template_category_update',
      {
        message_template_id: '1234567',
        message_template_name: 'order_confirmation',
        message_template_language: 'en_US',
        previous_category: 'UTILITY',
        new_category: 'MARKETING',
      },
    ],
  ];
  it.each(rows)('%s', (field, value) => {
    expect(parse(envelope([{ field, value }]))).toEqual([
      {
        kind: 'template_event',
        path: 'entry[0].changes[0].value',
        field,
        wabaId: WABA,
        templateId: '1234567',
        templateName: 'order_confirmation',
        language: 'en_US',
        value,
      },
    ]);
  });

  it('keeps a "__proto__" key as data, never as the prototype of the copy', () => {
    const value = JSON.parse('{"message_template_id":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const [item] = parse(envelope([{ field: 'message_template_status_update', value }]));
    if (item?.kind !== 'template_event') throw new Error(JSON.stringify(item));
    expect(Object.getPrototypeOf(item.value)).toBe(Object.prototype);
    expect(Object.hasOwn(item.value, '__proto__')).toBe(true);
    expect('polluted' in item.value).toBe(false);
  });

  it.each([
    ['no template id', { event: 'APPROVED' }, 'message_template_id is missing'],
    ['a template id that is not an id', { message_template_id: 'abc' }, 'message_template_id is not an id'],
    ['a negative template id', { message_template_id: -1 }, 'message_template_id is not an id'],
  ])('refuses %s', (_name, value, reason) => {
    expect(parse(envelope([{ field: 'message_template_status_update', value }]))).toEqual([
      { kind: 'invalid', path: 'entry[0].changes[0].value', reason, wabaId: WABA },
    ]);
  });
});
