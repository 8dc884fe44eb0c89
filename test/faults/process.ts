// The real gateway as a child process, for tests that kill, restart or signal it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitHealthy } from '../../bench/processes.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/server/context.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';

export interface GatewayProcess {
  url: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

export interface SeededDatabase {
  databaseUrl: string;
  dataDir: string;
  slug: string;
  key: string;
}

export async function seedDatabase(databaseUrl?: string): Promise<SeededDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-fault-'));
  const url = databaseUrl ?? `sqlite:${path.join(dataDir, 'flowiq.db')}`;
  const ctx = await createContext(
    loadConfig({ DATABASE_URL: url, DATA_DIR: dataDir, FLOWIQ_SECRET: TEST_SECRET }),
    TEST_SECRET,
  );
  const slug = `fault-${Date.now()}`;
  const org = await ctx.organizations.create(slug, {
    name: 'Fault Org',
    provider: 'meta',
    metaPhoneId: PHONE_ID,
    metaToken: META_TOKEN,
  });
  const key = await ctx.auth.createKey({ orgSlug: slug });
  await ctx.contacts.create(org.id, { phone_number: '+27123456789' });
  await ctx.close();
  return { databaseUrl: url, dataDir, slug, key: key.key };
}

export async function spawnGateway(seeded: SeededDatabase, env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, ['bin/flowiq.js', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: seeded.databaseUrl,
      DATA_DIR: seeded.dataDir,
      FLOWIQ_SECRET: TEST_SECRET,
      RATE_LIMIT_PER_KEY: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, () => out);
  return { url, proc, exited, output: () => out };
}

export function sendText(gw: GatewayProcess, seeded: SeededDatabase, text: string): Promise<Response> {
  return fetch(`${gw.url}/send-whatsapp?tenantId=${seeded.slug}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${seeded.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number: '+27123456789', message_type: 'text', text }),
  });
}
