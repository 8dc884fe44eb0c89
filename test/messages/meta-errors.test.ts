import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway } from '../helpers/app.js';
import { REFUSED_PORT } from '../helpers/constants.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

const TEXT = { phone_number: '+27123456789', message_type: 'text', text: 'Hello' };

describe.each(ENGINES)("Meta's answers mapped to ours, on %s", (engine) => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway(engine, { META_TIMEOUT_MS: '500', META_RETRY_BUDGET_MS: '1500' });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim.reset());

  async function lastRow() {
    return gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('organization_id', '=', gw.tenant.organizationId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
  }

  it("answers a permanent refusal with 502 Meta API error and Meta's code, message and fbtrace_id, without retrying", async () => {
    gw.sim.injectFault({
      path: 'messages',
      action: { kind: 'graph_error', code: 131026, httpStatus: 400, message: 'Message undeliverable' },
    });
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(502);
    const body = res.json();
    expect(body).toMatchObject({
      error: 'Meta API error',
      meta_error: { code: 131026, message: 'Message undeliverable' },
    });
    expect(typeof body.meta_error.fbtrace_id).toBe('string');
    expect(gw.sim.counts().messageCalls).toBe(1);
    expect(await lastRow()).toMatchObject({ status: 'failed', error_code: '131026', whatsapp_message_id: null });
  });

  it.each([4, 80007, 130429])(
    'answers persistent throttling (%i) with 429 and Retry-After after retrying within the budget',
    async (code) => {
      gw.sim.injectFault({ path: 'messages', times: Infinity, action: { kind: 'graph_error', code, httpStatus: 400 } });
      const res = await gw.send(TEXT);
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.json()).toMatchObject({ meta_error: { code } });
      expect(gw.sim.counts().messageCalls).toBeGreaterThan(1);
      expect((await lastRow()).status).toBe('failed');
    },
  );

  it('answers the pair limit 131056 with 429 at once: retrying within seconds cannot help', async () => {
    gw.sim.injectFault({
      path: 'messages',
      times: Infinity,
      action: { kind: 'graph_error', code: 131056, httpStatus: 400 },
    });
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('6');
    expect(gw.sim.counts().messageCalls).toBe(1);
  });

  it.each([
    ['a transient Graph error', { kind: 'graph_error', code: 131000, httpStatus: 500 }],
    ['an is_transient error', { kind: 'graph_error', code: 190000, httpStatus: 400, isTransient: true }],
    ['an HTTP 503', { kind: 'http_status', status: 503 }],
  ] as const)('retries %s and succeeds', async (_name, action) => {
    gw.sim.injectFault({ path: 'messages', times: 1, action });
    const res = await gw.send(TEXT);
    expect(res.statusCode, res.body).toBe(200);
    expect(gw.sim.counts().messageCalls).toBe(2);
    expect(gw.sim.counts().accepted).toBe(1);
    expect((await lastRow()).status).toBe('sent');
  });

  it('never retries when the connection drops after sending: 504, row unknown, at most one message at Meta', async () => {
    gw.sim.injectFault({ path: 'messages', action: { kind: 'drop', when: 'after' } });
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(504);
    expect(res.json().message).toMatch(/may have been sent/);
    expect(gw.sim.counts().messageCalls).toBe(1);
    expect(gw.sim.counts().accepted).toBe(1);
    expect((await lastRow()).status).toBe('unknown');
  });

  it('never retries a timeout: 504 and row unknown', async () => {
    gw.sim.injectFault({ path: 'messages', action: { kind: 'delay', ms: 1500 } });
    const res = await gw.send(TEXT);
    expect(res.statusCode).toBe(504);
    expect(gw.sim.counts().messageCalls).toBe(1);
    expect((await lastRow()).status).toBe('unknown');
  });

  it("answers 502 when Meta refuses the organization's token (190)", async () => {
    const t = await seedTenant(gw.ctx, { phoneId: '106540352242922', token: 'EAAG-wrong-token-000000' });
    const res = await gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${t.slug}`,
      headers: { authorization: `Bearer ${t.key}` },
      payload: TEXT,
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: 'Meta API error', meta_error: { code: 190 } });
    expect(res.body).not.toContain('EAAG-wrong-token');
  });
});

describe('Meta unreachable', () => {
  it('retries a refused connection within the budget, then answers 504 with a failed row', async () => {
    const gw = await startGateway('sqlite', {
      META_GRAPH_URL: `http://127.0.0.1:${REFUSED_PORT}`,
      META_RETRY_BUDGET_MS: '800',
      RATE_LIMIT_PER_KEY: '0',
    });
    try {
      const t = await seedTenant(gw.ctx);
      const res = await gw.app.inject({
        method: 'POST',
        url: `/send-whatsapp?tenantId=${t.slug}`,
        headers: { authorization: `Bearer ${t.key}` },
        payload: TEXT,
      });
      expect(res.statusCode).toBe(504);
      expect(res.json()).toMatchObject({
        error: 'Meta API unavailable',
        message: expect.stringMatching(/could not be reached/),
      });
      const row = await gw.ctx.db.kysely.selectFrom('helpdesk_messages').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'failed', error_code: 'unreachable' });
    } finally {
      await gw.close();
    }
  });
});
