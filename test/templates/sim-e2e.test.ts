// The catalogue against the simulator, over the wire: paging through several pages, a template
// changing status at Meta reaching the stored row by webhook, a miss that syncs once for many
// concurrent finds, and the rate limit on misses.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type SimTemplateInput } from '../../meta-sim/index.js';
import type { MetaClient } from '../../src/meta/client.js';
import { expectationOf } from '../../src/templates/params.js';
import { startGateway, seedTenant, type Tenant, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { APP_ID, APP_SECRET, seedApp } from '../inbound/helpers.js';
import { catalogueOf } from './helpers.js';

const PHONE_ID = '106540352242922';
const TOKEN = 'EAAG-sim-token-for-templates-0123456789';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const simple = (name: string, language = 'en_US'): SimTemplateInput => ({
  name,
  language,
  category: 'UTILITY',
  components: [{ type: 'BODY', text: `Hi {{1}}, this is ${name}` }],
});

describe.each(ENGINES)('the template catalogue against the simulator (%s)', (engine) => {
  let sim: Awaited<ReturnType<typeof startMetaSim>>;
  let gw: TestGateway;
  let t: Tenant;
  let waba: string;
  /** The gateway's own Graph client, counting its template reads. */
  let reads: number;
  let meta: Pick<MetaClient, 'getMessageTemplates'>;

  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: TOKEN } });
    gw = await startGateway(engine, { META_GRAPH_URL: sim.url, RATE_LIMIT_PER_KEY: '0' });
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (gw.app.server.address() as AddressInfo).port;
    await seedApp(gw);
    t = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: TOKEN });
    waba = sim.wabaOf(PHONE_ID);
    await gw.ctx.organizations.update(t.slug, { metaApp: APP_ID, metaWabaId: waba });
    sim.webhooks.addApp({ callbackUrl: `http://127.0.0.1:${port}/webhooks/meta/${APP_ID}`, appSecret: APP_SECRET });
    meta = {
      getMessageTemplates: (...args) => {
        reads++;
        return gw.ctx.meta.getMessageTemplates(...args);
      },
    };
  });
  afterAll(async () => {
    await gw.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.templates.clear();
    reads = 0;
  });

  it('pages through every template the account has and stores what each expects', async () => {
    for (let i = 0; i < 23; i++) sim.addTemplate(waba, simple(`bulk_${String(i).padStart(2, '0')}`));
    sim.addTemplate(waba, {
      name: 'order_shipped',
      language: 'en_US',
      category: 'UTILITY',
      quality_score: 'GREEN',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' }] },
      ],
    });
    const catalogue = catalogueOf(gw.ctx, meta, { limits: { pageSize: 5, maxPages: 10 } });
    const result = await catalogue.sync(t.organizationId);
    expect(result).toMatchObject({ stored: 24, pages: 5, wabaId: waba });
    expect(reads).toBe(5);
    const page = await catalogue.list(t.organizationId, { limit: '200' });
    expect(page.data).toHaveLength(24);
    const shipped = page.data.find((x) => x.name === 'order_shipped')!;
    expect(shipped).toMatchObject({ status: 'APPROVED', category: 'UTILITY', quality: 'GREEN', wabaId: waba });
    expect(expectationOf(shipped.components, shipped.parameterFormat)).toEqual({
      parameterFormat: 'POSITIONAL',
      header: { format: 'TEXT', params: ['1'] },
      body: { params: ['1', '2'] },
      buttons: [{ index: 0, type: 'URL', params: ['1'] }],
    });
  });

  it('a template paused at Meta is stored PAUSED as its webhook arrives, and resynced after', async () => {
    const made = sim.addTemplate(waba, simple('reminder'));
    const catalogue = catalogueOf(gw.ctx, meta, { minIntervalMs: 0 });
    await catalogue.sync(t.organizationId);
    await sim.setTemplateStatus(made.id, 'PAUSED');
    const status = () =>
      gw.ctx.db.kysely
        .selectFrom('templates')
        .select('status')
        .where('organization_id', '=', t.organizationId)
        .where('name', '=', 'reminder')
        .executeTakeFirst();
    await until('the PAUSED webhook applied', async () => ((await status())?.status === 'PAUSED' ? true : undefined));
    expect(reads).toBe(1);
    await catalogue.syncRequested();
    expect(reads).toBe(2);
    expect((await status())?.status).toBe('PAUSED');
    expect(await gw.ctx.db.kysely.selectFrom('template_resyncs').selectAll().execute()).toEqual([]);
  });

  it('concurrent finds of a template not stored yet share one sync, and all find it', async () => {
    sim.addTemplate(waba, simple('just_approved', 'pt_BR'));
    const catalogue = catalogueOf(gw.ctx, meta);
    const found = await Promise.all(
      Array.from({ length: 10 }, () => catalogue.find(t.organizationId, 'just_approved', 'pt_BR')),
    );
    expect(found.every((f) => f?.name === 'just_approved' && f.language === 'pt_BR')).toBe(true);
    expect(reads).toBe(1);
  });

  it('misses sync at most once per interval per organization', async () => {
    let now = 1_000_000;
    const catalogue = catalogueOf(gw.ctx, meta, { minIntervalMs: 30_000, now: () => now });
    expect(await catalogue.find(t.organizationId, 'nowhere', 'en_US')).toBeUndefined();
    expect(reads).toBe(1);
    sim.addTemplate(waba, simple('nowhere'));
    now += 29_999;
    expect(await catalogue.find(t.organizationId, 'nowhere', 'en_US')).toBeUndefined();
    catalogue.resync(t.organizationId);
    await catalogue.idle();
    expect(reads).toBe(1);
    now += 2;
    expect((await catalogue.find(t.organizationId, 'nowhere', 'en_US'))?.status).toBe('APPROVED');
    expect(reads).toBe(2);
  });

  it("answers Meta's refusal of a token with a clear error and writes nothing", async () => {
    sim.addTemplate(waba, simple('kept'));
    await catalogueOf(gw.ctx, meta).sync(t.organizationId);
    await gw.ctx.organizations.update(t.slug, { metaToken: 'EAAG-not-the-right-token' });
    sim.templates.clear();
    try {
      await expect(catalogueOf(gw.ctx, meta).sync(t.organizationId)).rejects.toMatchObject({
        error: 'Meta API error',
        message: expect.stringMatching(/^Meta refused the template list \(code 190\)/) as unknown,
      });
      const rows = await gw.ctx.db.kysely
        .selectFrom('templates')
        .select('name')
        .where('organization_id', '=', t.organizationId)
        .execute();
      expect(rows).toEqual([{ name: 'kept' }]);
    } finally {
      await gw.ctx.organizations.update(t.slug, { metaToken: TOKEN });
    }
  });
});
