// Errors that once said the wrong thing: each answer names the real mistake, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe('request errors say what is wrong', () => {
  let gw: TestGateway;
  let t: Tenant;
  beforeAll(async () => {
    gw = await startGateway('sqlite');
    t = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw.close());

  const post = (payload: string, contentType = 'application/json') =>
    gw.app.inject({
      method: 'POST',
      url: `/api/contact?tenantId=${t.slug}`,
      headers: { ...bearer(t.key), 'content-type': contentType },
      payload,
    });
  const stored = async () =>
    (await gw.ctx.contacts.list(t.organizationId, { limit: 1000 })).map((c) => c.whatsapp_number);

  it.each([
    [
      '__proto__',
      '{"phone_number":"+27123456700","__proto__":{"polluted":true}}',
      'Request body contains the key __proto__, which is not allowed',
    ],
    [
      'constructor',
      '{"phone_number":"+27123456700","constructor":{"prototype":{"polluted":true}}}',
      'Request body contains the key constructor.prototype, which is not allowed',
    ],
  ])('names a forbidden %s key rather than calling the JSON invalid', async (_name, payload, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid request', message });
    expect(await stored()).not.toContain('27123456700');
  });

  it('answers JSON sent as text/plain with 415 saying the body must be JSON', async () => {
    const res = await post('{"phone_number":"+27123456701"}', 'text/plain');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      error: 'Unsupported content type',
      message: expect.stringMatching(/must be JSON.*application\/json/),
    });
    expect(await stored()).not.toContain('27123456701');
  });

  it.each([
    ['the same tenantId twice', (slug: string) => `tenantId=${slug}&tenantId=${slug}`],
    ['two tenantIds', () => 'tenantId=a&tenantId=b'],
  ])('says tenantId must be given once for %s', async (_name, query) => {
    const res = await gw.app.inject({ method: 'GET', url: `/api/contacts?${query(t.slug)}`, headers: bearer(t.key) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid field', message: 'tenantId must be given once' });
  });

  it('never echoes a 5,000-character tenantId whole', async () => {
    const res = await gw.app.inject({
      method: 'GET',
      url: `/api/contacts?tenantId=${'x'.repeat(5000)}`,
      headers: bearer(t.key),
    });
    expect(res.statusCode).toBeLessThan(500);
    const { message } = res.json<{ message: string }>();
    expect(message.length).toBeLessThan(200);
    expect(message).toContain(`${'x'.repeat(63)}…`);
  });
});
