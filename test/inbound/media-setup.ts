// Inbound media tests: a gateway listening on loopback, a Meta simulator posting its webhooks there
// (signed with the app's secret), an organization on the simulator's phone, and a fetcher of its
// own with short retry delays that the tests drive with runDue().
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { startMetaSim, type MetaSimWithWebhooks, type SimInbound } from '../../meta-sim/index.js';
import { InboundMediaFetcher, organizationCredentials, type InboundMediaOptions } from '../../src/inbound/media.js';
import type { EngineName } from '../helpers/db.js';
import { seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import { APP_ID, APP_SECRET, seedApp } from './helpers.js';

export { META_TOKEN, PHONE_ID };
export const WABA_ID = '777';

export interface MediaWorld {
  gw: TestGateway;
  sim: MetaSimWithWebhooks;
  tenant: Tenant;
  fetcher(opts?: Partial<InboundMediaOptions>): InboundMediaFetcher;
  /** A customer sends this message; resolves once the gateway has stored it. Its wamid. */
  customerSends(message: SimInbound): Promise<{ wamid: string; media: Record<string, unknown> }>;
  row(wamid: string): Promise<Row>;
  close(): Promise<void>;
}

export type Row = NonNullable<Awaited<ReturnType<typeof selectRow>>>;

function selectRow(gw: TestGateway, wamid: string) {
  return gw.ctx.db.kysely
    .selectFrom('helpdesk_messages')
    .selectAll()
    .where('whatsapp_message_id', '=', wamid)
    .where('direction', '=', 'inbound')
    .executeTakeFirst();
}

/** Polls `check` until it returns a value, or fails after the deadline. No fixed sleeps. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export async function startMediaWorld(engine: EngineName): Promise<MediaWorld> {
  const sim = await startMetaSim({
    phones: { [PHONE_ID]: META_TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID } },
  });
  const gw = await startGateway(engine, { META_GRAPH_URL: sim.url, MEDIA_DOWNLOAD_TIMEOUT_MS: '5000' });
  await seedApp(gw);
  const tenant = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: META_TOKEN });
  await gw.ctx.organizations.update(tenant.slug, { metaApp: APP_ID, metaWabaId: WABA_ID });
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
  const address = gw.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway not listening');
  sim.webhooks.addApp({
    callbackUrl: `http://127.0.0.1:${address.port}/webhooks/meta/${APP_ID}`,
    appSecret: APP_SECRET,
  });
  const tmpDir = fs.mkdtempSync(path.join(gw.dataDir, 'fetch-'));
  const fetchers: InboundMediaFetcher[] = [];
  return {
    gw,
    sim,
    tenant,
    fetcher: (opts = {}) => {
      const f = new InboundMediaFetcher({
        db: gw.ctx.db,
        meta: gw.ctx.meta,
        credentials: organizationCredentials(gw.ctx.organizationStore, gw.ctx.organizations),
        storage: gw.ctx.media.storage,
        tmpDir,
        log: pino({ level: 'silent' }),
        downloadTimeoutMs: 5_000,
        firstRetryMs: 5,
        maxRetryMs: 20,
        ...opts,
      });
      fetchers.push(f);
      return f;
    },
    customerSends: async (message) => {
      const res = await sim.webhooks.inbound({ phone_id: PHONE_ID, ...message });
      const posted = res.messages[0] as Record<string, unknown>;
      const wamid = posted['id'] as string;
      await until(`message ${wamid} stored`, async () => {
        await gw.ctx.inbound.idle();
        return selectRow(gw, wamid);
      });
      return { wamid, media: posted[message.type] as Record<string, unknown> };
    },
    row: async (wamid) => {
      const r = await selectRow(gw, wamid);
      if (r === undefined) throw new Error(`no inbound row for ${wamid}`);
      return r;
    },
    close: async () => {
      for (const f of fetchers) await f.stop();
      await gw.close();
      await sim.close();
    },
  };
}

/** GET a signed media URL from the gateway itself: the status and the bytes. */
export async function fetchSigned(
  gw: TestGateway,
  signedUrl: string,
): Promise<{ status: number; body: Buffer; type: string }> {
  const u = new URL(signedUrl);
  const res = await gw.app.inject({ method: 'GET', url: `${u.pathname}${u.search}` });
  return { status: res.statusCode, body: res.rawPayload, type: String(res.headers['content-type']) };
}

/** A small PNG-looking file: PNG's signature and an IHDR, then `n` bytes of a pattern. */
export function pngBytes(n = 2048, seed = 1): Buffer {
  const head = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = (i * 31 + seed) & 0xff;
  return Buffer.concat([head, body]);
}
