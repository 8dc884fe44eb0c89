import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createContext, type AppContext } from '../../src/server/context.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { bearer, seedTenant, testConfig, TEST_SECRET, type Tenant } from '../helpers/app.js';
import { createPgSchema } from '../helpers/db.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';

// Two gateway instances on one PostgreSQL and one Redis: idempotency and rate limits hold across them.
const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);

describe.runIf(enabled)('two instances on one PostgreSQL and one Redis', () => {
  let sim: MetaSim;
  let drop: () => Promise<void>;
  const instances: { ctx: AppContext; app: Awaited<ReturnType<typeof buildApp>> }[] = [];
  let tenant: Tenant;

  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
    const schema = await createPgSchema();
    drop = schema.drop;
    for (let i = 0; i < 2; i++) {
      const config = testConfig({
        META_GRAPH_URL: sim.url,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        RATE_LIMIT_PER_KEY: '30',
      });
      const db = openDatabase(
        { kind: 'postgres', url: process.env.TEST_DATABASE_URL! },
        { searchPath: schema.schema, poolSize: 5 },
      );
      await migrate(db);
      const ctx = await createContext(config, TEST_SECRET, { db, migrate: false });
      const app = await buildApp(ctx, { logger: false });
      await app.ready();
      instances.push({ ctx, app });
    }
    tenant = await seedTenant(instances[0]!.ctx, { phoneId: PHONE_ID, token: META_TOKEN });
  });

  afterAll(async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    const keys = [
      ...(await redis.keys(`flowiq:idem:${tenant.organizationId}:*`)),
      ...(await redis.keys('flowiq:rl:*')),
    ];
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    for (const { app, ctx } of instances) {
      await app.close();
      await ctx.close();
    }
    await drop();
    await sim.close();
  });

  it('sends once for 20 concurrent identical requests split across both instances', async () => {
    const key = `two-${Date.now()}`;
    const body = { phone_number: '+27123456789', message_type: 'text', text: 'once, across instances' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        instances[i % 2]!.app.inject({
          method: 'POST',
          url: `/send-whatsapp?tenantId=${tenant.slug}`,
          headers: { ...bearer(tenant.key), 'idempotency-key': key },
          payload: body,
        }),
      ),
    );
    expect(sim.counts().accepted).toBe(1);
    expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([200]));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
  });

  it('shares one rate limit per key across both instances', async () => {
    const key = await instances[0]!.ctx.auth.createKey({ orgSlug: tenant.slug });
    const list = (i: number) =>
      instances[i % 2]!.app.inject({
        method: 'GET',
        url: `/api/contacts?tenantId=${tenant.slug}`,
        headers: bearer(key.key),
      });
    const expected = Array.from({ length: 30 }, (_, i) => 29 - i).join();
    let seen = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const responses = [];
      for (let i = 0; i < 31; i++) responses.push(await list(i));
      seen = responses
        .slice(0, 30)
        .map((r) => r.headers['ratelimit-remaining'])
        .join();
      if (seen !== expected) {
        // The one-second window rolled over mid-sequence: wait for a fresh window and try again.
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const limited = responses[30]!;
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      return;
    }
    expect.unreachable(`the instances never counted one shared window; last remaining sequence: ${seen}`);
  });
});
