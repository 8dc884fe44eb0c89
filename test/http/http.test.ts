import net from 'node:net';
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
    expect((await gw.app.inject('/readyz')).json()).toEqual({
      status: 'ready',
      database: 'sqlite',
      checks: { database: 'ok', storage: 'ok' },
    });
  });

  it("answers unknown routes in the document's error shape", async () => {
    const res = await gw.app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(Object.keys(res.json()).sort()).toEqual(['error', 'message', 'request_id']);
  });

  const post = (payload: string, headers: Record<string, string> = {}) =>
    gw.app.inject({
      method: 'POST',
      url: `/api/contact?tenantId=${t.slug}`,
      headers: { ...bearer(t.key), 'content-type': 'application/json', ...headers },
      payload,
    });

  it("answers malformed JSON with 400 in the document's shape", async () => {
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
      for (const h of [
        'cross-origin-resource-policy',
        'cross-origin-opener-policy',
        'origin-agent-cluster',
        'x-xss-protection',
      ])
        expect(res.headers[h]).toBeUndefined();
    }
  });

  it('serves OpenAPI 3.1 at /openapi.json and a reference page at /docs', async () => {
    const spec = (await gw.app.inject('/openapi.json')).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/contact', '/send-whatsapp', '/api/contacts']),
    );
    expect(JSON.stringify(spec.paths['/send-whatsapp'])).toContain('maxLength');
    // Our own keywords never leak into the document: each has its OpenAPI form.
    for (const own of ['maxGraphemes', 'notBlank', 'maxJsonDepth', 'maxJsonBytes'])
      expect(JSON.stringify(spec)).not.toContain(`"${own}"`);
    expect(JSON.stringify(spec.paths['/api/contact'])).toContain('nested at most 8 levels deep');
    const docs = await gw.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/html/);
  });

  it("answers a URL with malformed percent-encoding in the document's shape, not Fastify's", async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp%?tenantId=${t.slug}`,
      headers: bearer(t.key),
      payload: {},
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Invalid request',
      message: expect.stringMatching(/percent-encoding/),
      request_id: expect.any(String),
    });
    expect(res.headers['x-request-id']).toBe(res.json().request_id);
  });

  // These never become requests: Node's HTTP parser refuses them on the socket.
  it.each([
    [
      "headers over the parser's limit",
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'Request header too large',
    ],
    ['bytes that are not HTTP', 'NOT HTTP AT ALL\r\n\r\n', 400, 'Invalid request'],
  ])("answers %s in the document's shape and closes the connection", async (_name, raw, status, error) => {
    if (!gw.app.server.listening) await gw.app.listen({ host: '127.0.0.1', port: 0 });
    const socket = net.connect((gw.app.server.address() as net.AddressInfo).port, '127.0.0.1', () => socket.write(raw));
    const { head, body } = await answerOf(socket);
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toMatch(/content-type: application\/json/i);
    expect(body).toEqual({ error, message: expect.any(String), request_id: expect.any(String) });
    expect(head).toContain(`X-Request-Id: ${String(body.request_id)}`);
  });
});

/** Everything the server writes on `socket` until it closes it: the head, and the body as JSON. */
function answerOf(socket: net.Socket): Promise<{ head: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('close', () => {
      const at = got.indexOf('\r\n\r\n');
      resolve({ head: got.slice(0, at), body: JSON.parse(got.slice(at + 4)) as Record<string, unknown> });
    });
    socket.on('error', reject);
  });
}

describe('a request that arrives while the gateway shuts down', () => {
  it("gets our 503 with Retry-After and a closed connection, not Fastify's body", async () => {
    const gw = await startGateway('sqlite');
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    // Half a request: the connection is busy, so closing waits for it rather than dropping it.
    const socket = net.connect((gw.app.server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const answer = answerOf(socket);
    const closed = gw.close();
    // The server stops listening only after the preClose hooks have run.
    while (gw.app.server.listening) await new Promise((r) => setImmediate(r));
    socket.write('\r\n');
    const { head, body } = await answer;
    await closed;
    expect(head).toMatch(/^HTTP\/1.1 503 /);
    expect(head).toMatch(/retry-after: 1/i);
    expect(head).toMatch(/connection: close/i);
    expect(body).toEqual({
      error: 'Service unavailable',
      message: 'The server is shutting down; retry the request',
      request_id: expect.any(String),
    });
  });
});
