import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { parseDatabaseUrl } from '../../src/config.js';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { createPgSchema } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import { seedDatabase, sendText, spawnGateway } from './process.js';

// The gateway killed with SIGKILL under load and restarted: every message Meta accepted has a row,
// no row is left pending, and the operator can list the ones whose outcome is unknown.
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

describe.each(targets)('SIGKILL under load on $name', ({ url }) => {
  let sim: MetaSim;
  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
  });
  afterAll(async () => sim.close());

  it('loses no message Meta accepted and leaves nothing pending after restart', async () => {
    const db = await url();
    const seeded = await seedDatabase(db.url);
    const env = { META_GRAPH_URL: sim.url, PENDING_UNKNOWN_AFTER: '1s' };
    // Slow Meta a little so that many sends are in flight when the process dies.
    sim.injectFault({ path: 'messages', times: Infinity, action: { kind: 'delay', ms: 20 } });
    const gw = await spawnGateway(seeded, env);
    const ok: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < 400 && !killed) {
        const text = `kill-${next++}`;
        try {
          const res = await sendText(gw, seeded, text);
          if (res.status === 200) ok.push(text);
          if (ok.length >= 100 && !killed) {
            killed = true;
            gw.proc.kill('SIGKILL');
          }
        } catch {
          // connection reset by the kill
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    await gw.exited;
    sim.clearFaults();
    const killedAt = Date.now();
    while (Date.now() - killedAt < 1100) await new Promise((r) => setTimeout(r, 50)); // rows must be older than PENDING_UNKNOWN_AFTER
    const restarted = await spawnGateway(seeded, env);
    restarted.proc.kill('SIGTERM');
    await restarted.exited;

    const conn = openDatabase(parseDatabaseUrl(seeded.databaseUrl));
    const rows = await conn.kysely
      .selectFrom('helpdesk_messages')
      .select(['content', 'status', 'whatsapp_message_id'])
      .execute();
    await conn.close();
    const byText = new Map(rows.map((r) => [(JSON.parse(r.content) as { text: string }).text, r]));
    const accepted = sim.messages().map((m) => (m.payload as { text: { body: string } }).text.body);
    expect(accepted.length).toBeGreaterThanOrEqual(100);
    for (const text of accepted) expect(byText.has(text), `Meta accepted "${text}" but no row exists`).toBe(true);
    for (const text of ok) expect(byText.get(text)?.status).toBe('sent');
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(0);

    const unknown = rows.filter((r) => r.status === 'unknown').length;
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/flowiq.js', 'messages', 'pending', '--json'], {
      env: { ...process.env, DATABASE_URL: seeded.databaseUrl, DATA_DIR: seeded.dataDir, FLOWIQ_SECRET: TEST_SECRET },
    });
    const listed = (JSON.parse(stdout) as { messages: { status: string }[] }).messages;
    expect(listed.filter((m) => m.status === 'unknown')).toHaveLength(unknown);
    fs.rmSync(seeded.dataDir, { recursive: true, force: true });
    await db.drop();
  });
});
