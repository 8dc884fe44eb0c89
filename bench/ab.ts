// `npm run bench:ab`: gateways that differ only in how they are started, measured side by side in
// one run, so that a node flag or an environment setting is judged against the same machine state.
// Each variant is a space-separated list of node flags (`--…`) and environment settings (`K=V`);
// `fwd` is the bare forwarder. Every gateway is started with npm start's flags first, then the
// variant's. Prints req/s, p99 and the server's CPU per request for each variant and round.
//
// BENCH_AB_VARIANTS="fwd,--stack-size=984,--max-semi-space-size=128"  BENCH_AB_ROUNDS=3  BENCH_AB_SECONDS=8
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds } from './processes.js';
import { load, startForwarder, startGateway, startSimulator, type Target } from './setup.js';

const VARIANTS = (process.env.BENCH_AB_VARIANTS ?? 'fwd,').split(',');
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_AB_SECONDS ?? 8);

async function start(variant: string, simUrl: string): Promise<Target> {
  if (variant === 'fwd') return startForwarder(simUrl);
  const words = variant.split(' ').filter(Boolean);
  const flags = words.filter((w) => w.startsWith('--'));
  const env = words
    .filter((w) => !w.startsWith('--') && w.includes('='))
    .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] as const);
  // startChild passes this process's environment on: set the variant's only while it starts.
  for (const [k, v] of env) process.env[k] = v;
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-ab-'));
    return await startGateway('gateway', `sqlite:${path.join(dir, 'bench.db')}`, simUrl, flags);
  } finally {
    for (const [k] of env) delete process.env[k];
  }
}

const sim = await startSimulator();
const targets: [string, Target][] = [];
try {
  for (const v of VARIANTS) targets.push([v || '(npm start flags only)', await start(v, sim.url)]);
  for (const [, t] of targets) await load(t, { duration: 3 });
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, t] of targets) {
      const before = cpuSeconds(t.child.proc.pid) ?? NaN; // NaN off Linux: no /proc
      const r = await load(t, { duration: SECONDS });
      const us = (((cpuSeconds(t.child.proc.pid) ?? NaN) - before) * 1e6) / Math.max(1, r.requests.total);
      process.stdout.write(
        `round ${round}  ${name.padEnd(40)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p99 ${String(r.latency.p99).padStart(3)} ms  server ${us.toFixed(1).padStart(6)} µs/req  non2xx ${r.non2xx}  errors ${r.errors}\n`,
      );
    }
  }
} finally {
  for (const [, t] of targets) await t.child.stop();
  await sim.child.stop();
}
