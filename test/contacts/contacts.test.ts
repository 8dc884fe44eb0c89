import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe.each(ENGINES)('contacts API on %s', (engine) => {
  let gw: TestGateway;
  let t: Tenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    t = await seedTenant(gw.ctx, { phone: '+44 7700 900000' });
  });
  afterAll(async () => gw.close());

  const create = (body: unknown, path = '/api/contact') =>
    gw.app.inject({
      method: 'POST',
      url: `${path}?tenantId=${t.slug}`,
      headers: bearer(t.key),
      payload: body as object,
    });

  it('creates a contact with the number normalized exactly as the send endpoint will', async () => {
    const res = await create({
      phone_number: '+27 (12) 345-6780',
      name: 'Thandi',
      email: 'thandi@example.com',
      custom_fields: { tier: 'gold' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      success: true,
      data: { whatsapp_number: '27123456780', name: 'Thandi', custom_fields: { tier: 'gold' } },
    });
  });

  it('answers 409 Contact already exists with the existing id, also at /contact', async () => {
    const first = await create({ phone_number: '+1 650 555 0100' });
    const again = await create({ phone_number: '16505550100' }, '/contact');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'Contact already exists', contact_id: first.json().data.id });
  });

  it.each([
    [{}, 'Missing required field', /phone_number/],
    [{ phone_number: '+27abc123456789' }, 'Invalid field', /phone_number/],
    [{ phone_number: '1234' }, 'Invalid field', /8 to 15 digits/],
    [{ phone_number: 27123456789 }, 'Invalid field', /phone_number/],
    [{ phone_number: '+27123456781', email: 'not-an-email' }, 'Invalid field', /email/],
    [{ phone_number: '+27123456782', nickname: 'x' }, 'Invalid field', /nickname/],
  ])('answers 400 for %o and stores nothing', async (body, error, message) => {
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error, message: expect.stringMatching(message) });
    const all = await gw.ctx.contacts.list(t.organizationId, { limit: 1000 });
    expect(all.map((c) => c.whatsapp_number)).not.toContain('27123456781');
  });

  // A client's JSON may nest thousands deep: it must be a 400 naming the field, never a stack overflow.
  // The bodies are written as text: even serialising them in the test could overflow the stack.
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
  it.each([
    ['nested 5,000 deep', nested(5000), /custom_fields.*levels deep/],
    ['nested 9 deep', nested(9), /custom_fields.*levels deep/],
    ['larger than 16 KB', JSON.stringify({ notes: 'n'.repeat(17_000) }), /custom_fields.*bytes/],
  ])('answers 400 for custom_fields %s and stores nothing', async (_name, fields, message) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/contact?tenantId=${t.slug}`,
      headers: { ...bearer(t.key), 'content-type': 'application/json' },
      payload: `{"phone_number":"+27123456783","custom_fields":${fields}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid field', message: expect.stringMatching(message) });
    const all = await gw.ctx.contacts.list(t.organizationId, { limit: 1000 });
    expect(all.map((c) => c.whatsapp_number)).not.toContain('27123456783');
  });

  it('accepts custom_fields nested 8 deep', async () => {
    let v: unknown = 'x';
    for (let i = 0; i < 8; i++) v = { a: v };
    const res = await create({ phone_number: '+27123456784', custom_fields: v });
    expect(res.statusCode).toBe(201);
  });

  it('looks a contact up by any spelling of its number, 404 when absent', async () => {
    const found = await gw.app.inject({
      method: 'GET',
      url: `/api/contact?tenantId=${t.slug}&phone_number=${encodeURIComponent('+44 (7700) 900-000')}`,
      headers: bearer(t.key),
    });
    expect(found.statusCode).toBe(200);
    expect(found.json().data.whatsapp_number).toBe('447700900000');
    const missing = await gw.app.inject({
      method: 'GET',
      url: `/api/contact?tenantId=${t.slug}&phone_number=4915112345678`,
      headers: bearer(t.key),
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'Contact not found', whatsapp_id: '4915112345678' });
  });

  it('lists contacts with cursor pagination, each exactly once', async () => {
    for (let i = 0; i < 7; i++) await create({ phone_number: `+3161234500${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/contacts?tenantId=${t.slug}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await gw.app.inject({ method: 'GET', url, headers: bearer(t.key) });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ data: { whatsapp_number: string }[]; next_cursor: string | null }>();
      expect(body.data.length).toBeLessThanOrEqual(3);
      seen.push(...body.data.map((c) => c.whatsapp_number));
      cursor = body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 0; i < 7; i++) expect(seen).toContain(`3161234500${i}`);
  });

  it('refuses a page size out of range', async () => {
    const res = await gw.app.inject({
      method: 'GET',
      url: `/api/contacts?tenantId=${t.slug}&limit=0`,
      headers: bearer(t.key),
    });
    expect(res.statusCode).toBe(400);
  });

  // The message says what a limit is, never the pattern the schema happens to check it with.
  it.each(['-1', '0', '201', '1.5', 'ten', '', '9999'])('refuses limit=%s in words', async (limit) => {
    const res = await gw.app.inject({
      method: 'GET',
      url: `/api/contacts?tenantId=${t.slug}&limit=${limit}`,
      headers: bearer(t.key),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid field', message: 'limit must be an integer between 1 and 200' });
  });

  // A malformed cursor once answered the first page (or none): a client paging on would get wrong data.
  it.each(['garbage', '', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g'])(
    'refuses cursor=%j',
    async (cursor) => {
      const res = await gw.app.inject({
        method: 'GET',
        url: `/api/contacts?tenantId=${t.slug}&cursor=${encodeURIComponent(cursor)}`,
        headers: bearer(t.key),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'Invalid field', message: 'cursor is not valid' });
    },
  );
});
