// `npm run bench:profile`: where the gateway's CPU goes under the bench's load. Starts the
// simulator and a gateway (SQLite, or PostgreSQL with BENCH_DATABASE_URL) under `node --cpu-prof`,
// loads it with autocannon, stops it, and prints self time by function and by where the code lives
// (our files, each package, Node's internals). The .cpuprofile file is kept for a flame graph
// (Chrome DevTools or speedscope open it).
//
// BENCH_PROFILE_SECONDS=10  BENCH_PROFILE_TOP=40  BENCH_PROFILE_TARGET=gateway|forwarder
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshPgSchema, load, startForwarder, startGateway, startSimulator, type Target } from './setup.js';

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 40);
const TARGET = process.env.BENCH_PROFILE_TARGET ?? 'gateway';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: `src/…` file, a package name, `node:` internals, or V8's own. */
function place(url: string): string {
  if (!url) return '(v8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url;
}

function table(title: string, totals: Map<string, number>, requests: number): void {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    process.stdout.write(`${(v / requests).toFixed(2).padStart(8)}  ${k}\n`);
  }
}

function frameName(f: ProfileNode['callFrame']): string {
  return `${f.functionName || '(anonymous)'}  ${place(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
}

function summarize(file: string, requests: number): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let all = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const f = byId.get(id)!.callFrame;
    all += dt;
    if (f.functionName === '(idle)') {
      idle += dt;
      return;
    }
    const fn = frameName(f);
    self.set(fn, (self.get(fn) ?? 0) + dt);
    byPlace.set(place(f.url), (byPlace.get(place(f.url)) ?? 0) + dt);
    // Inclusive: each function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const name = frameName(byId.get(cur)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  });
  const busy = all - idle;
  process.stdout.write(
    `\n${requests} requests; profile of ${(all / 1e6).toFixed(1)} s, idle ${((100 * idle) / all).toFixed(1)}%; busy main-thread time ${(busy / requests).toFixed(1)} µs per request (start-up and warm-up included; the profiler itself adds some)\n`,
  );
  table('self time by where the code lives (µs per request)', byPlace, requests);
  table('self time by function (µs per request)', self, requests);
  table('total time by function, callees included (µs per request)', inclusive, requests);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-profile-'));
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'];
  const sim = await startSimulator();
  let target: Target | undefined;
  // PostgreSQL: a fresh schema, as npm run bench uses, so that seeding never meets an earlier run.
  const pgSchema =
    process.env.BENCH_DATABASE_URL && TARGET !== 'forwarder'
      ? await freshPgSchema(process.env.BENCH_DATABASE_URL)
      : undefined;
  let requests = 0;
  try {
    const databaseUrl = pgSchema?.url ?? `sqlite:${path.join(dir, 'bench.db')}`;
    target =
      TARGET === 'forwarder'
        ? await startForwarder(sim.url, prof)
        : await startGateway('gateway', databaseUrl, sim.url, prof);
    const warm = await load(target, { duration: 3 });
    const measured = await load(target, { duration: SECONDS });
    if (warm.non2xx + measured.non2xx + warm.errors + measured.errors > 0)
      throw new Error('non-2xx answers or errors under load: fix those before profiling');
    requests = warm.requests.total + measured.requests.total;
    process.stdout.write(`${TARGET}: ${measured.requests.average} req/s over ${SECONDS} s\n`);
  } finally {
    await target?.child.stop();
    await sim.child.stop();
    await pgSchema?.drop();
  }
  // One file per thread (the checkpointer and tsx's loader have their own): the main thread's
  // is the largest by far.
  const file = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => fs.statSync(path.join(dir, b)).size - fs.statSync(path.join(dir, a)).size)[0];
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  summarize(path.join(dir, file), requests);
  process.stdout.write(`\nprofile: ${path.join(dir, file)}\n`);
}

await main();
