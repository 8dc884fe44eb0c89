// The inbox's browser protections, on each engine: state-changing requests need the session's
// CSRF token; requests another site's page sends are refused, sign-in included (login CSRF); the
// session cookie is HttpOnly, SameSite=Strict, Path=/inbox, and Secure only when served over https.
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type TestGateway } from '../helpers/app.js';
import { PASSWORD, inboxClient, linkToken } from './helpers.js';

describe.each(ENGINES)('inbox CSRF and cookies on %s', (engine) => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
  });

  async function signedIn(env: Record<string, string> = {}) {
    gw = await startGateway(engine, env);
    const tenant = await seedTenant(gw.ctx);
    const created = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'ana@example.com', role: 'admin' });
    const client = inboxClient(gw.app);
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    const signIn = await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    expect(signIn.statusCode).toBe(200);
    return { tenant, client, signIn };
  }

  it('refuses sign-out without the CSRF token, or with a wrong one, and the session goes on', async () => {
    const { client } = await signedIn();
    for (const extra of [{}, { 'x-csrf-token': 'not-the-token' }] as Record<string, string>[]) {
      const res = await client.post('/inbox/api/sign-out', undefined, extra);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'CSRF check failed', request_id: expect.any(String) });
    }
    expect((await client.get('/inbox/api/me')).statusCode).toBe(200);
  });

  it('refuses a CSRF token of another session', async () => {
    const { tenant, client } = await signedIn();
    const second = inboxClient(gw.app);
    await second.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    expect(second.csrf).not.toBe(client.csrf);
    expect((await client.post('/inbox/api/sign-out', undefined, { 'x-csrf-token': second.csrf })).statusCode).toBe(403);
    expect((await client.post('/inbox/api/sign-out', undefined, { 'x-csrf-token': client.csrf })).statusCode).toBe(204);
  });

  it('refuses a sign-in another site sent (login CSRF), by Origin or by Sec-Fetch-Site', async () => {
    gw = await startGateway(engine);
    const tenant = await seedTenant(gw.ctx);
    const created = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'ana@example.com' });
    const client = inboxClient(gw.app);
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    const body = { organization: tenant.slug, email: 'ana@example.com', password: PASSWORD };
    for (const extra of [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ] as Record<string, string>[]) {
      const res = await client.post('/inbox/api/sign-in', body, extra);
      expect(res.statusCode).toBe(403);
      expect(res.cookies).toEqual([]);
      expect(res.json()).toMatchObject({ error: 'CSRF check failed' });
    }
    // The gateway's own page: its origin (PUBLIC_URL's), and same-origin fetches.
    const own = await client.post('/inbox/api/sign-in', body, {
      origin: 'http://127.0.0.1:3000',
      'sec-fetch-site': 'same-origin',
    });
    expect(own.statusCode).toBe(200);
  });

  it('refuses a sign-in sent as a form (urlencoded or text/plain): only JSON is read', async () => {
    gw = await startGateway(engine);
    const tenant = await seedTenant(gw.ctx);
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', `organization=${tenant.slug}&email=a%40example.com&password=x`],
      ['text/plain', JSON.stringify({ organization: tenant.slug, email: 'a@example.com', password: 'x' })],
    ] as const) {
      const res = await gw.app.inject({
        method: 'POST',
        url: '/inbox/api/sign-in',
        headers: { 'content-type': type },
        payload,
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({
        message: expect.stringContaining('application/json'),
        request_id: expect.any(String),
      });
    }
  });

  it('answers /me without a session with 401 in the error shape', async () => {
    gw = await startGateway(engine);
    const res = await gw.app.inject({ method: 'GET', url: '/inbox/api/me', headers: { cookie: 'flowiq_session=x' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      error: 'Not signed in',
      message: expect.any(String),
      request_id: expect.any(String),
    });
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, Path=/inbox, not Secure over plain http', async () => {
    const { signIn } = await signedIn();
    const raw = String(signIn.headers['set-cookie']);
    expect(raw).toMatch(/^flowiq_session=[A-Za-z0-9_-]{43};/);
    expect(raw).toContain('HttpOnly');
    expect(raw).toContain('SameSite=Strict');
    expect(raw).toMatch(/; Path=\/inbox(;|$)/);
    expect(raw).toContain('Max-Age=604800');
    expect(raw).not.toContain('Secure');
  });

  it('marks the cookie Secure when PUBLIC_URL is https (behind a TLS proxy)', async () => {
    const { signIn, client } = await signedIn({ PUBLIC_URL: 'https://inbox.example.com' });
    expect(String(signIn.headers['set-cookie'])).toContain('Secure');
    const out = await client.post('/inbox/api/sign-out', undefined, { 'x-csrf-token': client.csrf });
    expect(String(out.headers['set-cookie'])).toMatch(/flowiq_session=;.*Secure/);
  });
});
