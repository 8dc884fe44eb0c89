import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe('HTTP edge', () => {
  let gw: TestGateway;
  let t: Tenant;
  beforeAll(async () => {
    gw = await startGateway('sqlite');
    t = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw.close());

  it('answers /healthz and /readyz', async () => {
    expect((await gw.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await gw.app.inject('/readyz')).json()).toEqual({ status: 'ready', database: 'sqlite' });
  });

  it('answers unknown routes in the document\'s error shape', async () => {
    const res = await gw.app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(Object.keys(res.json()).sort()).toEqual(['error', 'message', 'request_id']);
  });

  const post = (payload: string, headers: Record<string, string> = {}) =>
    gw.app.inject({ method: 'POST', url: `/api/contact?tenantId=${t.slug}`, headers: { ...bearer(t.key), 'content-type': 'application/json', ...headers }, payload });

  it('answers malformed JSON with 400 in the document\'s shape', async () => {
    const res = await post('{"phone_number": ');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid request', message: 'Request body is not valid JSON' });
    expect(res.body).not.toMatch(/at .*\.js|statusCode|FST_/);
  });

  it('answers a body over 1 MB with 413', async () => {
    const res = await post(JSON.stringify({ phone_number: '+27123456789', name: 'x'.repeat(1_100_000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'Payload too large' });
  });

  it('refuses __proto__ keys and changes nothing', async () => {
    const res = await post('{"phone_number":"+27123456700","__proto__":{"admin":true}}');
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('sets the API security headers and a request id on every response', async () => {
    for (const res of [await gw.app.inject('/healthz'), await post('{}')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toBeTruthy();
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      // Headers for HTML pages only; CORP would also stop another origin from showing signed media.
      for (const h of ['cross-origin-resource-policy', 'cross-origin-opener-policy', 'origin-agent-cluster', 'x-xss-protection']) expect(res.headers[h]).toBeUndefined();
    }
  });

  it('serves OpenAPI 3.1 at /openapi.json and a reference page at /docs', async () => {
    const spec = (await gw.app.inject('/openapi.json')).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/contact', '/send-whatsapp', '/api/contacts']));
    expect(JSON.stringify(spec.paths['/send-whatsapp'])).toContain('maxLength');
    const docs = await gw.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/html/);
  });
});
