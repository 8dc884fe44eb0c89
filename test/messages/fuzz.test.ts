import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

// Property: whatever a client sends, the gateway never answers 5xx for it, and every error is in the
// document's shape. Bodies are arbitrary JSON, and mutations of valid bodies (the interesting edge).
const VALID = [
  { phone_number: '+27123456789', message_type: 'text', text: 'hi' },
  { phone_number: '+27123456789', message_type: 'location', location: { latitude: 1, longitude: 2 } },
  {
    phone_number: '+27123456789',
    message_type: 'interactive',
    interactive: { type: 'button', body: 'b', buttons: [{ id: 'a', title: 'A' }] },
  },
  {
    phone_number: '+27123456789',
    message_type: 'interactive',
    interactive: { type: 'list', body: 'b', button: 'B', sections: [{ title: 's', rows: [{ id: 'r', title: 'R' }] }] },
  },
  { phone_number: '+27123456789', message_type: 'contacts', contacts: [{ name: { formatted_name: 'X' } }] },
  { phone_number: '+27123456789', message_type: 'reaction', reaction: { message_id: 'wamid.x' } },
];

const jsonValue = fc.jsonValue({ maxDepth: 4 });

function mutate(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = [
    ...Object.keys(base),
    'media_url',
    'caption',
    'interactive',
    '__proto__',
    'constructor',
    'context_message_id',
  ];
  return fc.oneof(
    fc.record({ key: fc.constantFrom(...keys), value: jsonValue }).map(({ key, value }) => ({ ...base, [key]: value })),
    fc
      .constantFrom(...Object.keys(base))
      .map((k) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k))),
    fc.string({ maxLength: 3000 }).map((s) => ({ ...base, text: s })),
  );
}

describe('hostile and arbitrary request bodies', () => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway('sqlite');
  });
  afterAll(async () => gw.close());

  it("never answer 5xx, and every error is in the document's shape", async () => {
    const body = fc.oneof(
      jsonValue,
      fc.constantFrom(...VALID).chain((v) => mutate(v)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await gw.send(b);
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const json = res.json<Record<string, unknown>>();
          expect(typeof json.error).toBe('string');
          expect(typeof json.message).toBe('string');
          expect(res.body).not.toMatch(/\n\s+at |FST_ERR|statusCode/);
        }
      }),
      { numRuns: 2500 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses malformed JSON, wrong content types and deep nesting in the document's shape", async () => {
    const raw = (payload: string, type = 'application/json') =>
      gw.app.inject({
        method: 'POST',
        url: `/send-whatsapp?tenantId=${gw.tenant.slug}`,
        headers: { authorization: `Bearer ${gw.tenant.key}`, 'content-type': type },
        payload,
      });
    for (const [payload, type] of [
      ['{"phone_number":', 'application/json'],
      ['[1,2', 'application/json'],
      ['', 'application/json'],
      ['phone_number=1', 'application/x-www-form-urlencoded'],
      ['hello', 'text/plain'],
      [`${'['.repeat(5000)}${']'.repeat(5000)}`, 'application/json'],
      [
        JSON.stringify({
          phone_number: '+27123456789',
          message_type: 'text',
          text: 'x',
          constructor: { prototype: { polluted: true } },
        }),
        'application/json',
      ],
    ] as const) {
      const res = await raw(payload, type);
      expect(res.statusCode, payload.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(Object.keys(res.json())).toEqual(expect.arrayContaining(['error', 'message']));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
