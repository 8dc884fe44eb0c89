// Fuzzed webhooks through the real route, in-process: 1,000 signed bodies (arbitrary JSON, Meta's
// shape with wrong types, huge strings, deep nesting, unknown types and values) never get a 5xx,
// every receipt ends processed, and the rows seeded first (a sent message, a contact, a thread,
// and another app's message) change only as a valid item aimed at them may change them. Unsigned,
// wrongly signed, replayed-with-another-body and oversized requests are refused and store nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META_WEBHOOK_BODY_LIMIT } from '../../src/server/scopes.js';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import {
  APP_ID,
  deliver,
  envelope,
  post,
  receipts,
  seedApp,
  seedWebhookTenant,
  sentMessage,
  sign,
  type WebhookTenant,
} from './helpers.js';

const WAMID = 'wamid.HBgLMjcxMjM0NTY3ODkVAgARGBI1RkZFMEZBMDg5RUQ5QjFFNzQA';
const OTHER_APP = '4004';
const OTHER_SECRET = 'the-other-apps-secret-for-fuzz';
const OTHER_WAMID = 'wamid.OTHER-ORG-MESSAGE-0001';
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

// Values that go anywhere a field is read: wrong types, huge or odd strings, deep nesting.
const huge = fc
  .tuple(fc.constantFrom(1_000, 20_000, 100_000), fc.constantFrom('x', 'é', '😀', '\u0000', '"', '\\', '\ud800'))
  .map(([n, c]) => c.repeat(n));
const deep = fc.tuple(fc.integer({ min: 10, max: 3_000 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});
const wrong = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', ' ', '__proto__', 'constructor', [], {}),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const wild = fc.oneof({ weight: 6, arbitrary: wrong }, { weight: 1, arbitrary: huge }, { weight: 1, arbitrary: deep });

/** Sometimes the field as it should be, sometimes anything, sometimes absent. */
const maybe = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 5, arbitrary: good },
    { weight: 2, arbitrary: wild },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const unix = fc.oneof(
  fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String),
  fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
  fc.constantFrom('0', '999999999999', '-1', '1e9', '1700000000.5', '١٧٠٠٠٠٠٠٠٠'),
);

const KNOWN_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'request_welcome',
  'unsupported',
  'revoke',
];

function bodyArbitrary(own: WebhookTenant, other: WebhookTenant): fc.Arbitrary<string | Buffer> {
  const phoneId = maybe(fc.constantFrom(own.phoneNumberId, other.phoneNumberId, '1', '000'));
  const wamid = maybe(fc.constantFrom(WAMID, OTHER_WAMID, 'wamid.unknown', `${WAMID} `, WAMID.toLowerCase()));
  const from = maybe(fc.constantFrom(own.phone.replace('+', ''), own.phone, '16505551234', '27000000000', 'abc'));
  const statusItem = fc.record(
    {
      id: wamid,
      status: maybe(fc.constantFrom('sent', 'delivered', 'read', 'failed', 'played', 'deleted', 'warning', 'SENT')),
      timestamp: maybe(unix),
      recipient_id: maybe(fc.constantFrom('27123456789')),
      errors: maybe(fc.array(fc.record({ code: maybe(fc.integer()), title: maybe(fc.string()) }), { maxLength: 3 })),
      conversation: maybe(fc.record({ id: maybe(fc.string()), origin: maybe(fc.record({ type: wild })) })),
      pricing: maybe(fc.record({ billable: maybe(fc.boolean()), category: maybe(fc.string()) })),
      [`x_${'unknown'}`]: wild,
    },
    { requiredKeys: [] },
  );
  const textLike = fc.record({ body: maybe(fc.string({ maxLength: 100 })) }, { requiredKeys: [] });
  const messageItem = fc
    .tuple(maybe(fc.constantFrom(...KNOWN_TYPES, 'hologram', 'Text', '')), wild, wild)
    .chain(([type, object, extra]) =>
      fc.record(
        {
          from,
          id: maybe(fc.uuid().map((u) => `wamid.fuzz-${u}`)),
          timestamp: maybe(unix),
          type: fc.constant(type),
          ...(typeof type === 'string' && type !== '' ? { [type]: fc.oneof(fc.constant(object), textLike) } : {}),
          context: maybe(fc.record({ id: wamid, from: wild })),
          referral: maybe(fc.constant(extra)),
          errors: maybe(fc.array(fc.record({ code: wild }), { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
    );
  const value = fc.record(
    {
      messaging_product: maybe(fc.constant('whatsapp')),
      metadata: maybe(fc.record({ display_phone_number: maybe(fc.constant('15550001111')), phone_number_id: phoneId })),
      contacts: maybe(
        fc.array(
          fc.record(
            { profile: maybe(fc.record({ name: maybe(fc.string()) })), wa_id: from, user_id: wild },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      ),
      statuses: maybe(fc.array(statusItem, { maxLength: 8 })),
      messages: maybe(fc.array(messageItem, { maxLength: 5 })),
      errors: maybe(fc.array(fc.record({ code: wild, title: wild }), { maxLength: 2 })),
    },
    { requiredKeys: [] },
  );
  const change = fc.record(
    {
      field: maybe(fc.constantFrom('messages', 'message_template_status_update', 'account_update', 'smb_echoes')),
      value: maybe(value),
    },
    { requiredKeys: [] },
  );
  const shaped = fc
    .record(
      {
        object: maybe(fc.constantFrom('whatsapp_business_account', 'page', 'instagram')),
        entry: maybe(
          fc.array(fc.record({ id: maybe(fc.constant('777')), changes: maybe(fc.array(change, { maxLength: 3 })) }), {
            maxLength: 3,
          }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  return fc.oneof(
    { weight: 14, arbitrary: shaped },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: wild.map((v) => JSON.stringify(v) ?? 'undefined') },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  );
}

type Row = Record<string, unknown>;

describe.each(ENGINES)('fuzzed webhooks (%s)', (engine) => {
  let gw: TestGateway;
  let own: WebhookTenant;
  let other: WebhookTenant;
  let messageId: string;
  let otherMessageId: string;
  const k = () => gw.ctx.db.kysely;
  const rowOf = async (table: 'helpdesk_messages' | 'contacts' | 'customer_sessions', id: string) =>
    (await k().selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as Row;

  beforeAll(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
    await gw.ctx.apps.create(OTHER_APP, { appSecret: OTHER_SECRET, verifyToken: 'verify-token-other-app' });
    own = await seedWebhookTenant(gw);
    other = await seedWebhookTenant(gw, OTHER_APP);
    messageId = await sentMessage(gw, own, WAMID);
    otherMessageId = await sentMessage(gw, other, OTHER_WAMID);
    // The thread: one inbound message from the seeded contact.
    await deliver(
      gw,
      envelope(own.phoneNumberId, {
        contacts: [{ profile: { name: 'Test Contact' }, wa_id: own.phone.replace('+', '') }],
        messages: [
          {
            from: own.phone.replace('+', ''),
            id: 'wamid.seed-inbound',
            timestamp: '1700000000',
            type: 'text',
            text: { body: 'seed' },
          },
        ],
      }),
    );
  }, 60_000);
  afterAll(async () => gw?.close());

  it(`answers ${RUNS} fuzzed signed bodies without a 5xx, processes every one, and corrupts no row`, async () => {
    const sessionId = (
      await k()
        .selectFrom('customer_sessions')
        .select('id')
        .where('contact_id', '=', own.contactId)
        .executeTakeFirstOrThrow()
    ).id;
    const before = {
      message: await rowOf('helpdesk_messages', messageId),
      other: await rowOf('helpdesk_messages', otherMessageId),
      contact: await rowOf('contacts', own.contactId),
      session: await rowOf('customer_sessions', sessionId),
      receipts: (await receipts(gw)).length,
    };
    // The thread holds the sent message and the seeded inbound one.
    expect(before.session['message_count']).toBe(2);
    expect(before.session['unread_count']).toBe(1);

    const answers = new Map<number, number>();
    let posted = 0;
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(own, other), async (body) => {
        const res = await post(gw, body);
        posted++;
        answers.set(res.statusCode, (answers.get(res.statusCode) ?? 0) + 1);
        if (Buffer.byteLength(body) > META_WEBHOOK_BODY_LIMIT) {
          // Several huge values together can pass the limit: refused whole, with the limit named.
          expect(res.statusCode, res.body).toBe(413);
          expect(res.json<{ message: string }>().message).toContain(String(META_WEBHOOK_BODY_LIMIT));
          return;
        }
        stored++;
        // Signed and under the limit: Meta's 200, whatever the body holds.
        expect(res.statusCode, res.body).toBe(200);
      }),
      { numRuns: RUNS },
    );
    expect(posted).toBe(RUNS);
    // Most bodies are under the limit; a run that stored few would test little.
    expect(stored).toBeGreaterThan(RUNS * 0.9);
    await gw.ctx.inbound.idle();

    // Every body stored once and processed, none left pending or failed.
    const all = await receipts(gw);
    expect(all.length - before.receipts).toBe(stored);
    const states = new Map<string, number>();
    for (const r of all) states.set(r.state, (states.get(r.state) ?? 0) + 1);
    expect(Object.fromEntries(states)).toEqual({ processed: all.length });
    for (const r of all) expect(() => JSON.parse(r.outcome ?? '') as unknown).not.toThrow();

    // The other app's message: no webhook of this app may touch it, whatever wamid it names.
    expect(await rowOf('helpdesk_messages', otherMessageId)).toEqual(before.other);
    expect(
      await k()
        .selectFrom('message_statuses')
        .select('id')
        .where('organization_id', '=', other.organizationId)
        .execute(),
    ).toHaveLength(0);

    // The sent message: only its status fields may move, and only to a status recorded for its wamid.
    const message = await rowOf('helpdesk_messages', messageId);
    const STATUS_FIELDS = [
      'status',
      'status_at',
      'updated_at',
      'pricing',
      'conversation',
      'error_code',
      'error_message',
      'error_details',
    ];
    const fixed = (r: Row) => Object.fromEntries(Object.entries(r).filter(([key]) => !STATUS_FIELDS.includes(key)));
    expect(fixed(message)).toEqual(fixed(before.message));
    const recorded = await k()
      .selectFrom('message_statuses')
      .selectAll()
      .where('organization_id', '=', own.organizationId)
      .where('whatsapp_message_id', '=', WAMID)
      .execute();
    if (message['status'] !== 'sent') {
      const applied = recorded.find((s) => s.status === message['status']);
      expect(applied, `status ${String(message['status'])} without its history row`).toBeDefined();
      expect(applied!.applied_at).not.toBeNull();
      expect(message['status_at']).toBe(applied!.occurred_at);
    }
    for (const s of recorded) {
      expect(Number.isNaN(Date.parse(s.occurred_at)), s.occurred_at).toBe(false);
      for (const v of [s.errors, s.pricing, s.conversation]) if (v !== null) JSON.parse(v);
    }

    // The contact: the same person; only a missing user id may have been filled in.
    const contact = await rowOf('contacts', own.contactId);
    const person = (r: Row) => ({ ...r, user_id: null, updated_at: null });
    expect(person(contact)).toEqual(person(before.contact));

    // Every thread's counters agree with its messages; the seeded thread is still the contact's.
    const session = await rowOf('customer_sessions', sessionId);
    expect({
      ...session,
      message_count: 0,
      unread_count: 0,
      updated_at: 0,
      last_message_at: 0,
      last_inbound_at: 0,
    }).toEqual({
      ...before.session,
      message_count: 0,
      unread_count: 0,
      updated_at: 0,
      last_message_at: 0,
      last_inbound_at: 0,
    });
    const sessions = await k().selectFrom('customer_sessions').selectAll().execute();
    const messages = await k().selectFrom('helpdesk_messages').selectAll().execute();
    const inbound = messages.filter((m) => m.direction === 'inbound');
    for (const s of sessions) {
      expect(Number(s.message_count), `thread ${s.id}`).toBe(messages.filter((m) => m.session_id === s.id).length);
      // Reactions, revokes and system notices are kept in the thread but never count as unread.
      expect(Number(s.unread_count), `thread ${s.id}`).toBe(
        inbound.filter((m) => m.session_id === s.id && !['reaction', 'revoke', 'system'].includes(m.message_type))
          .length,
      );
    }
    const wamids = new Set<string>();
    for (const m of inbound) {
      expect(m.organization_id).toBe(own.organizationId);
      expect(wamids.has(m.whatsapp_message_id!), `inbound ${m.whatsapp_message_id} stored twice`).toBe(false);
      wamids.add(m.whatsapp_message_id!);
      expect(() => JSON.parse(m.content) as unknown).not.toThrow();
      expect(Number.isNaN(Date.parse(m.created_at)), m.created_at).toBe(false);
    }
    const contacts = await k().selectFrom('contacts').selectAll().execute();
    for (const c of contacts) expect(c.whatsapp_number).toMatch(/^\+?\d{6,20}$/);
  }, 600_000);

  // Counted, not read: after the first test the table holds a thousand bodies, some of a megabyte.
  const receiptCount = async () =>
    Number(
      (
        await k()
          .selectFrom('webhook_receipts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const refused = async (body: string | Buffer, signature: string | null, expected: number) => {
    const count = await receiptCount();
    const res = await post(gw, body, signature);
    expect(res.statusCode).toBe(expected);
    expect(await receiptCount()).toBe(count);
  };

  it('refuses unsigned, wrongly signed and replayed-with-another-body requests, storing nothing', async () => {
    const body = fc.oneof(fc.json(), fc.string({ maxLength: 300 }));
    await fc.assert(
      fc.asyncProperty(body, body, fc.string({ minLength: 1, maxLength: 40 }), async (a, b, secret) => {
        fc.pre(a !== b);
        await refused(a, null, 401);
        await refused(a, sign(a, `${secret}-not-the-app-secret`), 401);
        await refused(a, sign(a, OTHER_SECRET), 401);
        // Meta's signature of another body, replayed with this one.
        await refused(a, sign(b), 401);
        await refused(a, `${sign(a)}0`, 401);
        await refused(a, sign(a).replace('sha256=', 'sha1='), 401);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('refuses an oversized body with 413 and stores nothing, signed or not', async () => {
    for (const extra of [1, 4096, 1024 * 1024]) {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        pad: 'x'.repeat(META_WEBHOOK_BODY_LIMIT + extra),
      });
      await refused(body, sign(body), 413);
      await refused(body, null, 413);
    }
    const res = await post(gw, 'x'.repeat(META_WEBHOOK_BODY_LIMIT + 1));
    expect(res.json<{ message: string }>().message).toContain(`${META_WEBHOOK_BODY_LIMIT} bytes`);
  }, 60_000);

  it('stores a body signed for the other app only on that app’s URL', async () => {
    const body = envelope(own.phoneNumberId, { statuses: [] });
    const count = await receiptCount();
    expect((await post(gw, body, sign(body, OTHER_SECRET), APP_ID)).statusCode).toBe(401);
    expect((await post(gw, body, sign(body, OTHER_SECRET), OTHER_APP)).statusCode).toBe(200);
    expect(await receiptCount()).toBe(count + 1);
  });
});
