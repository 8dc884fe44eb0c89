import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stalePendingSweep } from '../../src/jobs/sweeps.js';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

// A row left pending by a request that died becomes unknown while the gateway keeps running, not
// only at its next start.
describe.each(ENGINES)('the stale-pending sweep on %s', (engine) => {
  let gw: TestGateway;
  let tenant: Tenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    tenant = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw.close());

  it('marks rows pending for too long unknown on its timer, and leaves fresh ones', async () => {
    const job = stalePendingSweep({
      messages: gw.ctx.messages,
      olderThanSeconds: 0.2,
      intervalMs: 50,
      log: pino({ level: 'silent' }),
    });
    await job.start();
    try {
      const { id } = await gw.ctx.messages.createPending({
        organizationId: tenant.organizationId,
        contactId: tenant.contactId,
        messageType: 'text',
        content: {},
        mediaUrl: null,
        requestId: 'r',
      });
      const status = async () => (await gw.ctx.messages.findById(id))!.status;
      expect(await status()).toBe('pending');
      const deadline = Date.now() + 10_000;
      while ((await status()) === 'pending' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await status()).toBe('unknown');
    } finally {
      await job.stop();
    }
  });
});
