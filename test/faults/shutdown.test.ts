import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import { seedDatabase, sendText, spawnGateway, type SeededDatabase } from './process.js';

describe('graceful shutdown on SIGTERM', () => {
  let sim: MetaSim;
  let seeded: SeededDatabase;
  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
    seeded = await seedDatabase();
  });
  afterAll(async () => {
    await sim.close();
    fs.rmSync(seeded.dataDir, { recursive: true, force: true });
  });

  it('stops accepting, lets in-flight sends finish, and exits 0', async () => {
    const gw = await spawnGateway(seeded, { META_GRAPH_URL: sim.url, LOG_LEVEL: 'info' });
    sim.injectFault({ path: 'messages', times: 5, action: { kind: 'delay', ms: 800 } });
    const inFlight = Array.from({ length: 5 }, (_, i) => sendText(gw, seeded, `in-flight-${i}`));
    // Wait until all five reached Meta (and are being held there), then ask the gateway to stop.
    const deadline = Date.now() + 10_000;
    while (sim.counts().messageCalls < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sim.counts().messageCalls).toBe(5);
    gw.proc.kill('SIGTERM');
    const closingBy = Date.now() + 10_000;
    while (!gw.output().includes('shutting down') && Date.now() < closingBy)
      await new Promise((r) => setTimeout(r, 10));
    // A kept-alive connection may still carry a request: it gets our 503, else the connection is refused.
    const late = await sendText(gw, seeded, 'after-sigterm').then(
      async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
      () => 'refused' as const,
    );
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await gw.exited, gw.output()).toBe(0);
    if (late !== 'refused') {
      expect(late.status).toBe(503);
      expect(late.body).toMatchObject({
        error: 'Service unavailable',
        message: expect.stringMatching(/shutting down/),
        request_id: expect.any(String),
      });
    }

    const db = openDatabase({ kind: 'sqlite', file: seeded.databaseUrl.slice('sqlite:'.length) });
    const rows = await db.kysely.selectFrom('helpdesk_messages').select(['status', 'content']).execute();
    await db.close();
    expect(rows.filter((r) => r.content.includes('in-flight')).map((r) => r.status)).toEqual([
      'sent',
      'sent',
      'sent',
      'sent',
      'sent',
    ]);
    expect(rows.some((r) => r.content.includes('after-sigterm'))).toBe(false);
  });
});
