// The browser tests' world: a gateway listening on loopback at its PUBLIC_URL (the page checks
// its origin, and signed media URLs are absolute on it), the Meta simulator posting its signed
// webhooks there, an organization on the simulator's phone with a template, inbound media fetched
// as `flowiq serve` fetches it, and agents created as `flowiq agent create` does (a one-time link).
import { freePort } from '../../bench/processes.js';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import { APP_ID, APP_SECRET, seedApp } from '../inbound/helpers.js';

export const WABA_ID = '102290129340398';
export const CUSTOMER = '27820001111';

export interface BrowserWorld {
  gw: TestGateway;
  sim: MetaSimWithWebhooks;
  tenant: Tenant;
  base: string;
  /** A new agent of `slug`: the link that sets their password, and their email. */
  agent(slug: string): Promise<{ email: string; link: string }>;
  /** Another organization (no Meta number) with an agent of its own. */
  otherOrganization(): Promise<{ slug: string; email: string; link: string }>;
  close(): Promise<void>;
}

let agents = 0;

export async function startBrowserWorld(): Promise<BrowserWorld> {
  const sim = await startMetaSim({
    phones: { [PHONE_ID]: META_TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID } },
    // Only `sent` on its own: the tests post delivered, read and failed when they want them.
    webhookConfig: { statusDelays: { sent: 0, delivered: null, read: null }, retryScheduleMs: [20, 40, 80] },
  });
  // Free now, so that PUBLIC_URL can name the port before the gateway listens on it.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const gw = await startGateway('sqlite', {
    META_GRAPH_URL: sim.url,
    PUBLIC_URL: base,
    PORT: String(port),
    RATE_LIMIT_PER_KEY: '0',
    META_RETRY_BUDGET_MS: '1000',
    MEDIA_ALLOW_PRIVATE_NETWORKS: 'true',
  });
  await gw.app.listen({ host: '127.0.0.1', port });
  await seedApp(gw);
  const tenant = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: META_TOKEN });
  await gw.ctx.organizations.update(tenant.slug, { metaApp: APP_ID, metaWabaId: WABA_ID });
  sim.webhooks.addApp({ callbackUrl: `${base}/webhooks/meta/${APP_ID}`, appSecret: APP_SECRET });
  sim.addTemplate(WABA_ID, {
    name: 'order_update',
    language: 'en_US',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' }],
  });
  await gw.ctx.templates.sync(tenant.organizationId);
  // As `flowiq serve` runs it: the webhook processor wakes the fetcher when media arrives.
  gw.ctx.inboundMedia.start();
  const agent = async (slug: string) => {
    const email = `agent${++agents}@example.com`;
    const created = await gw.ctx.agents.create({ orgSlug: slug, email, name: `Agent ${agents}` });
    return { email, link: created.link };
  };
  return {
    gw,
    sim,
    tenant,
    base,
    agent,
    otherOrganization: async () => {
      const slug = `other-${process.pid}`;
      await gw.ctx.organizations.create(slug, { name: 'Other Org', provider: 'meta' });
      return { slug, ...(await agent(slug)) };
    },
    close: async () => {
      await gw.ctx.inboundMedia.stop();
      await gw.close();
      await sim.close();
    },
  };
}

/** Polls `check` until it returns a value, or fails after the deadline. No fixed sleeps. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
