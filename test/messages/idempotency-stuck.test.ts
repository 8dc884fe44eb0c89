import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

// A key whose first request died (the process was killed after claiming it): the retry must not
// send, and the 409 it gets must say what to do instead of "retry shortly" forever.
describe('a key claimed by a request that never finished', () => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway('sqlite', { META_TIMEOUT_MS: '200', META_RETRY_BUDGET_MS: '300' });
  });
  afterAll(async () => gw.close());

  it('answers 409 that names the operator commands, and sends nothing', async () => {
    const body = { phone_number: '+27123456789', message_type: 'text', text: 'Hi' };
    const claimed = await gw.ctx.idempotency.begin(
      { organizationId: gw.tenant.organizationId, scope: 'POST /send-whatsapp', key: 'dead-1' },
      sha256Hex(JSON.stringify(body)),
    );
    expect(claimed.kind).toBe('owner');
    const res = await gw.send(body, { 'idempotency-key': 'dead-1' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({
      error: 'Request in progress',
      message: expect.stringMatching(/flowiq messages pending.*flowiq messages resolve/),
    });
    expect(gw.sim.counts().messageCalls).toBe(0);
  });
});
