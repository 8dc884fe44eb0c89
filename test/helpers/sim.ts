// A gateway wired to a fresh Meta simulator on loopback, with a seeded tenant whose phone id and
// token the simulator knows.
import type { Response as LightMyRequestResponse } from 'light-my-request';
import { startMetaSim, type MetaSimAllOptions, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import type { EngineName } from './db.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from './app.js';

export interface SimGateway extends TestGateway {
  /** Also seeds templates (sim.addTemplate(sim.wabaOf(PHONE_ID), …)) and opens windows. */
  sim: MetaSimWithWebhooks;
  tenant: Tenant;
  send(body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export const PHONE_ID = '106540352242922';
export const META_TOKEN = 'EAAG-sim-token-for-tests-0123456789';

export async function startSimGateway(
  engine: EngineName,
  env: Record<string, string> = {},
  opts: { sqliteFile?: boolean; sim?: MetaSimAllOptions } = {},
): Promise<SimGateway> {
  const sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN }, ...opts.sim });
  const gw = await startGateway(
    engine,
    { META_GRAPH_URL: sim.url, META_RETRY_BUDGET_MS: '1000', RATE_LIMIT_PER_KEY: '0', ...env },
    undefined,
    opts,
  );
  const tenant = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: META_TOKEN });
  return {
    ...gw,
    sim,
    tenant,
    send: (body, headers = {}) =>
      gw.app.inject({
        method: 'POST',
        url: `/send-whatsapp?tenantId=${tenant.slug}`,
        headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
      }),
    close: async () => {
      await gw.close();
      await sim.close();
    },
  };
}
