// The idempotency hook fingerprints the body with JSON.stringify: a body too deep to serialise must
// be the client's 400 (InvalidRequest), not a RangeError that becomes a 500.
import { describe, expect, it } from 'vitest';
import { idempotencyHooks } from '../../src/idempotency/hook.js';
import type { IdempotencyStore } from '../../src/idempotency/store.js';

describe('idempotency hook body hash', () => {
  it('answers InvalidRequest (400) for a body too deep to serialise, touching no store', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    let touched = false;
    const store = new Proxy(
      {},
      {
        get: () => () => {
          touched = true;
          throw new Error('store used');
        },
      },
    ) as unknown as IdempotencyStore;
    const { preHandler } = idempotencyHooks({ store, waitMs: 0 });
    const request = {
      headers: { 'idempotency-key': 'k1' },
      tenant: { organization: { id: 'org' } },
      method: 'POST',
      routeOptions: { url: '/send-whatsapp' },
      body: deep,
    };
    const run = preHandler.call(
      {} as never,
      request as never,
      {} as never,
      () => undefined,
    ) as unknown as Promise<void>;
    await expect(run).rejects.toMatchObject({ status: 400, error: 'Invalid request' });
    expect(touched).toBe(false);
  });
});
