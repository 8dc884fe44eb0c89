// The inbox's accounts over HTTP, on each engine: a link sets a password once, sign-in sets a
// session cookie, /me answers who is signed in, sign-out and disabling end the session at once;
// failures answer alike whatever was wrong, and are rate limited per account and per address.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type TestGateway } from '../helpers/app.js';
import { PASSWORD, inboxClient, linkToken } from './helpers.js';

describe.each(ENGINES)('inbox sign-in on %s', (engine) => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
  });

  async function setup(env: Record<string, string> = {}) {
    gw = await startGateway(engine, env);
    const tenant = await seedTenant(gw.ctx);
    const created = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'Ana@Example.com', name: 'Ana' });
    return { tenant, created, client: inboxClient(gw.app) };
  }

  it('creates a link that sets the password once, then signs in, answers /me, and signs out', async () => {
    const { tenant, created, client } = await setup();
    expect(created.link).toMatch(/^http:\/\/127\.0\.0\.1:3000\/inbox\/set-password#token=[A-Za-z0-9_-]{43}$/);
    const token = linkToken(created.link);
    expect((await client.post('/inbox/api/set-password', { token, password: PASSWORD })).statusCode).toBe(200);
    const again = await client.post('/inbox/api/set-password', { token, password: 'another long password' });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: 'Invalid set-password link', request_id: expect.any(String) });

    const signIn = await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    expect(signIn.statusCode).toBe(200);
    const me = await client.get('/inbox/api/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      agent: { id: created.agent.id, organization_id: tenant.organizationId, email: 'ana@example.com', role: 'agent' },
      csrf_token: signIn.json<{ csrf_token: string }>().csrf_token,
    });

    const out = await client.post('/inbox/api/sign-out', undefined, { 'x-csrf-token': client.csrf });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'flowiq_session')?.value).toBe('');
    const after = await client.get('/inbox/api/me', client.savedCookie);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ error: 'Not signed in' });
  });

  it('refuses an expired link and a link replaced by reset-password', async () => {
    const { tenant, created, client } = await setup();
    await sql`update agent_password_tokens set expires_at = '2000-01-01T00:00:00.000Z'`.execute(gw.ctx.db.kysely);
    const expired = await client.post('/inbox/api/set-password', {
      token: linkToken(created.link),
      password: PASSWORD,
    });
    expect(expired.statusCode).toBe(400);
    expect(expired.json()).toMatchObject({ error: 'Invalid set-password link' });

    const first = await gw.ctx.agents.resetPassword(tenant.slug, 'ana@example.com');
    const second = await gw.ctx.agents.resetPassword(tenant.slug, 'ana@example.com');
    const old = await client.post('/inbox/api/set-password', { token: linkToken(first.link), password: PASSWORD });
    expect(old.statusCode).toBe(400);
    const ok = await client.post('/inbox/api/set-password', { token: linkToken(second.link), password: PASSWORD });
    expect(ok.statusCode).toBe(200);
  });

  it('ends the sessions of an agent whose password is set again', async () => {
    const { tenant, created, client } = await setup();
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    expect((await client.signIn(tenant.slug, 'ana@example.com', PASSWORD)).statusCode).toBe(200);
    const link = await gw.ctx.agents.resetPassword(tenant.slug, 'ana@example.com');
    expect((await client.get('/inbox/api/me')).statusCode).toBe(200); // the old password works until the link is used
    await client.post('/inbox/api/set-password', { token: linkToken(link.link), password: 'a brand new password' });
    expect((await client.get('/inbox/api/me')).statusCode).toBe(401);
  });

  it('refuses a password shorter than 12 or longer than 256 characters, naming the field', async () => {
    const { created, client } = await setup();
    const token = linkToken(created.link);
    for (const password of ['short', 'x'.repeat(257)]) {
      const res = await client.post('/inbox/api/set-password', { token, password });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toContain('password');
      expect(res.body).not.toContain(password); // never echoed back
    }
    // Nothing changed: the link still works.
    expect((await client.post('/inbox/api/set-password', { token, password: PASSWORD })).statusCode).toBe(200);
  });

  it('answers alike for a wrong password, an unknown email, an unknown organization, no password yet and a disabled agent', async () => {
    const { tenant, created, client } = await setup();
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'nopassword@example.com' });
    const gone = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'gone@example.com' });
    await client.post('/inbox/api/set-password', { token: linkToken(gone.link), password: PASSWORD });
    await gw.ctx.agents.disable(tenant.slug, 'gone@example.com');
    const answers = [
      await client.signIn(tenant.slug, 'ana@example.com', 'wrong password!'),
      await client.signIn(tenant.slug, 'nobody@example.com', PASSWORD),
      await client.signIn('no-such-org', 'ana@example.com', PASSWORD),
      await client.signIn(tenant.slug, 'nopassword@example.com', PASSWORD),
      await client.signIn(tenant.slug, 'gone@example.com', PASSWORD),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.cookies).toEqual([]);
      const { request_id: _id, ...body } = res.json<Record<string, unknown>>();
      expect(body).toEqual({ error: 'Invalid credentials', message: 'The organization, email or password is wrong' });
    }
  });

  it('limits failed sign-ins per account, even with the right password after', async () => {
    const { tenant, created, client } = await setup({ INBOX_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    for (let i = 0; i < 3; i++)
      expect((await client.signIn(tenant.slug, 'ana@example.com', 'wrong password!', '10.0.0.' + i)).statusCode).toBe(
        401,
      );
    const locked = await client.signIn(tenant.slug, 'ANA@example.com', PASSWORD, '10.0.0.9');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^\d+$/);
    expect(locked.json()).toMatchObject({ error: 'Too many requests', request_id: expect.any(String) });
    // Another account is not locked by it.
    const other = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'bo@example.com' });
    await client.post('/inbox/api/set-password', { token: linkToken(other.link), password: PASSWORD });
    expect((await client.signIn(tenant.slug, 'bo@example.com', PASSWORD, '10.0.0.9')).statusCode).toBe(200);
  });

  it("forgets an account's failures once it signs in: later typos start a new count", async () => {
    const { tenant, created, client } = await setup({ INBOX_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    const signIn = (password: string) => client.signIn(tenant.slug, 'ana@example.com', password);
    for (let i = 0; i < 2; i++) expect((await signIn('wrong password!')).statusCode).toBe(401);
    expect((await signIn(PASSWORD)).statusCode).toBe(200);
    expect((await signIn('wrong password!')).statusCode).toBe(401);
    expect((await signIn(PASSWORD)).statusCode).toBe(200);
  });

  it("keeps an address's failures when one of its sign-ins succeeds", async () => {
    const { tenant, created, client } = await setup({ INBOX_SIGNIN_FAILURES_PER_ADDRESS: '3' });
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    for (const email of ['a@example.com', 'b@example.com'])
      expect((await client.signIn(tenant.slug, email, PASSWORD, '10.0.0.1')).statusCode).toBe(401);
    expect((await client.signIn(tenant.slug, 'ana@example.com', PASSWORD, '10.0.0.1')).statusCode).toBe(200);
    expect((await client.signIn(tenant.slug, 'c@example.com', PASSWORD, '10.0.0.1')).statusCode).toBe(401);
    expect((await client.signIn(tenant.slug, 'ana@example.com', PASSWORD, '10.0.0.1')).statusCode).toBe(429);
  });

  it('limits failed sign-ins per client address, whatever the account', async () => {
    const { tenant, created, client } = await setup({ INBOX_SIGNIN_FAILURES_PER_ADDRESS: '3' });
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com'])
      expect((await client.signIn(tenant.slug, email, PASSWORD, '10.0.0.1')).statusCode).toBe(401);
    expect((await client.signIn(tenant.slug, 'ana@example.com', PASSWORD, '10.0.0.1')).statusCode).toBe(429);
    expect((await client.signIn(tenant.slug, 'ana@example.com', PASSWORD, '10.0.0.2')).statusCode).toBe(200);
  });

  it('refuses a disabled agent at once, on a session that already exists', async () => {
    const { tenant, created, client } = await setup();
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    expect((await client.get('/inbox/api/me')).statusCode).toBe(200);
    await gw.ctx.agents.disable(tenant.slug, 'ana@example.com');
    expect((await client.get('/inbox/api/me')).statusCode).toBe(401);
    const left = await gw.ctx.db.kysely.selectFrom('agent_sessions').selectAll().execute();
    expect(left).toEqual([]);
  });

  it('re-reads the agent on every request: disabled in the table, a remaining session is refused', async () => {
    const { tenant, created, client } = await setup();
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    await sql`update agents set disabled_at = '2026-01-01T00:00:00.000Z'`.execute(gw.ctx.db.kysely);
    expect((await client.get('/inbox/api/me')).statusCode).toBe(401);
  });

  it('ends a session idle too long, and one past its absolute expiry', async () => {
    const { tenant, created, client } = await setup();
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    await sql`update agent_sessions set last_seen_at = '2000-01-01T00:00:00.000Z'`.execute(gw.ctx.db.kysely);
    expect((await client.get('/inbox/api/me')).statusCode).toBe(401);
    expect(await gw.ctx.db.kysely.selectFrom('agent_sessions').selectAll().execute()).toEqual([]);

    await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    expect((await client.get('/inbox/api/me')).statusCode).toBe(200);
    await sql`update agent_sessions set expires_at = '2000-01-01T00:00:00.000Z'`.execute(gw.ctx.db.kysely);
    expect((await client.get('/inbox/api/me')).statusCode).toBe(401);
  });

  it('keeps an agent to their organization: no sign-in to another, /me names only their own', async () => {
    const { tenant, created, client } = await setup();
    const other = await seedTenant(gw.ctx);
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    // The same email in the other organization is another account, with its own password.
    const twin = await gw.ctx.agents.create({ orgSlug: other.slug, email: 'ana@example.com' });
    await client.post('/inbox/api/set-password', { token: linkToken(twin.link), password: 'the other password' });
    expect((await client.signIn(other.slug, 'ana@example.com', PASSWORD)).statusCode).toBe(401);
    await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    const me = await client.get('/inbox/api/me');
    expect(me.json()).toMatchObject({ agent: { organization_id: tenant.organizationId, id: created.agent.id } });
    const sessions = await gw.ctx.db.kysely.selectFrom('agent_sessions').selectAll().execute();
    expect(sessions.map((s) => s.organization_id)).toEqual([tenant.organizationId]);
  });

  it('stores no session token, link token or password in clear, and the password as Argon2id', async () => {
    const { tenant, created, client } = await setup();
    const link = linkToken(created.link);
    const reset = await gw.ctx.agents.resetPassword(tenant.slug, 'ana@example.com');
    await client.post('/inbox/api/set-password', { token: linkToken(reset.link), password: PASSWORD });
    const pending = linkToken((await gw.ctx.agents.resetPassword(tenant.slug, 'ana@example.com')).link);
    const signIn = await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    const session = signIn.cookies.find((c) => c.name === 'flowiq_session')!.value;
    const csrf = signIn.json<{ csrf_token: string }>().csrf_token;
    const dump = JSON.stringify(
      await Promise.all(
        ['agents', 'agent_sessions', 'agent_password_tokens'].map(
          async (t) => (await sql.raw(`select * from ${t}`).execute(gw.ctx.db.kysely)).rows,
        ),
      ),
    );
    expect(dump).toContain('$argon2id$');
    for (const secret of [link, linkToken(reset.link), pending, session, csrf, PASSWORD])
      expect(dump).not.toContain(secret);
  });
});
