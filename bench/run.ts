// `npm run bench`: the bare forwarder (the limit), the gateway on SQLite and, with
// BENCH_DATABASE_URL, on PostgreSQL, measured alternately (A B A B) with autocannon against the Meta
// simulator at zero latency. Writes bench/results/latest.json, appends history.csv, redraws the chart.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drawHistoryChart } from './chart.js';
import { cpuSeconds } from './processes.js';
import { freshPgSchema, load, startForwarder, startGateway, startSimulator, type Target } from './setup.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Measurement {
  rps: number;
  /** CPU time per request, in µs, of the server under test, the simulator and autocannon (Linux). */
  cpuUs?: { server: number; sim: number; load: number; postgres?: number };
  p50: number;
  p97_5: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** CPU seconds of every PostgreSQL server process on this machine (its backends do the writes). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(pid)) ?? 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

let simPid: number | undefined;

async function measure(t: Target, seconds: number): Promise<Measurement> {
  // PostgreSQL's own processes do part of that target's work; the other targets do not use it.
  const pgCpu = t.name === 'postgres' ? postgresCpuSeconds : undefined;
  const before = {
    server: cpuSeconds(t.child.proc.pid),
    sim: cpuSeconds(simPid),
    load: process.cpuUsage(),
    postgres: pgCpu?.(),
  };
  const result = await load(t, { duration: seconds, connections: CONNECTIONS });
  const server = cpuSeconds(t.child.proc.pid);
  const sim = cpuSeconds(simPid);
  const used = process.cpuUsage(before.load);
  const postgres = pgCpu && before.postgres !== undefined ? pgCpu() - before.postgres : undefined;
  const perReq = (s: number) => Math.round((s * 1e6) / Math.max(1, result.requests.total));
  const cpuUs =
    server !== undefined && sim !== undefined && before.server !== undefined && before.sim !== undefined
      ? {
          server: perReq(server - before.server),
          sim: perReq(sim - before.sim),
          load: perReq((used.user + used.system) / 1e6),
          ...(postgres !== undefined ? { postgres: perReq(postgres) } : {}),
        }
      : undefined;
  return {
    ...(cpuUs ? { cpuUs } : {}),
    rps: result.requests.average,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const sim = await startSimulator();
  simPid = sim.child.proc.pid;
  const simUrl = sim.url;
  const targets: Target[] = [await startForwarder(simUrl)];
  targets.push(
    await startGateway(
      'sqlite',
      `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-db-')), 'bench.db')}`,
      simUrl,
    ),
  );
  let pgSchema: { url: string; drop(): Promise<void> } | undefined;
  if (process.env.BENCH_DATABASE_URL) {
    pgSchema = await freshPgSchema(process.env.BENCH_DATABASE_URL);
    targets.push(await startGateway('postgres', pgSchema.url, simUrl));
  }
  const samples = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  try {
    for (const t of targets) await measure(t, WARMUP);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        const m = await measure(t, DURATION);
        samples.get(t.name)!.push(m);
        process.stdout.write(
          `round ${round} ${t.name.padEnd(9)} ${m.rps.toFixed(0).padStart(6)} req/s  p50 ${m.p50} ms  p97.5 ${m.p97_5} ms  p99 ${m.p99} ms  non2xx ${m.non2xx}  errors ${m.errors}${m.cpuUs ? `  cpu µs/req: server ${m.cpuUs.server} sim ${m.cpuUs.sim} autocannon ${m.cpuUs.load}${m.cpuUs.postgres !== undefined ? ` postgres ${m.cpuUs.postgres}` : ''}` : ''}\n`,
        );
      }
    }
  } finally {
    for (const t of targets) await t.child.stop();
    await sim.child.stop();
    await pgSchema?.drop();
  }
  report(samples);
}

function report(samples: Map<string, Measurement[]>): void {
  const summary = [...samples].map(([name, ms]) => ({
    name,
    rps: median(ms.map((m) => m.rps)),
    p50: median(ms.map((m) => m.p50)),
    p97_5: median(ms.map((m) => m.p97_5)),
    p99: median(ms.map((m) => m.p99)),
    non2xx: ms.reduce((a, m) => a + m.non2xx, 0),
    errors: ms.reduce((a, m) => a + m.errors, 0),
  }));
  const fwd = summary.find((s) => s.name === 'forwarder')!;
  const rows = summary.map((s) => ({ ...s, ratio: s.rps / fwd.rps, p99_over_forwarder_ms: s.p99 - fwd.p99 }));
  process.stdout.write('\ntarget      req/s   p50   p97.5   p99   ratio   p99-fwd\n');
  for (const r of rows)
    process.stdout.write(
      `${r.name.padEnd(9)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(5)} ${String(r.p97_5).padStart(7)} ${String(r.p99).padStart(5)}   ${(r.ratio * 100).toFixed(1).padStart(5)}%  ${r.p99_over_forwarder_ms >= 0 ? '+' : ''}${r.p99_over_forwarder_ms} ms\n`,
    );
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    // not a git checkout
  }
  const at = new Date().toISOString();
  const dir = path.join('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'latest.json'),
    JSON.stringify(
      {
        at,
        commit,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        rounds: ROUNDS,
        cpus: os.cpus().length,
        node: process.version,
        results: rows,
      },
      null,
      2,
    ) + '\n',
  );
  const csv = path.join(dir, 'history.csv');
  if (!fs.existsSync(csv)) fs.writeFileSync(csv, 'at,commit,target,rps,p50,p97_5,p99,ratio\n');
  for (const r of rows)
    fs.appendFileSync(
      csv,
      `${at},${commit},${r.name},${r.rps.toFixed(0)},${r.p50},${r.p97_5},${r.p99},${r.ratio.toFixed(4)}\n`,
    );
  drawHistoryChart(csv, path.join('docs', 'perf-history.svg'));
  process.stdout.write(`\nwrote ${path.join(dir, 'latest.json')}, appended ${csv}, drew docs/perf-history.svg\n`);
}

await main();
