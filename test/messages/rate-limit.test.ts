import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startGateway, type TestGateway } from '../helpers/app.js';

describe('our own rate limit per API key', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway('sqlite', { RATE_LIMIT_PER_KEY: '3' });
  });
  afterAll(async () => gw.close());

  it('answers 429 with Retry-After and RateLimit headers past RATE_LIMIT_PER_KEY per second, per key', async () => {
    const a = await seedTenant(gw.ctx);
    const b = await seedTenant(gw.ctx);
    const list = (t: typeof a) =>
      gw.app.inject({ method: 'GET', url: `/api/contacts?tenantId=${t.slug}`, headers: bearer(t.key) });
    // The window is one second: retry the sequence if it happened to straddle two windows.
    for (let attempt = 0; attempt < 3; attempt++) {
      const responses = [];
      for (let i = 0; i < 4; i++) responses.push(await list(a));
      const other = await list(b);
      const remaining = responses.slice(0, 3).map((r) => Number(r.headers['ratelimit-remaining']));
      if (remaining.join() !== '2,1,0') continue;
      expect(responses.slice(0, 3).map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(responses[0]!.headers['ratelimit-limit']).toBe('3');
      const limited = responses[3]!;
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.json()).toMatchObject({ error: 'Too many requests' });
      expect(other.statusCode).toBe(200);
      return;
    }
    expect.unreachable('never saw three requests inside one window');
  });

  it('counts one budget per key however the Authorization header is spelled', async () => {
    const a = await seedTenant(gw.ctx);
    const spellings = [
      `Bearer ${a.key}`,
      `Bearer    ${a.key}`,
      `bearer ${a.key}`,
      `BEARER ${a.key}`,
      `Bearer  ${a.key}`,
      `bEaReR ${a.key}`,
    ];
    for (let attempt = 0; attempt < 3; attempt++) {
      const statuses: number[] = [];
      for (const authorization of spellings.slice(0, 4))
        statuses.push(
          (await gw.app.inject({ method: 'GET', url: `/api/contacts?tenantId=${a.slug}`, headers: { authorization } }))
            .statusCode,
        );
      if (statuses.slice(0, 3).some((s) => s === 429)) continue; // straddled the previous window's end
      expect(statuses).toEqual([200, 200, 200, 429]);
      return;
    }
    expect.unreachable('never saw four requests inside one window');
  });

  it('does not limit health checks', async () => {
    for (let i = 0; i < 10; i++) expect((await gw.app.inject('/healthz')).statusCode).toBe(200);
  });

  it('limits only the tenant API: not the OpenAPI document, nor signed media links', async () => {
    for (let i = 0; i < 10; i++) {
      const doc = await gw.app.inject('/openapi.json');
      expect(doc.statusCode).toBe(200);
      expect(doc.headers['ratelimit-limit']).toBeUndefined();
      // A media link that does not verify is refused by its signature, never by the key's budget.
      const media = await gw.app.inject('/media/aa/bb.jpg?exp=1&sig=x');
      expect(media.statusCode).toBe(403);
      expect(media.headers['ratelimit-limit']).toBeUndefined();
    }
  });
});
