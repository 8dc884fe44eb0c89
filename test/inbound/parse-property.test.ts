// Properties of parseWebhook over bodies nobody wrote by hand: arbitrary JSON values, and valid
// payloads with random parts deleted, replaced or wrapped. It must never throw, and every item must
// be one of the documented kinds, with a path, and a reason when it is ignored or invalid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWebhook, type WebhookItem } from '../../src/inbound/parse.js';

const KINDS = new Set(['status', 'message', 'template_event', 'error', 'ignored', 'invalid']);

const text = (id: string) => ({ from: '16505551234', id, timestamp: '1750263773', type: 'text', text: { body: 'hi' } });
const VALID = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            contacts: [{ profile: { name: 'Sheena' }, wa_id: '16505551234', user_id: 'US.1' }],
            messages: [
              text('wamid.1'),
              { ...text('wamid.2'), type: 'image', image: { id: '1', mime_type: 'image/jpeg', sha256: 'x' } },
              { ...text('wamid.3'), type: 'reaction', reaction: { message_id: 'wamid.0', emoji: '👍' } },
              {
                ...text('wamid.4'),
                type: 'interactive',
                interactive: { type: 'list_reply', list_reply: { id: 'a', title: 'A' } },
              },
              {
                ...text('wamid.5'),
                type: 'order',
                order: { catalog_id: 'c', product_items: [{ product_retailer_id: 'p', quantity: 1 }] },
              },
              {
                ...text('wamid.6'),
                context: { from: '1555', id: 'wamid.0', forwarded: true },
                referral: { source_type: 'ad' },
              },
            ],
            statuses: [
              {
                id: 'wamid.OUT',
                status: 'failed',
                timestamp: '1750263773',
                recipient_id: '16505551234',
                errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'd' } }],
                conversation: { id: 'C', origin: { type: 'service' }, expiration_timestamp: '1750350173' },
                pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
              },
            ],
            errors: [{ code: 131000, title: 'Something went wrong' }],
          },
        },
        { field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1 } },
      ],
    },
  ],
};

/** Every place in a value: [parent, key] pairs, found without recursion. */
function places(root: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    const parent = v as Record<string, unknown> | unknown[];
    for (const [k, child] of Object.entries(parent)) {
      out.push([parent, Array.isArray(parent) ? Number(k) : k]);
      stack.push(child);
    }
  }
  return out;
}

type Mutation = { at: number; action: 'delete' | 'replace' | 'wrap'; value: unknown };

function mutate(mutations: Mutation[]): unknown {
  const body: unknown = structuredClone(VALID);
  for (const m of mutations) {
    const all = places(body);
    if (all.length === 0) break;
    const [parent, key] = all[m.at % all.length]!;
    const target = parent as Record<string | number, unknown>;
    if (m.action === 'delete') delete target[key];
    else if (m.action === 'replace') target[key] = m.value;
    else target[key] = [target[key]];
  }
  return body;
}

function checkItems(items: WebhookItem[]): void {
  expect(Array.isArray(items)).toBe(true);
  for (const item of items) {
    expect(KINDS.has(item.kind)).toBe(true);
    expect(typeof item.path).toBe('string');
    if (item.kind === 'ignored' || item.kind === 'invalid') expect(item.reason.length).toBeGreaterThan(0);
    if (item.kind === 'status' || item.kind === 'message') {
      expect(item.wamid.length).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(item.timestamp))).toBe(false);
    }
  }
  // Items go to a database and a log as JSON.
  expect(() => JSON.stringify(items)).not.toThrow();
}

describe('parseWebhook: properties', () => {
  it('reads the unmutated sample as all valid items', () => {
    const kinds = parseWebhook(structuredClone(VALID)).items.map((i) => i.kind);
    expect(kinds).toEqual([
      'message',
      'message',
      'message',
      'message',
      'message',
      'message',
      'status',
      'error',
      'template_event',
    ]);
  });

  it('never throws on 1,000 arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => checkItems(parseWebhook(v).items)),
      { numRuns: 1000 },
    );
  });

  it('never throws on 1,000 arbitrary objects that claim to be WhatsApp webhooks', () => {
    const entry = fc.record({ id: fc.oneof(fc.string(), fc.jsonValue()), changes: fc.array(fc.jsonValue()) });
    const body = fc.record({ object: fc.constant('whatsapp_business_account'), entry: fc.array(entry) });
    fc.assert(
      fc.property(body, (v) => checkItems(parseWebhook(v).items)),
      { numRuns: 1000 },
    );
  });

  it('never throws on 1,000 mutated valid payloads', () => {
    const mutation = fc.record({
      at: fc.nat(),
      action: fc.constantFrom<Mutation['action']>('delete', 'replace', 'wrap'),
      value: fc.jsonValue(),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (ms) =>
        checkItems(parseWebhook(mutate(ms)).items),
      ),
      { numRuns: 1000 },
    );
  });
});
