// `npm run bench:instructions`: instructions per request, counted by valgrind's callgrind, for the
// forwarder and the gateway (SQLite file), thread by thread. Time on this VM moves by ±30% from one
// run to the next; instruction counts move by about 1%, so this is how the send path's changes are
// compared. The server runs under callgrind (about 50x slower); the simulator and autocannon run
// natively. Counting starts after a warm-up, once the JIT has settled.
//
// BENCH_INSTR_TARGETS=forwarder,gateway  BENCH_INSTR_WARMUP=6000  BENCH_INSTR_REQUESTS=2000
// Targets beside those two: gateway-window (text sends by an organization that receives webhooks,
// so each send reads its thread's 24-hour window, open) and gateway-template (template sends,
// checked against the catalogue).
// BENCH_INSTR_KEEP=1 keeps the callgrind files and V8's perf map (node --perf-basic-prof) in the
// output directory it prints, for callgrind_annotate or a script that names JIT frames.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/server/context.js';
import { freePort, startFlags } from './processes.js';
import { CONTACT, META_TOKEN, PHONE_ID, SECRET, TEXT_BODY, seed, startSimulator } from './setup.js';

const TEMPLATE_BODY = JSON.stringify({
  phone_number: CONTACT,
  message_type: 'template',
  template: { name: 'bench_order', language: 'en_US', body: ['Jessica', '42'] },
});

const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? 6000);
const REQUESTS = Number(process.env.BENCH_INSTR_REQUESTS ?? 2000);
const TARGETS = (process.env.BENCH_INSTR_TARGETS ?? 'forwarder,gateway').split(',');

interface Server {
  proc: ChildProcess;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * gateway-template: the template in the simulator's catalogue and the organization's WABA id;
 * gateway-window: a Meta app on the organization and a customer who wrote a moment ago.
 */
async function seedCase(target: string, databaseUrl: string, dir: string, simUrl: string): Promise<void> {
  if (target === 'gateway') return;
  const ctx = await createContext(
    loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dir, FLOWIQ_SECRET: SECRET }),
    SECRET,
  );
  try {
    if (target === 'gateway-template') {
      const res = await fetch(`${simUrl}/_sim/templates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_id: PHONE_ID,
          name: 'bench_order',
          language: 'en_US',
          category: 'UTILITY',
          components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} ships today.' }],
        }),
      });
      const { waba_id: wabaId } = (await res.json()) as { waba_id: string };
      await ctx.organizations.update('bench', { metaWabaId: wabaId });
      return;
    }
    await ctx.apps.create('4242', { appSecret: 'bench-app-secret', verifyToken: 'bench-verify-token' });
    await ctx.organizations.update('bench', { metaApp: '4242' });
    const org = await ctx.organizationStore.findBySlug('bench');
    const contact = await ctx.contacts.get(org!.id, CONTACT);
    const now = new Date().toISOString();
    await ctx.db.kysely
      .insertInto('customer_sessions')
      .values({
        id: 'bench-session',
        organization_id: org!.id,
        contact_id: contact.id,
        status: 'open',
        last_message_at: now,
        last_inbound_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
  } finally {
    await ctx.close();
  }
}

function load(server: Server, opts: { amount: number; timeout: number }): Promise<autocannon.Result> {
  return autocannon({
    url: server.url,
    method: 'POST',
    headers: server.headers,
    body: server.body,
    connections: 50,
    ...opts,
  });
}

function underCallgrind(out: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const vg = [
    '--tool=callgrind',
    '--smc-check=all-non-file',
    '--instr-atstart=no',
    '--separate-threads=yes',
    `--callgrind-out-file=${out}`,
  ];
  // --perf-basic-prof writes /tmp/perf-<pid>.map, which names the JIT's code for later analysis.
  return spawn('valgrind', [...vg, process.execPath, '--perf-basic-prof', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} never came up under valgrind`);
}

async function startServer(target: string, out: string, simUrl: string, dir: string): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  if (target === 'forwarder') {
    const proc = underCallgrind(out, [...startFlags(), '--import', 'tsx', 'bench/forwarder.ts'], {
      PORT: String(port),
      META_GRAPH_URL: simUrl,
      BENCH_PHONE_ID: PHONE_ID,
      BENCH_META_TOKEN: META_TOKEN,
    });
    await waitUp(base);
    return { proc, url: `${base}/send-whatsapp`, headers: { 'content-type': 'application/json' }, body: TEXT_BODY };
  }
  const databaseUrl = `sqlite:${path.join(dir, 'bench.db')}`;
  const key = await seed(databaseUrl, dir);
  await seedCase(target, databaseUrl, dir, simUrl);
  const env = {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    FLOWIQ_SECRET: SECRET,
    META_GRAPH_URL: simUrl,
    RATE_LIMIT_PER_KEY: '0',
    LOG_LEVEL: 'warn',
  };
  const proc = underCallgrind(out, [...startFlags(), 'bin/flowiq.js', 'serve'], env);
  await waitUp(`${base}/healthz`);
  return {
    proc,
    url: `${base}/send-whatsapp?tenantId=bench`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: target === 'gateway-template' ? TEMPLATE_BODY : TEXT_BODY,
  };
}

/** Instructions per thread, from the dump files callgrind wrote for each thread (`out.1-01`, ...). */
function countsByThread(out: string): number[] {
  const dir = path.dirname(out);
  const prefix = `${path.basename(out)}.1-`;
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .sort()
    .map((f) => Number(/^summary: (\d+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'))?.[1] ?? 0));
}

async function measure(
  target: string,
  simUrl: string,
  outDir: string,
): Promise<{ target: string; mainThread: number; allThreads: number; threads: number[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flowiq-instr-${target}-`));
  const out = path.join(outDir, `callgrind.${target}`);
  const server = await startServer(target, out, simUrl, dir);
  try {
    const run = (amount: number) => load(server, { amount, timeout: 120 });
    const warm = await run(WARMUP);
    if (warm.non2xx > 0 || warm.errors > 0)
      throw new Error(`${target}: ${warm.non2xx} non-2xx and ${warm.errors} errors during warm-up`);
    execFileSync('callgrind_control', ['--instr=on', String(server.proc.pid)], { stdio: 'ignore' });
    const measured = await run(REQUESTS);
    execFileSync('callgrind_control', ['--dump', String(server.proc.pid)], { stdio: 'ignore' });
    if (measured.non2xx > 0 || measured.errors > 0)
      throw new Error(`${target}: ${measured.non2xx} non-2xx and ${measured.errors} errors`);
    const perRequest = countsByThread(out).map((n) => Math.round(n / measured.requests.total));
    return {
      target,
      mainThread: perRequest[0] ?? 0,
      allThreads: perRequest.reduce((a, b) => a + b, 0),
      threads: perRequest,
    };
  } finally {
    server.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    if (!process.env.BENCH_INSTR_KEEP) fs.rmSync(`/tmp/perf-${server.proc.pid}.map`, { force: true });
  }
}

async function main(): Promise<void> {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' }); // fails clearly when it is missing
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-instr-'));
  const sim = await startSimulator();
  const rows = [];
  try {
    for (const t of TARGETS) rows.push(await measure(t, sim.url, outDir));
  } finally {
    await sim.child.stop();
  }
  process.stdout.write(
    `\ninstructions per request (${REQUESTS} requests after ${WARMUP} of warm-up, 50 connections)\n`,
  );
  process.stdout.write('target       main thread   all threads   per thread\n');
  for (const r of rows)
    process.stdout.write(
      `${r.target.padEnd(10)} ${String(r.mainThread).padStart(13)} ${String(r.allThreads).padStart(13)}   ${r.threads.filter((n) => n > 0).join(' ')}\n`,
    );
  const fwd = rows.find((r) => r.target === 'forwarder');
  const gw = rows.find((r) => r.target === 'gateway');
  if (fwd && gw)
    process.stdout.write(
      `\nthe forwarder's main thread as a share of the gateway's: ${((100 * fwd.mainThread) / gw.mainThread).toFixed(1)}%\n`,
    );
  if (process.env.BENCH_INSTR_KEEP)
    process.stdout.write(`\ncallgrind files in ${outDir}; V8 perf maps in /tmp/perf-<pid>.map\n`);
  else fs.rmSync(outDir, { recursive: true, force: true });
}

await main();
