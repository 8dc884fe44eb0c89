import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { ApiKeyStore } from '../../src/auth/store.js';
import { OrganizationStore } from '../../src/organizations/store.js';
import { ENGINES } from '../helpers/db.js';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe.each(ENGINES)('API key authentication on %s', (engine) => {
  let gw: TestGateway;
  let t: Tenant;
  let other: Tenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    t = await seedTenant(gw.ctx);
    other = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw.close());

  const list = (headers: Record<string, string>, tenantId: string) =>
    gw.app.inject({ method: 'GET', url: `/api/contacts?tenantId=${tenantId}`, headers });

  it("accepts the organization's own key", async () => {
    const res = await list(bearer(t.key), t.slug);
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['missing', {}, /Missing API key/],
    ['not a Bearer header', { authorization: 'Basic abc' }, /Bearer/],
    ['not a fiq_ key', { authorization: 'Bearer sk_live_abcdef' }, /fiq_ prefix/],
    ['malformed fiq_ key', { authorization: 'Bearer fiq_short' }, /malformed/],
    ['unknown key', { authorization: `Bearer fiq_${'A'.repeat(43)}` }, /Unknown API key/],
  ])('answers 401 Invalid API key when the key is %s', async (_why, headers, message) => {
    const res = await list(headers, t.slug);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'Invalid API key', message: expect.stringMatching(message) });
  });

  it('answers 401 when the key belongs to another organization', async () => {
    const res = await list(bearer(other.key), t.slug);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      error: 'Invalid API key',
      message: `API key was not issued to organization "${t.slug}"`,
    });
  });

  it('answers 404 Organization not found for an unknown tenantId', async () => {
    const res = await list(bearer(t.key), 'no-such-org');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Organization not found' });
  });

  it('answers 401 "API key has expired" for an expired key', async () => {
    const k = await gw.ctx.auth.createKey({ orgSlug: t.slug, expiresIn: '1s' });
    await new Promise((r) => setTimeout(r, 1100)); // the key's own lifetime, not a wait for our code
    const res = await list(bearer(k.key), t.slug);
    expect(res.json()).toMatchObject({ error: 'Invalid API key', message: 'API key has expired' });
  });

  it('takes a revocation made elsewhere into account within one second', async () => {
    const k = await gw.ctx.auth.createKey({ orgSlug: t.slug });
    expect((await list(bearer(k.key), t.slug)).statusCode).toBe(200); // now cached
    // Revoke through a separate service, as the CLI in another process would: no local cache invalidation.
    const elsewhere = new AuthService(new ApiKeyStore(gw.ctx.db), new OrganizationStore(gw.ctx.db));
    await elsewhere.revokeKey(k.id);
    const revokedAt = Date.now();
    let res = await list(bearer(k.key), t.slug);
    while (res.statusCode === 200 && Date.now() - revokedAt < 1000) {
      await new Promise((r) => setTimeout(r, 50));
      res = await list(bearer(k.key), t.slug);
    }
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ message: 'API key has been revoked' });
  });

  it('never accepts the key in the URL', async () => {
    const res = await gw.app.inject({ method: 'GET', url: `/api/contacts?tenantId=${t.slug}&api_key=${t.key}` });
    expect(res.statusCode).toBe(401);
  });
});
