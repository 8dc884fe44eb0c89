// A body nested thousands deep, sent with an Idempotency-Key, is a 400 and never a stack overflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

describe('a deeply nested body with an Idempotency-Key', () => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway('sqlite');
  });
  afterAll(async () => gw.close());

  it('answers 400 for an unknown field nested 5,000 deep and sends nothing', async () => {
    // Written as text: serialising it in the test could itself overflow the stack.
    const deep = `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
    const res = await gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${gw.tenant.slug}`,
      headers: {
        authorization: `Bearer ${gw.tenant.key}`,
        'content-type': 'application/json',
        'idempotency-key': 'deep-1',
      },
      payload: `{"phone_number":"+27123456789","message_type":"text","text":"hi","extra":${deep}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: expect.any(String),
      message: expect.any(String),
      request_id: expect.any(String),
    });
  });
});
