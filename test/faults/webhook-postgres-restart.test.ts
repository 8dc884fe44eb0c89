import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startMetaSim } from '../../meta-sim/index.js';
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

// PostgreSQL restarted during a storm of Meta's webhooks: while it is down the gateway answers
// 5xx (so Meta retries) and never 200 for a body it did not commit; once it is back Meta's retries
// are answered 200, and everything is applied exactly once. The gateway process stays up throughout.
const cluster = (() => {
  try {
    const line = execFileSync('pg_lsclusters', ['--no-header']).toString().trim().split('\n')[0] ?? '';
    const [version, name] = line.split(/\s+/);
    return version && name ? { version, name } : undefined;
  } catch {
    return undefined;
  }
})();

const skipped = !process.env.TEST_DATABASE_URL
  ? 'TEST_DATABASE_URL is not set'
  : cluster === undefined
    ? 'no local PostgreSQL cluster to restart (pg_lsclusters)'
    : undefined;

const APP_ID = '1000000000000078';
const APP_SECRET = 'fault-app-secret-for-database-restarts';
// Meta's schedule, shortened: quick first retries, then one a second for 40 s, longer than the
// database is ever down here, so every delivery ends answered.
const RETRY_SCHEDULE_MS = [20, 50, 100, 200, 400, 800, ...Array.from({ length: 40 }, () => 1000)];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pgReady(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
}

function pgctl(action: 'stop' | 'start'): void {
  const args = ['--skip-systemctl-redirect', cluster!.version, cluster!.name, action];
  execFileSync('pg_ctlcluster', action === 'stop' ? [...args, '-m', 'fast'] : args);
}

async function waitFor(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(100);
  }
}

/** Whatever happened, the server is left running, for the cleanup and for the files after this one. */
async function ensureStarted(): Promise<void> {
  if (!pgReady()) pgctl('start');
  await waitFor('PostgreSQL ready', pgReady, 30_000);
}

describe.skipIf(skipped !== undefined)(
  `webhooks through a PostgreSQL restart${skipped ? ` (skipped: ${skipped})` : ''}`,
  () => {
    afterAll(ensureStarted);

    it('answers 5xx while the database is down, then applies every webhook once from Meta’s retries', async () => {
      const sim = await startMetaSim({
        phones: { [PHONE_ID]: META_TOKEN },
        webhookConfig: { statusDelays: { sent: 0, delivered: 200, read: 400 }, retryScheduleMs: RETRY_SCHEDULE_MS },
      });
      const schema = await createPgSchema();
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.searchParams.set('options', `-c search_path=${schema.schema}`);
      const seeded = await seedDatabase(u.toString());
      let gw: GatewayProcess | undefined;
      try {
        await seedMetaApp(seeded, {
          appId: APP_ID,
          appSecret: APP_SECRET,
          wabaId: sim.webhooks.phoneInfo(PHONE_ID).wabaId,
        });
        gw = await spawnGateway(seeded, { META_GRAPH_URL: sim.url, META_RETRY_BUDGET_MS: '500' });
        sim.webhooks.addApp({ callbackUrl: `${gw.url}/webhooks/meta/${APP_ID}`, appSecret: APP_SECRET });
        // Every status twice, each as its own webhook, as Meta sometimes does.
        sim.webhooks.injectStatusFault({ duplicate: 1, times: Infinity });
        const attemptsSince = (at: number) =>
          sim.webhooks.deliveries().flatMap((d) => d.attempts.filter((a) => a.at >= at));

        const storm = new WebhookStorm(gw.url, seeded, sim);
        storm.start();
        const answered = () => sim.webhooks.deliveries().filter((d) => d.state === 'delivered').length;
        await waitFor('a storm under way', () => storm.okSends.length >= 30 && answered() >= 100, 30_000);

        // Stopped once the first of a burst of large batches has its answer, so that the others'
        // commits and the processing of the answered ones meet the outage; started again only once
        // the gateway has refused webhooks for a while: a bare restart can be quicker than any
        // write that would notice it.
        const { rest } = await storm.burst(8, 150);
        const stoppedAt = Date.now();
        pgctl('stop');
        await waitFor(
          'webhooks refused while the database is down',
          () => attemptsSince(stoppedAt).filter((a) => (a.status ?? 0) >= 500).length >= 20,
          20_000,
        );
        await rest;
        await sleep(1000);
        const startedAt = Date.now();
        pgctl('start');
        await waitFor('PostgreSQL ready', pgReady, 30_000);
        await waitFor(
          'webhooks answered 200 again',
          () => attemptsSince(startedAt).some((a) => a.status === 200),
          30_000,
        );
        await sleep(2000); // the storm goes on against the recovered database, beside Meta's retries
        await storm.stop();
        await waitWebhooksSettled(sim, seeded.databaseUrl);

        // The process rode out the outage: the same one answers, and stops cleanly.
        expect(gw.proc.exitCode, gw.output()).toBeNull();
        expect(gw.proc.signalCode).toBeNull();
        // Each attempt was answered: 200, or a 5xx Meta retries; never a 4xx (Meta would retry
        // that too, but it would say the webhook is wrong) and never a dropped connection.
        const attempts = sim.webhooks.deliveries().flatMap((d) => d.attempts);
        const odd = attempts.filter((a) => a.status === undefined || (a.status !== 200 && a.status < 500));
        expect(odd, 'attempts neither 200 nor 5xx').toEqual([]);
        const refused = attempts.filter((a) => (a.status ?? 0) >= 500).length;
        expect(refused).toBeGreaterThanOrEqual(20);

        // Every delivery ended answered 200 and its body is a processed receipt (so no 200 was
        // given for a body that was not committed), and nothing was applied twice.
        const run = await checkWebhooksAppliedOnce(sim, seeded.databaseUrl);
        expect(run.retried).toBeGreaterThan(0);
        expect(run.inbound).toBeGreaterThan(200);

        gw.proc.kill('SIGTERM');
        expect(await gw.exited, gw.output()).toBe(0);
      } finally {
        // A failed run must not leave its gateway running.
        if (gw && gw.proc.exitCode === null && gw.proc.signalCode === null) gw.proc.kill('SIGKILL');
        await gw?.exited;
        await sim.close();
        await ensureStarted();
        fs.rmSync(seeded.dataDir, { recursive: true, force: true });
        await schema.drop();
      }
    });
  },
);
