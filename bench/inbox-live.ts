// `npm run bench:inbox-live`: how long a new inbound message takes to reach an open inbox page
// while the gateway absorbs BENCH_LIVE_STATUS_RATE (1,000) status webhooks a second. The gateway
// runs as a user runs it (the compiled `flowiq serve` in its own process, setup.ts), beside the
// simulator; SQLite, and with BENCH_DATABASE_URL PostgreSQL too (LISTEN/NOTIFY), and with
// BENCH_REDIS_URL PostgreSQL with Redis pub/sub. The bench signs in an agent, opens
// GET /inbox/api/stream, paces signed status bodies at the rate, and meanwhile posts one customer
// message at a time: the latency is from the start of its webhook POST to its `message` hint on
// the stream (acknowledgement, background processing, commit, bus, stream). Writes
// bench/results/inbox-live-latest.json.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/server/context.js';
import { cpuSeconds } from './processes.js';
import { freshPgSchema, load, SECRET, startGateway, startSimulator, PHONE_ID, type Target } from './setup.js';
import {
  APP_ID,
  lifecycle,
  openProbe,
  paced,
  seedApp,
  sign,
  statusBody,
  WABA_ID,
  type LoadResult,
} from './webhooks-load.js';

const env = process.env;
const RATE = Number(env.BENCH_LIVE_STATUS_RATE ?? 1000);
/** Statuses per webhook body: 10 by default (bench:webhooks measured 1 per body as PostgreSQL's limit). */
const BATCH = Number(env.BENCH_LIVE_BATCH ?? 10);
const DURATION = Number(env.BENCH_LIVE_DURATION ?? 30);
const WARMUP_S = 3;
/** Pause between two probe messages, ms: one at a time, so each hint is the probe's own. */
const PROBE_GAP_MS = Number(env.BENCH_LIVE_PROBE_GAP ?? 100);
const TARGET_P99_MS = 500;
const PROBE_TIMEOUT_MS = 20_000;
const CUSTOMER = '27990000001';

interface Variant {
  name: string;
  db: () => Promise<{ url: string; drop(): Promise<void> }>;
  /** The gateway's own settings for this variant (REDIS_URL, LIVE_BUS). */
  env?: Record<string, string>;
  /** Run only when BENCH_LIVE_VARIANTS names it. */
  optIn?: boolean;
}

interface Run {
  variant: string;
  bus: string;
  statusRate: number;
  batch: number;
  statuses: LoadResult & { statuses: number; perSecond: number };
  probes: number;
  /** Probes whose hint did not come within PROBE_TIMEOUT_MS (probing stops at the first). */
  timedOut: number;
  /** Webhook receipts not yet processed when the load ended: the backlog a probe waits behind. */
  pendingReceiptsAtEnd: number;
  /** From the webhook POST's start to the hint on the stream, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Of that, from the processor's planning of the probe's batch to the hint, ms. */
  afterWrite: { p50: number; p99: number; max: number };
  /** Change hints the stream carried during the run (the statuses' included). */
  hints: number;
  gatewayCpuSeconds: number | undefined;
  wallSeconds: number;
  targetMet: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;
}

/** A signed-in agent of the bench organization: created beside the gateway, then signed in over HTTP. */
async function signIn(databaseUrl: string, base: string): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-live-seed-'));
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    FLOWIQ_SECRET: SECRET,
    LIVE_BUS: 'memory',
  });
  const ctx = await createContext(config, SECRET);
  const email = 'bench-agent@example.com';
  const password = 'bench agent password, long enough';
  try {
    const { link } = await ctx.agents.create({ orgSlug: 'bench', email, role: 'agent' });
    const token = /#token=([A-Za-z0-9_-]+)$/.exec(link)![1]!;
    const json = { 'content-type': 'application/json' };
    const set = await fetch(`${base}/inbox/api/set-password`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ token, password }),
    });
    if (!set.ok) throw new Error(`set-password answered ${set.status}: ${await set.text()}`);
    const res = await fetch(`${base}/inbox/api/sign-in`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ organization: 'bench', email, password }),
    });
    if (!res.ok) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('flowiq_session='));
    if (!cookie) throw new Error('sign-in set no session cookie');
    return cookie.split(';')[0]!;
  } finally {
    await ctx.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The open stream: counts hints, and resolves the waiter of the next `message` hint. */
interface Stream {
  hints: number;
  nextMessage(): Promise<number>;
  close(): void;
}

function openStream(base: string, cookie: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/inbox/api/stream`, { headers: { cookie, accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      const waiting: ((at: number) => void)[] = [];
      let pending = '';
      const stream: Stream = {
        hints: 0,
        nextMessage: () => new Promise((r) => waiting.push(r)),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        pending += chunk;
        let i: number;
        while ((i = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, i);
          pending = pending.slice(i + 2);
          if (block.startsWith('event: ready')) resolve(stream);
          if (!block.startsWith('event: change')) continue;
          stream.hints++;
          if (block.includes('"kind":"message"')) waiting.shift()?.(at);
        }
      });
    });
  });
}

let seq = 0;
const probeWamid = (n: number) => `wamid.benchlive${process.pid}x${n}`;
function inboundBody(): string {
  seq++;
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_ID },
              contacts: [{ profile: { name: 'Bench customer' }, wa_id: CUSTOMER }],
              messages: [
                {
                  from: CUSTOMER,
                  id: probeWamid(seq),
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: `probe ${seq}` },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

/**
 * When the processor took up a probe's message: its row's updated_at, the time the processor
 * planned the claimed batch, before its transactions (the same machine's clock as ours). Read after
 * the hint arrived, it splits the latency into the wait for a claim (the receipts ahead of it) and
 * the batch's processing, commit, bus and stream.
 */
async function writtenAtReader(
  databaseUrl: string,
): Promise<{ at(wamid: string): Promise<number>; close(): Promise<void> }> {
  const text = `select updated_at from helpdesk_messages where whatsapp_message_id = `;
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const stmt = db.prepare(`${text}?`);
    return {
      at: async (w) => Date.parse((stmt.get(w) as { updated_at: string }).updated_at),
      close: async () => void db.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  return {
    at: async (w) => Date.parse((await pool.query<{ updated_at: string }>(`${text}$1`, [w])).rows[0]!.updated_at),
    close: () => pool.end(),
  };
}

interface Probed {
  /** Webhook POST → hint on the stream, ms. */
  total: number[];
  /** Hint on the stream − when the processor planned the probe's batch, ms: processing, commit, bus, stream. */
  afterWrite: number[];
}

/** Probe messages one at a time until `until`. */
async function probe(
  base: string,
  stream: Stream,
  until: number,
  written: Awaited<ReturnType<typeof writtenAtReader>>,
): Promise<Probed> {
  const out: Probed = { total: [], afterWrite: [] };
  while (performance.now() < until) {
    const body = inboundBody();
    const wamid = probeWamid(seq);
    const arrived = stream.nextMessage();
    const t0 = performance.now();
    const res = await fetch(`${base}/webhooks/meta/${APP_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
      body,
    });
    if (!res.ok) throw new Error(`probe webhook answered ${res.status}`);
    await res.arrayBuffer();
    const at = await Promise.race([arrived, sleep(PROBE_TIMEOUT_MS).then(() => Number.NaN)]);
    // Not there in time: the gateway is not keeping up (its receipts are processed in arrival
    // order, so the probe waits behind the statuses). Counted at the timeout, and probing stops.
    if (Number.isNaN(at)) {
      out.total.push(Number.POSITIVE_INFINITY);
      break;
    }
    out.total.push(at - t0);
    out.afterWrite.push(performance.timeOrigin + at - (await written.at(wamid)));
    await sleep(PROBE_GAP_MS);
  }
  return out;
}

async function runVariant(v: Variant, simUrl: string): Promise<Run> {
  const db = await v.db();
  let gw: Target | undefined;
  // setup.ts's startGateway passes its environment on to the child: the variant's, for it only.
  Object.assign(env, v.env);
  try {
    gw = await startGateway(v.name, db.url, simUrl);
    for (const name of Object.keys(v.env ?? {})) delete env[name];
    await seedApp(db.url);
    const base = new URL(gw.url).origin;
    const statusesNeeded = Math.ceil(RATE * (DURATION + WARMUP_S + 5));
    process.stdout.write(`${v.name}: sending ${Math.ceil(statusesNeeded / 3)} messages for their statuses…\n`);
    const sent = await load(gw, { amount: Math.ceil(statusesNeeded / 3), connections: 50 });
    if (sent.non2xx > 0) throw new Error(`${sent.non2xx} sends failed`);
    const dbProbe = await openProbe(db.url);
    const statuses = lifecycle(await dbProbe.wamids());
    await dbProbe.close();
    const cookie = await signIn(db.url, base);
    const stream = await openStream(base, cookie);
    let next = 0;
    const started = performance.now();
    const cpu0 = cpuSeconds(gw.child.proc.pid);
    const loadRun = paced({
      origin: base,
      path: `/webhooks/meta/${APP_ID}`,
      rate: RATE / BATCH,
      duration: DURATION + WARMUP_S,
      connections: 10,
      next: () => {
        if (next >= statuses.length) return undefined;
        const body = statusBody(statuses.slice(next, next + BATCH));
        next += BATCH;
        return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) } };
      },
    });
    await sleep(WARMUP_S * 1000);
    const written = await writtenAtReader(db.url);
    const probed = await probe(base, stream, started + (DURATION + WARMUP_S) * 1000, written);
    await written.close();
    const latencies = probed.total;
    const afterWrite = probed.afterWrite.sort((a, b) => a - b);
    const acked = await loadRun;
    const wallSeconds = (performance.now() - started) / 1000;
    const backlog = await openProbe(db.url).then(async (p) => {
      const n = await p.pending();
      await p.close();
      return n;
    });
    const cpu1 = cpuSeconds(gw.child.proc.pid);
    stream.close();
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    return {
      variant: v.name,
      bus: v.env?.['LIVE_BUS'] ?? (v.env?.['REDIS_URL'] ? 'redis' : v.name === 'sqlite' ? 'memory' : 'postgres'),
      statusRate: RATE,
      batch: BATCH,
      statuses: {
        ...acked,
        statuses: Math.min(next, statuses.length),
        perSecond: Math.round(Math.min(next, statuses.length) / (DURATION + WARMUP_S)),
      },
      probes: latencies.length,
      timedOut: latencies.filter((l) => !Number.isFinite(l)).length,
      pendingReceiptsAtEnd: backlog,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99,
      max: percentile(latencies, 100),
      afterWrite: {
        p50: percentile(afterWrite, 50),
        p99: percentile(afterWrite, 99),
        max: percentile(afterWrite, 100),
      },
      hints: stream.hints,
      gatewayCpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : Math.round((cpu1 - cpu0) * 100) / 100,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      targetMet: p99 < TARGET_P99_MS && acked.non2xx === 0 && acked.errors === 0 && latencies.every(Number.isFinite),
    };
  } finally {
    for (const name of Object.keys(v.env ?? {})) delete env[name];
    await gw?.child.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const variants: Variant[] = [
    {
      name: 'sqlite',
      db: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-live-db-'));
        return {
          url: `sqlite:${path.join(dir, 'bench.db')}`,
          drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
        };
      },
    },
  ];
  if (env.BENCH_DATABASE_URL) {
    variants.push({ name: 'postgres', db: () => freshPgSchema(env.BENCH_DATABASE_URL!) });
    if (env.BENCH_REDIS_URL)
      variants.push({
        name: 'postgres+redis',
        db: () => freshPgSchema(env.BENCH_DATABASE_URL!),
        env: { REDIS_URL: env.BENCH_REDIS_URL },
      });
    // One instance, no bus between instances: what the processing costs without NOTIFY.
    variants.push({
      name: 'postgres-memory',
      db: () => freshPgSchema(env.BENCH_DATABASE_URL!),
      env: { LIVE_BUS: 'memory' },
      optIn: true,
    });
  }
  const only = env.BENCH_LIVE_VARIANTS?.split(',');
  const sim = await startSimulator();
  const runs: Run[] = [];
  try {
    for (const v of variants) {
      if (only ? !only.includes(v.name) : v.optIn) continue;
      const run = await runVariant(v, sim.url);
      runs.push(run);
      process.stdout.write(
        `${run.variant} (${run.bus} bus): ${run.statuses.perSecond} statuses/s acked (p99 ${run.statuses.p99} ms, non-2xx ${run.statuses.non2xx}); ` +
          `${run.probes} probes (${run.timedOut} timed out; ${run.pendingReceiptsAtEnd} receipts pending at the end), webhook → hint p50 ${run.p50} ms, p90 ${run.p90} ms, p99 ${run.p99} ms, max ${run.max} ms ` +
          `(target p99 < ${TARGET_P99_MS} ms: ${run.targetMet ? 'met' : 'NOT met'}); batch planned → hint p50 ${run.afterWrite.p50} ms, p99 ${run.afterWrite.p99} ms; ${run.hints} hints on the stream; gateway CPU ${run.gatewayCpuSeconds ?? '?'} s\n`,
      );
    }
  } finally {
    await sim.child.stop();
  }
  const dir = path.join('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const out = { at: new Date().toISOString(), loadavg: os.loadavg(), cpus: os.cpus().length, runs };
  fs.writeFileSync(path.join(dir, 'inbox-live-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`wrote ${path.join(dir, 'inbox-live-latest.json')}\n`);
}

await main();
