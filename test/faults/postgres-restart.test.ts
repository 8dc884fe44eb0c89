import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

// PostgreSQL restarted under load: requests it hits get 503 with Retry-After, the gateway recovers by
// itself, and no request is answered 200 unless its row is committed.
const cluster = (() => {
  try {
    const line = execFileSync('pg_lsclusters', ['--no-header']).toString().trim().split('\n')[0] ?? '';
    const [version, name] = line.split(/\s+/);
    return version && name ? { version, name } : undefined;
  } catch {
    return undefined;
  }
})();

function pgReady(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

describe.runIf(Boolean(process.env.TEST_DATABASE_URL && cluster))('PostgreSQL restarting under load', () => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway('postgres', { META_RETRY_BUDGET_MS: '500' });
  });
  afterAll(async () => {
    if (!pgReady())
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster!.version, cluster!.name, 'start']);
    await waitFor(pgReady, 30_000);
    await gw.close();
  });

  it('answers 503 with Retry-After while it is down, recovers by itself, and every 200 is committed', async () => {
    const answers: { text: string; status: number; retryAfter?: string; error?: string }[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const text = `pg-${n++}`;
        const res = await gw.send({ phone_number: '+27123456789', message_type: 'text', text });
        answers.push({
          text,
          status: res.statusCode,
          retryAfter: res.headers['retry-after'],
          error: res.json<{ error?: string }>().error,
        });
      }
    };
    const load = Promise.all(Array.from({ length: 10 }, worker));
    await waitFor(() => answers.length > 200, 20_000);
    // Stopped, then started only once the gateway has answered while it was down: a bare restart
    // can be quicker than any write that would notice it.
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster!.version, cluster!.name, 'stop', '-m', 'fast']);
    const stoppedAt = answers.length;
    const sawOutage = await waitFor(() => answers.slice(stoppedAt).some((a) => a.status === 503), 20_000);
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster!.version, cluster!.name, 'start']);
    const restartedAt = answers.length;
    // Recovered: 200 answers again after the restart.
    const recovered = await waitFor(
      () => answers.slice(restartedAt).filter((a) => a.status === 200).length > 50,
      30_000,
    );
    stop = true;
    await load;
    expect(sawOutage).toBe(true);
    expect(recovered).toBe(true);
    // A 200 whose `sent` write met the outage is answered with Meta's outcome while the write is
    // retried in the background (messages/settle.ts): the rows are checked once those have landed.
    const settled = await waitFor(() => gw.ctx.outcomes.backlog === 0, 30_000);
    expect(settled).toBe(true);

    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    const statuses = new Set(answers.map((a) => a.status));
    for (const s of statuses) expect([200, 503]).toContain(s);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a.error).toBe('Service unavailable');
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    const rows = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['content', 'status'])
      .where('organization_id', '=', gw.tenant.organizationId)
      .execute();
    const sent = new Set(
      rows.filter((r) => r.status === 'sent').map((r) => (JSON.parse(r.content) as { text: string }).text),
    );
    for (const a of answers.filter((x) => x.status === 200)) expect(sent.has(a.text), a.text).toBe(true);
  });
});
