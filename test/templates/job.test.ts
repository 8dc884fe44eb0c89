// The template job: every organization with a catalogue synced at start and on its interval, one
// failing never stopping the others; the webhooks' resync requests run on their own timer; and
// TEMPLATES_SYNC_INTERVAL as config reads it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { syncAllTemplates, templateSyncing } from '../../src/jobs/templates.js';
import { MetaApiError } from '../../src/errors.js';
import { seedTenant, startGateway, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { seedCatalogueTenant } from './helpers.js';

async function until(what: string, probe: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(ENGINES)('the template job on %s', (engine) => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway(engine);
  });
  afterEach(async () => gw.close());

  it('syncs each organization that has a WABA id and a token, and goes on past one that fails', async () => {
    const a = await seedCatalogueTenant(gw.ctx);
    const b = await seedCatalogueTenant(gw.ctx);
    const failing = await seedCatalogueTenant(gw.ctx);
    await seedCatalogueTenant(gw.ctx, { wabaId: null });
    await seedTenant(gw.ctx, { token: null });
    const other = await seedCatalogueTenant(gw.ctx);
    await gw.ctx.organizations.update(other.slug, { provider: 'twilio' });
    const synced: string[] = [];
    const warnings: unknown[] = [];
    const counts = await syncAllTemplates({
      organizations: gw.ctx.organizationStore,
      log: { warn: (o: unknown) => void warnings.push(o) },
      catalogue: {
        sync: async (id) => {
          synced.push(id);
          if (id === failing.organizationId) throw new MetaApiError('Meta answered HTTP 500 to the template list');
          return { organizationId: id, wabaId: '1', stored: 0, removed: 0, pages: 1, syncedAt: '' };
        },
      },
    });
    expect(counts).toEqual({ synced: 2, failed: 1 });
    expect(synced.sort()).toEqual([a.organizationId, b.organizationId, failing.organizationId].sort());
    expect(warnings).toHaveLength(1);
  });

  it('runs a pass at start, then the requested resyncs on their own timer, and stops both', async () => {
    const a = await seedCatalogueTenant(gw.ctx);
    const synced: string[] = [];
    let requested = 0;
    let idled = false;
    const job = templateSyncing({
      organizations: gw.ctx.organizationStore,
      intervalMs: 3_600_000,
      requestedEveryMs: 10,
      log: { warn: () => {} },
      catalogue: {
        sync: async (id) => {
          synced.push(id);
          return { organizationId: id, wabaId: '1', stored: 0, removed: 0, pages: 1, syncedAt: '' };
        },
        syncRequested: async () => {
          requested++;
        },
        idle: async () => {
          idled = true;
        },
      },
    });
    await job.start();
    await until('the first pass', () => synced.length === 1);
    await until('three looks at the requests', () => requested >= 3);
    await job.stop();
    const after = requested;
    await new Promise((r) => setTimeout(r, 50));
    expect(requested).toBe(after);
    expect(synced).toEqual([a.organizationId]);
    expect(idled).toBe(true);
  });
});

describe('TEMPLATES_SYNC_INTERVAL', () => {
  const base = { FLOWIQ_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp' };
  it('is an hour by default, takes a duration, and refuses less than a minute', () => {
    expect(loadConfig(base).templatesSyncIntervalSeconds).toBe(3600);
    expect(loadConfig({ ...base, TEMPLATES_SYNC_INTERVAL: '6h' }).templatesSyncIntervalSeconds).toBe(21_600);
    expect(() => loadConfig({ ...base, TEMPLATES_SYNC_INTERVAL: '30s' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TEMPLATES_SYNC_INTERVAL: 'often' })).toThrow(
      'Invalid configuration: TEMPLATES_SYNC_INTERVAL must be a duration such as 30s, 5m, 24h or 365d, got "often"',
    );
  });
});
