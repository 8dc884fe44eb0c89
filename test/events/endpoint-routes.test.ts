// /api/webhook-endpoints through the app: the secret in the answers to create and rotate-secret
// only, never in a later answer, a log line or the database; one tenant's key never reaching
// another's endpoint; bad input answered 400 in the document's shape. URLs are public IP literals,
// checked and never connected to.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loggerOptions } from '../../src/server/app.js';
import { ENGINES } from '../helpers/db.js';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

const PUBLIC_IP = '93.184.215.14';
const SECRET_FORMAT = /^whsec_[A-Za-z0-9+/]{43}=$/;
const ERROR_SHAPE = { error: expect.any(String), message: expect.any(String), request_id: expect.any(String) };

describe.each(ENGINES)('webhook endpoints API on %s', (engine) => {
  let gw: TestGateway;
  let t: Tenant;
  let other: Tenant;
  const logs: string[] = [];
  const answers: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    });
    gw = await startGateway(
      engine,
      { LOG_LEVEL: 'trace' },
      { logger: { ...(loggerOptions('trace') as object), stream } },
    );
    // The endpoints stored here name a public address: this gateway must never deliver to one.
    await gw.ctx.events.stop();
    t = await seedTenant(gw.ctx);
    other = await seedTenant(gw.ctx);
  });
  afterAll(async () => {
    // Nothing was due anywhere, and every refused URL (private, metadata, loopback) was refused by
    // the check itself, before any connection: no delivery row names an endpoint of these tests.
    expect(await gw.ctx.db.kysely.selectFrom('event_deliveries').selectAll().execute()).toEqual([]);
    expect(await gw.ctx.db.kysely.selectFrom('event_attempts').selectAll().execute()).toEqual([]);
    await gw.close();
  });

  async function call(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    who: Tenant = t,
    headers: Record<string, string> = {},
  ) {
    const res = await gw.app.inject({
      method,
      url: `/api/webhook-endpoints${path}?tenantId=${who.slug}`,
      headers: { ...bearer(who.key), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    answers.push(res.body);
    return res;
  }

  async function create(body: unknown = { url: `https://${PUBLIC_IP}/hooks` }) {
    const res = await call('POST', '', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; secret: string } & Record<string, unknown>;
  }

  it('creates an endpoint: 201 with the secret once, not cached, then never again', async () => {
    const res = await call('POST', '', {
      url: `https://${PUBLIC_IP}/hooks/flowiq`,
      event_types: ['message.status', 'message.received'],
      description: 'Order service',
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      success: true,
      message: 'Store the signing secret now: it is not shown again',
      data: {
        url: `https://${PUBLIC_IP}/hooks/flowiq`,
        event_types: ['message.status', 'message.received'],
        description: 'Order service',
        enabled: true,
        disabled_reason: null,
        failing_since: null,
        previous_secret_until: null,
      },
    });
    const { id, secret } = body.data as { id: string; secret: string };
    expect(secret).toMatch(SECRET_FORMAT);

    const one = await call('GET', `/${id}`);
    expect(one.statusCode).toBe(200);
    const { secret: _s, ...view } = body.data as Record<string, unknown>;
    expect(one.json()).toEqual({ success: true, data: view });
    const list = await call('GET', '');
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toContainEqual(view);
    for (const r of [one, list]) {
      expect(r.body).not.toContain(secret);
      expect(r.body).not.toContain('"secret"');
    }
  });

  it('updates, disables and re-enables an endpoint', async () => {
    const e = await create();
    const patched = await call('PATCH', `/${e.id}`, {
      url: `https://${PUBLIC_IP}/v2`,
      event_types: ['contact.created', '*'],
      description: null,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().data).toMatchObject({
      url: `https://${PUBLIC_IP}/v2`,
      event_types: ['*'],
      description: null,
    });

    const disabled = await call('POST', `/${e.id}/disable`, { reason: 'Receiver being migrated' });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().data).toMatchObject({ enabled: false, disabled_reason: 'Receiver being migrated' });
    const enabled = await call('PATCH', `/${e.id}`, { enabled: true });
    expect(enabled.json().data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    // Without a body: the default reason.
    const bare = await call('POST', `/${e.id}/disable`);
    expect(bare.statusCode, bare.body).toBe(200);
    expect(bare.json().data).toMatchObject({ enabled: false, disabled_reason: 'Disabled on request' });
  });

  it('rotates the secret: the new one shown once, the old one signing for the overlap', async () => {
    const e = await create();
    const res = await call('POST', `/${e.id}/rotate-secret`, { overlap_seconds: 600 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const data = res.json().data as { secret: string; previous_secret_until: string };
    expect(data.secret).toMatch(SECRET_FORMAT);
    expect(data.secret).not.toBe(e.secret);
    expect(Date.parse(data.previous_secret_until) - Date.now()).toBeGreaterThan(590_000);
    const row = await gw.ctx.db.kysely
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', e.id)
      .executeTakeFirstOrThrow();
    expect(gw.ctx.endpoints.signingSecrets(row)).toEqual([data.secret, e.secret]);
    // No body: the default overlap of 24 hours.
    const bare = await call('POST', `/${e.id}/rotate-secret`);
    expect(bare.statusCode, bare.body).toBe(200);
    expect(Date.parse(bare.json().data.previous_secret_until) - Date.now()).toBeGreaterThan(86_390_000);
  });

  it("another tenant's key can neither see nor change an endpoint: 404, and it stays as it was", async () => {
    const e = await create();
    const before = (await call('GET', `/${e.id}`)).json();
    const attempts = [
      await call('GET', `/${e.id}`, undefined, other),
      await call('PATCH', `/${e.id}`, { url: `https://${PUBLIC_IP}/stolen` }, other),
      await call('PATCH', `/${e.id}`, { enabled: false }, other),
      await call('POST', `/${e.id}/rotate-secret`, {}, other),
      await call('POST', `/${e.id}/disable`, { reason: 'x' }, other),
    ];
    for (const res of attempts) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        ...ERROR_SHAPE,
        error: 'Webhook endpoint not found',
        message: `No webhook endpoint exists with id "${e.id}" in this organization`,
      });
    }
    const theirs = await call('GET', '', undefined, other);
    expect(theirs.json().data.map((x: { id: string }) => x.id)).not.toContain(e.id);
    expect((await call('GET', `/${e.id}`)).json()).toEqual(before);
    // A key of one tenant with another's tenantId is refused before any route runs.
    const crossed = await gw.app.inject({
      method: 'GET',
      url: `/api/webhook-endpoints/${e.id}?tenantId=${t.slug}`,
      headers: bearer(other.key),
    });
    expect(crossed.statusCode).toBeGreaterThanOrEqual(400);
    expect(crossed.statusCode).toBeLessThan(500);
    expect(crossed.body).not.toContain(PUBLIC_IP);
  });

  it.each([
    ['no url', {}, 'Missing required field', /url/],
    ['a url that is a number', { url: 42 }, 'Invalid field', /url/],
    ['a private address', { url: 'https://10.0.0.1/hook' }, 'Invalid field', /points at 10.0.0.1, a loopback, private/],
    ['the metadata address', { url: 'http://169.254.169.254/latest/meta-data/' }, 'Invalid field', /must use https/],
    [
      'the metadata address over https',
      { url: 'https://169.254.169.254/latest/' },
      'Invalid field',
      /points at 169.254.169.254/,
    ],
    ['loopback in IPv6', { url: 'https://[::1]:8443/' }, 'Invalid field', /points at ::1/],
    ['localhost', { url: 'https://localhost/hook' }, 'Invalid field', /"localhost" resolves to/],
    ['plain http', { url: `http://${PUBLIC_IP}/hook` }, 'Invalid field', /must use https/],
    ['not http', { url: 'gopher://example.invalid/' }, 'Invalid field', /scheme "gopher"/],
    ['credentials', { url: `https://a:b@${PUBLIC_IP}/` }, 'Invalid field', /user name or password/],
    ['an absurdly long url', { url: `https://${PUBLIC_IP}/${'x'.repeat(5000)}` }, 'Invalid field', /at most 2048/],
    [
      'an unknown event type',
      { url: `https://${PUBLIC_IP}/`, event_types: ['message.sent'] },
      'Invalid field',
      /unknown event type "message.sent"/,
    ],
    ['no event types', { url: `https://${PUBLIC_IP}/`, event_types: [] }, 'Invalid field', /event_types/],
    ['an unknown field', { url: `https://${PUBLIC_IP}/`, secret: 'whsec_mine' }, 'Invalid field', /secret/],
    [
      'a description on two lines',
      { url: `https://${PUBLIC_IP}/`, description: 'a\nb' },
      'Invalid field',
      /description must be one line/,
    ],
  ])('answers 400 for %s, in the document’s shape, and stores nothing', async (_name, body, error, message) => {
    const before = (await call('GET', '')).json().data.length;
    const res = await call('POST', '', body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({ ...ERROR_SHAPE, error, message: expect.stringMatching(message) });
    expect((await call('GET', '')).json().data.length).toBe(before);
  });

  it('answers 4xx in the document’s shape for bad updates, rotations, ids and bodies', async () => {
    const e = await create();
    const cases: [string, 'GET' | 'POST' | 'PATCH', string, unknown, number, string][] = [
      ['empty patch', 'PATCH', `/${e.id}`, {}, 400, 'Invalid request'],
      ['patch to a private address', 'PATCH', `/${e.id}`, { url: 'https://192.168.1.1/' }, 400, 'Invalid field'],
      ['enabled as text', 'PATCH', `/${e.id}`, { enabled: 'yes' }, 400, 'Invalid field'],
      ['negative overlap', 'POST', `/${e.id}/rotate-secret`, { overlap_seconds: -1 }, 400, 'Invalid field'],
      ['overlap over 7 days', 'POST', `/${e.id}/rotate-secret`, { overlap_seconds: 700_000 }, 400, 'Invalid field'],
      ['overlap as text', 'POST', `/${e.id}/rotate-secret`, { overlap_seconds: '1h' }, 400, 'Invalid field'],
      ['an unknown id', 'GET', '/0196b1f4-3c5e-7a8b-9c0d-1e2f3a4b5c6d', undefined, 404, 'Webhook endpoint not found'],
      ['an id that is not one', 'PATCH', '/nope', { enabled: true }, 404, 'Webhook endpoint not found'],
      ['an overlong id', 'GET', `/${'a'.repeat(200)}`, undefined, 400, 'Invalid request'],
    ];
    for (const [name, method, path, body, status, error] of cases) {
      const res = await call(method, path, body);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      expect(res.json(), name).toEqual({ ...ERROR_SHAPE, error });
    }
    const text = await call('POST', '', 'url=https://x', t, { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject(ERROR_SHAPE);
    const broken = await call('POST', '', '{"url":', t, { 'content-type': 'application/json' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ ...ERROR_SHAPE, error: 'Invalid request' });
    // Nothing of it changed the endpoint.
    const now = (await call('GET', `/${e.id}`)).json().data;
    expect(now).toMatchObject({ url: `https://${PUBLIC_IP}/hooks`, enabled: true, previous_secret_until: null });
  });

  it('a key without the tenant gets 401 in the document’s shape', async () => {
    const res = await gw.app.inject({ method: 'GET', url: `/api/webhook-endpoints?tenantId=${t.slug}` });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject(ERROR_SHAPE);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await gw.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/webhook-endpoints',
        '/api/webhook-endpoints/{id}',
        '/api/webhook-endpoints/{id}/rotate-secret',
        '/api/webhook-endpoints/{id}/disable',
      ]),
    );
    expect(doc.paths['/api/webhook-endpoints'].post.tags).toEqual(['webhook endpoints']);
    expect(doc.paths['/api/webhook-endpoints'].post.summary).toMatch(/Register an endpoint/);
    expect(doc.paths['/api/webhook-endpoints/{id}'].patch).toBeDefined();
  });

  // Last: it reads what every test above wrote.
  it('never stores a secret in clear, nor logs one, nor answers one after its creation or rotation', async () => {
    // An Idempotency-Key is ignored here: its store would keep the response, secret and all.
    const res = await call('POST', '', { url: `https://${PUBLIC_IP}/idem` }, t, { 'idempotency-key': 'endpoint-1' });
    expect(res.statusCode).toBe(201);
    const secrets: string[] = [];
    for (const a of answers) {
      for (const m of a.matchAll(/whsec_[A-Za-z0-9+/]+=*/g)) secrets.push(m[0]);
    }
    expect(secrets.length).toBeGreaterThan(5);
    const dump = JSON.stringify(
      await Promise.all(
        ['webhook_endpoints', 'idempotency_keys', 'events', 'event_deliveries'].map(
          async (table) => (await sql.raw(`select * from ${table}`).execute(gw.ctx.db.kysely)).rows,
        ),
      ),
    );
    const logText = logs.join('');
    expect(logText.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(dump).not.toContain(s.slice('whsec_'.length));
      expect(logText).not.toContain(s.slice('whsec_'.length));
      // Each secret appears in exactly one answer: the one that made it.
      expect(answers.filter((a) => a.includes(s))).toHaveLength(1);
    }
  });
});

describe('EVENTS_ALLOW_PRIVATE_NETWORKS', () => {
  it('is off by default, must be true or false, and when on lets a gateway register a local receiver', async () => {
    expect(loadConfig({ FLOWIQ_SECRET: 'x'.repeat(32) }).events.allowPrivateNetworks).toBe(false);
    expect(() => loadConfig({ EVENTS_ALLOW_PRIVATE_NETWORKS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ EVENTS_ALLOW_PRIVATE_NETWORKS: 'maybe' })).toThrow(/EVENTS_ALLOW_PRIVATE_NETWORKS/);
    const gw = await startGateway('sqlite', { EVENTS_ALLOW_PRIVATE_NETWORKS: 'true' });
    try {
      const t = await seedTenant(gw.ctx);
      const res = await gw.app.inject({
        method: 'POST',
        url: `/api/webhook-endpoints?tenantId=${t.slug}`,
        headers: bearer(t.key),
        payload: { url: 'http://127.0.0.1:4001/events' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data.url).toBe('http://127.0.0.1:4001/events');
    } finally {
      await gw.close();
    }
  });
});
