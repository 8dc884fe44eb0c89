import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

const TEXT = { phone_number: '+27123456789', message_type: 'text', text: 'Your order has shipped' };

const STORES: { name: string; env: Record<string, string> }[] = [{ name: 'database', env: {} }];
if (process.env.TEST_REDIS_URL) STORES.push({ name: 'redis', env: { REDIS_URL: process.env.TEST_REDIS_URL } });

describe.each(ENGINES.flatMap((engine) => STORES.map((store) => ({ engine, store }))))(
  'Idempotency-Key on $engine with the $store.name store',
  ({ engine, store }) => {
    let gw: SimGateway;
    beforeAll(async () => {
      gw = await startSimGateway(engine, store.env);
    });
    afterAll(async () => {
      if (store.name === 'redis') {
        const r = new Redis(process.env.TEST_REDIS_URL!);
        const keys = await r.keys(`flowiq:idem:${gw.tenant.organizationId}:*`);
        if (keys.length) await r.del(...keys);
        r.disconnect();
      }
      await gw.close();
    });
    beforeEach(() => gw.sim.reset());

    it('sends once for 20 concurrent identical requests, and every one gets the first response', async () => {
      const key = `order-${Math.random()}`;
      const responses = await Promise.all(Array.from({ length: 20 }, () => gw.send(TEXT, { 'idempotency-key': key })));
      expect(gw.sim.counts().accepted).toBe(1);
      expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
      const bodies = new Set(responses.map((r) => r.body));
      expect(bodies.size).toBe(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
      const rows = await gw.ctx.db.kysely
        .selectFrom('helpdesk_messages')
        .select('id')
        .where('organization_id', '=', gw.tenant.organizationId)
        .where('content', 'like', '%shipped%')
        .execute();
      expect(rows).toHaveLength(1);
    });

    it('replays the first response later, also an error', async () => {
      const key = `missing-${Math.random()}`;
      const first = await gw.send({ ...TEXT, phone_number: '+15550000000' }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(404);
      const again = await gw.send({ ...TEXT, phone_number: '+15550000000' }, { 'idempotency-key': key });
      expect(again.statusCode).toBe(404);
      expect(again.body).toBe(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
    });

    it('answers 422 Idempotency key reuse for the same key with another body, and sends nothing', async () => {
      const key = `reuse-${Math.random()}`;
      expect((await gw.send(TEXT, { 'idempotency-key': key })).statusCode).toBe(200);
      const res = await gw.send({ ...TEXT, text: 'something else' }, { 'idempotency-key': key });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'Idempotency key reuse' });
      expect(gw.sim.counts().accepted).toBe(1);
    });

    it('keeps keys per organization and per endpoint', async () => {
      const key = `shared-${Math.random()}`;
      expect((await gw.send(TEXT, { 'idempotency-key': key })).statusCode).toBe(200);
      const contact = await gw.app.inject({
        method: 'POST',
        url: `/api/contact?tenantId=${gw.tenant.slug}`,
        headers: { authorization: `Bearer ${gw.tenant.key}`, 'idempotency-key': key },
        payload: { phone_number: `+3161${Math.floor(Math.random() * 1e7)}` },
      });
      expect(contact.statusCode).toBe(201);
    });

    it('lets a retry act again after a throttled (429) answer: nothing was sent', async () => {
      const key = `throttled-${Math.random()}`;
      gw.sim.injectFault({
        path: 'messages',
        times: 20,
        action: { kind: 'graph_error', code: 131056, httpStatus: 400 },
      });
      const first = await gw.send(TEXT, { 'idempotency-key': key });
      expect(first.statusCode).toBe(429);
      gw.sim.clearFaults();
      const retry = await gw.send(TEXT, { 'idempotency-key': key });
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(gw.sim.counts().accepted).toBe(1);
    });

    it('refuses a malformed key', async () => {
      const res = await gw.send(TEXT, { 'idempotency-key': 'x'.repeat(300) });
      expect(res.statusCode).toBe(400);
      expect(gw.sim.counts().messageCalls).toBe(0);
    });
  },
);
