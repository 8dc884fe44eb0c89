import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startMetaSim } from '../../meta-sim/index.js';
import { parseDatabaseUrl } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createPgSchema } from '../helpers/db.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import {
  checkWebhooksAppliedOnce,
  type GatewayProcess,
  seedDatabase,
  seedMetaApp,
  spawnGateway,
  waitWebhooksSettled,
  WebhookStorm,
} from './process.js';

// Meta's webhooks in a storm while the gateway is killed with SIGKILL and restarted on the same
// port (Meta keeps posting to the same callback URL): every webhook it answered 200 is processed
// exactly once, those still unprocessed at the kill by the restarted process, and every one it did
// not answer is retried by Meta and processed once. Nothing is applied twice.
const targets: { name: string; url: () => Promise<{ url?: string; drop(): Promise<void> }> }[] = [
  { name: 'sqlite', url: async () => ({ drop: async () => {} }) },
];
if (process.env.TEST_DATABASE_URL) {
  targets.push({
    name: 'postgres',
    url: async () => {
      const s = await createPgSchema();
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.searchParams.set('options', `-c search_path=${s.schema}`);
      return { url: u.toString(), drop: s.drop };
    },
  });
}

const APP_ID = '1000000000000077';
const APP_SECRET = 'fault-app-secret-for-webhook-storms';
// Meta's schedule, shortened: quick first retries, then one a second for 40 s, longer than the
// gateway is ever down here, so every delivery ends answered.
const RETRY_SCHEDULE_MS = [20, 50, 100, 200, 400, 800, ...Array.from({ length: 40 }, () => 1000)];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(100);
  }
}

async function pendingReceipts(databaseUrl: string): Promise<number> {
  const conn = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    const row = await conn.kysely
      .selectFrom('webhook_receipts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await conn.close();
  }
}

describe.each(targets)('webhooks through a SIGKILL on $name', ({ url }) => {
  it('processes every webhook once: the answered ones after the restart, the others from Meta’s retries', async () => {
    const sim = await startMetaSim({
      phones: { [PHONE_ID]: META_TOKEN },
      webhookConfig: { statusDelays: { sent: 0, delivered: 200, read: 400 }, retryScheduleMs: RETRY_SCHEDULE_MS },
    });
    const db = await url();
    const seeded = await seedDatabase(db.url);
    const gateways: GatewayProcess[] = [];
    try {
      await seedMetaApp(seeded, {
        appId: APP_ID,
        appSecret: APP_SECRET,
        wabaId: sim.webhooks.phoneInfo(PHONE_ID).wabaId,
      });
      const env = { META_GRAPH_URL: sim.url, PENDING_UNKNOWN_AFTER: '1s' };
      const gw = await spawnGateway(seeded, env);
      gateways.push(gw);
      sim.webhooks.addApp({ callbackUrl: `${gw.url}/webhooks/meta/${APP_ID}`, appSecret: APP_SECRET });
      // Every status twice, each as its own webhook, as Meta sometimes does.
      sim.webhooks.injectStatusFault({ duplicate: 1, times: Infinity });

      const storm = new WebhookStorm(gw.url, seeded, sim);
      storm.start();
      const answered = () => sim.webhooks.deliveries().filter((d) => d.state === 'delivered').length;
      await waitFor('a storm under way', () => storm.okSends.length >= 40 && answered() >= 150, 30_000);
      // Killed once the first of a burst of large batches has its answer: the others are then
      // anywhere between not yet received and committed, answered but not processed.
      const { rest } = await storm.burst(8, 150);
      gw.proc.kill('SIGKILL');
      await gw.exited;
      await rest;
      const leftPending = await pendingReceipts(seeded.databaseUrl);
      // Down for a while (and past PENDING_UNKNOWN_AFTER, so the restart settles the sends the
      // kill interrupted): Meta's posts meanwhile fail and wait for their retries.
      await sleep(1500);
      const restarted = await spawnGateway(seeded, env, { port: Number(new URL(gw.url).port) });
      gateways.push(restarted);
      await sleep(2000); // the storm goes on against the restarted process, beside Meta's retries
      await storm.stop();
      await waitWebhooksSettled(sim, seeded.databaseUrl);
      restarted.proc.kill('SIGTERM');
      expect(await restarted.exited, restarted.output()).toBe(0);

      const run = await checkWebhooksAppliedOnce(sim, seeded.databaseUrl);
      // It was a storm through a kill: some webhooks were only delivered by a retry, and the dead
      // process left committed receipts for the restarted one to process.
      expect(run.retried).toBeGreaterThan(0);
      expect(leftPending).toBeGreaterThan(0);
      expect(run.inbound).toBeGreaterThan(200);
      expect(storm.okSends.length).toBeGreaterThanOrEqual(40);
    } finally {
      // A failed run must not leave its gateway running.
      for (const g of gateways) if (g.proc.exitCode === null && g.proc.signalCode === null) g.proc.kill('SIGKILL');
      await Promise.all(gateways.map((g) => g.exited));
      await sim.close();
      fs.rmSync(seeded.dataDir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
