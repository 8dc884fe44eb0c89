// parseWebhook: the envelope, change-level errors, mixed batches and limits (docs/META.md §10).
// Statuses and template events are in parse-status.test.ts, inbound messages in parse-message*.test.ts.
import { describe, expect, it } from 'vitest';
import { WEBHOOK_LIMITS, parseWebhook, type WebhookItem } from '../../src/inbound/parse.js';

const WABA = '102290129340398';
const PHONE = '106540352242922';
const METADATA = { display_phone_number: '15550783881', phone_number_id: PHONE };

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

describe('parseWebhook: change-level errors', () => {
  it('makes each value.errors entry an error item', () => {
    const error = {
      code: 131000,
      title: 'Something went wrong',
      message: 'Something went wrong',
      error_data: { details: 'Unknown' },
    };
    expect(parse(envelope([messagesChange({ errors: [error, { code: 368 }] })]))).toEqual([
      {
        kind: 'error',
        path: 'entry[0].changes[0].value.errors[0]',
        wabaId: WABA,
        phoneNumberId: PHONE,
        error: { code: 131000, title: 'Something went wrong', message: 'Something went wrong', details: 'Unknown' },
      },
      {
        kind: 'error',
        path: 'entry[0].changes[0].value.errors[1]',
        wabaId: WABA,
        phoneNumberId: PHONE,
        error: { code: 368 },
      },
    ]);
  });

  it('reports them even without metadata', () => {
    const items = parse(envelope([{ field: 'messages', value: { errors: [{ code: 1 }] } }]));
    expect(items).toEqual([
      { kind: 'error', path: 'entry[0].changes[0].value.errors[0]', wabaId: WABA, error: { code: 1 } },
    ]);
  });
});

const ENVELOPE_ROWS: [string, unknown, Partial<WebhookItem>[]][] = [
  ['null', null, [{ kind: 'invalid', path: '', reason: 'body is not an object' }]],
  ['an array', [], [{ kind: 'invalid', path: '', reason: 'body is not an object' }]],
  ['a string', 'hello', [{ kind: 'invalid', path: '', reason: 'body is not an object' }]],
  ['no object', { entry: [] }, [{ kind: 'invalid', path: '', reason: 'object is missing or not a string' }]],
  [
    'another product',
    { object: 'instagram', entry: [] },
    [{ kind: 'ignored', path: '', reason: 'object "instagram" is not whatsapp_business_account' }],
  ],
  [
    'no entry',
    { object: 'whatsapp_business_account' },
    [{ kind: 'invalid', path: 'entry', reason: 'entry is missing or not an array' }],
  ],
  [
    'an empty entry',
    { object: 'whatsapp_business_account', entry: [] },
    [{ kind: 'ignored', path: 'entry', reason: 'entry is empty' }],
  ],
  [
    'an entry that is not an object',
    { object: 'whatsapp_business_account', entry: [7] },
    [{ kind: 'invalid', path: 'entry[0]', reason: 'not an object' }],
  ],
  [
    'an entry without id',
    { object: 'whatsapp_business_account', entry: [{ changes: [] }] },
    [{ kind: 'invalid', path: 'entry[0]', reason: 'id (the WABA id) is missing or not a string' }],
  ],
  [
    'changes that are not an array',
    { object: 'whatsapp_business_account', entry: [{ id: WABA, changes: {} }] },
    [{ kind: 'invalid', path: 'entry[0].changes', reason: 'changes is not an array', wabaId: WABA }],
  ],
  [
    'an entry without changes',
    { object: 'whatsapp_business_account', entry: [{ id: WABA }] },
    [{ kind: 'invalid', path: 'entry[0]', reason: 'changes is missing', wabaId: WABA }],
  ],
  ['no changes', envelope([]), [{ kind: 'ignored', path: 'entry[0]', reason: 'changes is empty' }]],
  [
    'a change that is not an object',
    envelope(['x']),
    [{ kind: 'invalid', path: 'entry[0].changes[0]', reason: 'not an object' }],
  ],
  [
    'a change without field',
    envelope([{ value: {} }]),
    [{ kind: 'invalid', path: 'entry[0].changes[0]', reason: 'field is missing or not a string' }],
  ],
  [
    'a field not handled',
    envelope([{ field: 'account_update', value: { event: 'X' } }]),
    [{ kind: 'ignored', path: 'entry[0].changes[0]', reason: 'field "account_update" is not handled' }],
  ],
  [
    'a change without value',
    envelope([{ field: 'messages' }]),
    [{ kind: 'invalid', path: 'entry[0].changes[0].value', reason: 'value is missing or not an object' }],
  ],
  [
    'a value with nothing in it',
    envelope([messagesChange({})]),
    [{ kind: 'ignored', path: 'entry[0].changes[0].value', reason: 'value has no messages, statuses or errors' }],
  ],
  [
    'statuses that are not an array',
    envelope([messagesChange({ statuses: 'x' })]),
    [{ kind: 'invalid', path: 'entry[0].changes[0].value.statuses', reason: 'statuses is not an array' }],
  ],
  [
    'a status that is not an object',
    envelope([messagesChange({ statuses: [null] })]),
    [{ kind: 'invalid', path: 'entry[0].changes[0].value.statuses[0]', reason: 'not an object' }],
  ],
];

describe('parseWebhook: envelope', () => {
  it.each(ENVELOPE_ROWS)('%s', (_name, body, expected) => {
    const items = parse(body);
    expect(items).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(items[i]).toMatchObject(e));
  });

  it('makes every message and status of a change without phone_number_id invalid, keeping the wamids', () => {
    const value = {
      statuses: [status('read')],
      messages: [{ id: 'wamid.IN', from: '1', timestamp: '1', type: 'text', text: { body: 'x' } }],
    };
    expect(parse(envelope([{ field: 'messages', value: { metadata: {}, ...value } }]))).toEqual([
      {
        kind: 'invalid',
        path: 'entry[0].changes[0].value.messages[0]',
        reason: 'value.metadata.phone_number_id is missing',
        wabaId: WABA,
        wamid: 'wamid.IN',
      },
      {
        kind: 'invalid',
        path: 'entry[0].changes[0].value.statuses[0]',
        reason: 'value.metadata.phone_number_id is missing',
        wabaId: WABA,
        wamid: 'wamid.OUT1',
      },
    ]);
  });
});

describe('parseWebhook: mixed batches', () => {
  it('reads every entry, change, message and status, and the good ones survive the bad', () => {
    const text = (id: string) => ({
      from: '16505551234',
      id,
      timestamp: '1750263773',
      type: 'text',
      text: { body: id },
    });
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        envelope([
          messagesChange({ messages: [text('wamid.1'), { ...text('wamid.2'), text: {} }, text('wamid.3')] }),
          { field: 'account_update', value: {} },
          messagesChange({
            statuses: [status('sent'), status('read', { id: 5 }), status('delivered', { id: 'wamid.OUT2' })],
          }),
        ]).entry[0],
        'not an entry',
        envelope(
          [{ field: 'message_template_status_update', value: { event: 'PAUSED', message_template_id: 9 } }],
          'WABA2',
        ).entry[0],
      ],
    };
    const items = parse(body);
    expect(items.map((i) => [i.kind, i.path])).toEqual([
      ['message', 'entry[0].changes[0].value.messages[0]'],
      ['invalid', 'entry[0].changes[0].value.messages[1]'],
      ['message', 'entry[0].changes[0].value.messages[2]'],
      ['ignored', 'entry[0].changes[1]'],
      ['status', 'entry[0].changes[2].value.statuses[0]'],
      ['invalid', 'entry[0].changes[2].value.statuses[1]'],
      ['status', 'entry[0].changes[2].value.statuses[2]'],
      ['invalid', 'entry[1]'],
      ['template_event', 'entry[2].changes[0].value'],
    ]);
    expect(items[1]).toMatchObject({ reason: 'text.body is missing', wamid: 'wamid.2' });
    expect(items[8]).toMatchObject({ wabaId: 'WABA2', templateId: '9' });
  });
});

describe('parseWebhook: limits', () => {
  it(`reads at most ${WEBHOOK_LIMITS.items} items and says where it stopped`, () => {
    const statuses = Array.from({ length: WEBHOOK_LIMITS.items + 500 }, (_, i) => status('read', { id: `wamid.${i}` }));
    const items = parse(envelope([messagesChange({ statuses })]));
    expect(items).toHaveLength(WEBHOOK_LIMITS.items + 1);
    expect(items.slice(0, -1).every((i) => i.kind === 'status')).toBe(true);
    expect(items.at(-1)).toEqual({
      kind: 'invalid',
      path: `entry[0].changes[0].value.statuses[${WEBHOOK_LIMITS.items}]`,
      reason: `more than ${WEBHOOK_LIMITS.items} items in one body; the rest was not read`,
    });
  });

  it('stops walking, not only adding, once full: a million empty changes end quickly', () => {
    const entry = { id: WABA, changes: Array.from({ length: 1000 }, () => ({ field: 'x', value: {} })) };
    const body = { object: 'whatsapp_business_account', entry: Array.from({ length: 1000 }, () => entry) };
    const started = performance.now();
    expect(parseWebhook(body).items).toHaveLength(WEBHOOK_LIMITS.items + 1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("reads Meta's full batch of 1,000 updates in well under a second", () => {
    const statuses = Array.from({ length: 1000 }, (_, i) =>
      status('delivered', {
        id: `wamid.${i}`,
        pricing: { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' },
      }),
    );
    const started = performance.now();
    const items = parse(envelope([messagesChange({ statuses })]));
    expect(items.filter((i) => i.kind === 'status')).toHaveLength(1000);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads the messages of a change with more contacts than a body may hold items', () => {
    const contacts = Array.from({ length: WEBHOOK_LIMITS.items + 1 }, (_, i) => ({ wa_id: String(i) }));
    const messages = [{ from: '1', id: 'wamid.IN', timestamp: '1', type: 'text', text: { body: 'x' } }];
    expect(parse(envelope([messagesChange({ contacts, messages })])).map((i) => i.kind)).toEqual(['message']);
  });

  it('refuses a phone_number_id longer than the id cap', () => {
    const value = { metadata: { phone_number_id: '1'.repeat(300) }, statuses: [status('read')] };
    expect(parse(envelope([{ field: 'messages', value }]))[0]).toMatchObject({
      kind: 'invalid',
      reason: 'value.metadata.phone_number_id is longer than 256 characters',
    });
  });

  it('cuts a template event value with too many keys, and notes it', () => {
    const value: Record<string, unknown> = { message_template_id: 1 };
    for (let i = 0; i < 5000; i++) value[`k${i}`] = i;
    const [item] = parse(envelope([{ field: 'template_category_update', value }]));
    if (item?.kind !== 'template_event') throw new Error(JSON.stringify(item));
    expect(Object.keys(item.value).length).toBeLessThanOrEqual(WEBHOOK_LIMITS.looseNodes);
    expect(item.notes).toEqual(['value was cut to the size limits']);
  });

  it('cuts a template event value that is too big, and notes it', () => {
    const value = { message_template_id: 1, junk: Array.from({ length: 5000 }, (_, i) => i) };
    const [item] = parse(envelope([{ field: 'template_category_update', value }]));
    expect(item).toMatchObject({ kind: 'template_event', notes: ['value was cut to the size limits'] });
  });
});
