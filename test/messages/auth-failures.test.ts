import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

// Random well-formed keys each cost a database lookup: past 20 failures a minute, an address is
// refused before any lookup, while other addresses and their keys are unaffected.
describe('failed authentications per client address', () => {
  let gw: TestGateway;
  let tenant: Tenant;
  beforeAll(async () => {
    gw = await startGateway('sqlite', { RATE_LIMIT_PER_KEY: '0' });
    tenant = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw.close());

  const list = (key: string, remoteAddress: string) =>
    gw.app.inject({ method: 'GET', url: `/api/contacts?tenantId=${tenant.slug}`, headers: bearer(key), remoteAddress });

  it('answers 429 after 20 failures and stops looking keys up', async () => {
    const lookups = vi.spyOn(
      (gw.ctx.auth as unknown as { keys: { findByHash(h: string): Promise<unknown> } }).keys,
      'findByHash',
    );
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++)
      statuses.push((await list(`fiq_${randomBytes(32).toString('base64url')}`, '203.0.113.7')).statusCode);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    expect(lookups).toHaveBeenCalledTimes(20);
    const refused = await list(tenant.key, '203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({
      error: 'Too many requests',
      message: expect.stringMatching(/failed authentications/),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await list(tenant.key, '198.51.100.9')).statusCode).toBe(200);
    lookups.mockRestore();
  });
});
