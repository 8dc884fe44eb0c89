// `npm run bench:webhooks`: Meta's status webhooks into the gateway, on SQLite and, with
// BENCH_DATABASE_URL, on PostgreSQL (a fresh schema, dropped after). Each gateway is the compiled
// one in its own process (setup.ts's startGateway); the bench gives its organization a Meta app,
// sends real messages through /send-whatsapp to the simulator so that the statuses have rows to
// apply to, then posts signed status bodies (sent, delivered, read per message) in batches of 1,
// 10 and 100 with autocannon. A 200 only says the body is committed; the statuses are applied in
// the background, so each run also waits until no receipt is pending and reports the processed
// rate over the whole time, load plus catch-up. On SQLite a mixed run follows: sends at
// BENCH_SEND_RATE while statuses arrive at BENCH_MIXED_STATUS_RATE, against sends alone.
// Writes bench/results/webhooks-latest.json and appends bench/results/webhooks-history.csv.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { cpuSeconds } from './processes.js';
import { freshPgSchema, load, startGateway, startSimulator, TEXT_BODY, type Target } from './setup.js';
import {
  APP_ID,
  lifecycle,
  openProbe,
  paced,
  PostgresCpuMeter,
  seedApp,
  sign,
  statusBody,
  type Counts,
  type LoadResult,
  type Probe,
  type Status,
} from './webhooks-load.js';

const env = process.env;
const DURATION = Number(env.BENCH_DURATION ?? 10);
const WARMUP = Number(env.BENCH_WARMUP ?? 2);
/** Concurrent webhook POSTs: Meta delivers to one endpoint over a handful of connections. */
const CONNECTIONS = Number(env.BENCH_WEBHOOK_CONNECTIONS ?? 20);
const BATCHES = (env.BENCH_WEBHOOK_BATCHES ?? '1,10,100').split(',').map(Number);
/**
 * Statuses at most per batch-size run: each is a fresh (message, status), so the pool of sent
 * messages must hold a third as many messages per run. A run ends at BENCH_DURATION or when its
 * statuses are all posted, whichever comes first; the catch-up after it is bounded by this too.
 */
const STATUSES = Number(env.BENCH_WEBHOOK_STATUSES ?? 30_000);
/** PostgreSQL processes a few hundred statuses a second here: fewer, so that its catch-up stays short. */
const STATUSES_PG = Number(env.BENCH_WEBHOOK_STATUSES_PG ?? 9_000);
const SEND_RATE = Number(env.BENCH_SEND_RATE ?? 1000);
const SEND_CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
const MIXED_STATUS_RATE = Number(env.BENCH_MIXED_STATUS_RATE ?? 3000);
const MIXED_BATCH = 10;
const MIXED_CONNECTIONS = 10;
const DRAIN_TIMEOUT_S = Number(env.BENCH_DRAIN_TIMEOUT ?? 300);
const WARMUP_STATUSES = 3000;

interface Engine {
  name: 'sqlite' | 'postgres';
  gw: Target;
  /** The gateway's origin. */
  base: string;
  probe: Probe;
  simPid: number | undefined;
}

interface CpuUse {
  gateway: number;
  sim: number;
  load: number;
  postgres?: number;
}

interface WebhookResult {
  batch: number;
  connections: number;
  overallRate?: number;
  /** Wall time of the load, s. */
  loadSeconds: number;
  posts: number;
  statuses: number;
  postsPerSecond: number;
  /** Statuses per second acknowledged (committed as receipts), during the load. */
  ackStatusesPerSecond: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Load shape (webhooks-load.ts's paced explains the difference). */
  arrival: Arrival;
  /** Most receipts pending at once, sampled every 250 ms during the load. */
  maxBacklog: number;
  /** From the end of the load until no receipt was pending, s; null when BENCH_DRAIN_TIMEOUT ran out. */
  drainSeconds: number | null;
  /** Statuses per second over load plus catch-up: the rate the gateway can keep up with (see below on timeouts). */
  processedStatusesPerSecond: number;
  /** What the run left in the database: new message_statuses rows, of them applied, and failed receipts. */
  newStatusRows: number;
  newApplied: number;
  failedReceipts: number;
}

type Arrival = 'closed-loop' | 'autocannon-rate' | 'paced';

interface SendResult {
  overallRate?: number;
  arrival: Arrival;
  requests: number;
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

interface PhaseResult {
  label: string;
  engine: Engine['name'];
  webhook?: WebhookResult;
  send?: SendResult;
  /** CPU seconds over load plus catch-up, and µs per status posted when there were statuses. */
  cpuSeconds?: CpuUse;
  cpuUsPerStatus?: CpuUse;
  wallSeconds: number;
  /** In the mixed runs: which pair, and whether this is its sends alone or with statuses. */
  mixed?: { pair: string; role: 'alone' | 'with-statuses' };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuNow(e: Engine): { gateway?: number; sim?: number; load: NodeJS.CpuUsage } {
  return { gateway: cpuSeconds(e.gw.child.proc.pid), sim: cpuSeconds(e.simPid), load: process.cpuUsage() };
}

function cpuSince(e: Engine, before: ReturnType<typeof cpuNow>, postgres?: PostgresCpuMeter): CpuUse | undefined {
  const after = cpuNow(e);
  if (
    after.gateway === undefined ||
    before.gateway === undefined ||
    after.sim === undefined ||
    before.sim === undefined
  )
    return undefined; // no /proc
  const used = process.cpuUsage(before.load);
  return {
    gateway: after.gateway - before.gateway,
    sim: after.sim - before.sim,
    load: (used.user + used.system) / 1e6,
    ...(postgres ? { postgres: postgres.sample() } : {}),
  };
}

function fromAutocannon(r: autocannon.Result): LoadResult {
  return {
    requests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    max: r.latency.max,
  };
}

/**
 * Posts `statuses` in bodies of `batch`, each signed, each status once: closed loop over
 * `connections` (autocannon), at autocannon's overallRate, or paced evenly (webhooks-load.ts).
 */
async function postStatuses(
  e: Engine,
  statuses: Status[],
  batch: number,
  o: { duration: number; connections: number; overallRate?: number; paced?: boolean },
): Promise<LoadResult> {
  const bodies = Math.floor(statuses.length / batch);
  let next = 0;
  const request = () => {
    const i = next++;
    if (i >= bodies) return undefined;
    const body = statusBody(statuses.slice(i * batch, (i + 1) * batch));
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) } };
  };
  const path = `/webhooks/meta/${APP_ID}`;
  if (o.paced && o.overallRate)
    return paced({
      origin: e.base,
      path,
      rate: o.overallRate,
      duration: o.duration,
      connections: o.connections,
      next: request,
    });
  // autocannon builds each connection's next request before it knows the run is over, so up to
  // one body per connection is built and never sent: capping the sends that much below the
  // bodies there are means no body is ever built twice (no status posted twice).
  const max = bodies - o.connections;
  if (max < o.connections) throw new Error(`${statuses.length} statuses are too few for batches of ${batch}`);
  const r = await autocannon({
    url: `${e.base}${path}`,
    method: 'POST',
    connections: o.connections,
    duration: o.duration,
    maxOverallRequests: max,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    requests: [
      {
        setupRequest: (req) => {
          const built = request();
          if (!built) throw new Error('bench bug: more webhook bodies built than there are statuses');
          return { ...req, method: 'POST', ...built };
        },
      },
    ],
  });
  return fromAutocannon(r);
}

async function sendMessages(
  e: Engine,
  o: { duration: number; overallRate?: number; paced?: boolean },
): Promise<LoadResult> {
  if (o.paced && o.overallRate) {
    const url = new URL(e.gw.url);
    return paced({
      origin: url.origin,
      path: url.pathname + url.search,
      rate: o.overallRate,
      duration: o.duration,
      connections: SEND_CONNECTIONS,
      next: () => ({ body: TEXT_BODY, headers: e.gw.headers }),
    });
  }
  const r = await autocannon({
    url: e.gw.url,
    method: 'POST',
    headers: e.gw.headers,
    body: TEXT_BODY,
    connections: SEND_CONNECTIONS,
    duration: o.duration,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
  });
  return fromAutocannon(r);
}

/** Seconds until no receipt is pending, polled every 20 ms; null after DRAIN_TIMEOUT_S. */
async function drain(probe: Probe, since: number): Promise<number | null> {
  for (;;) {
    if ((await probe.pending()) === 0) return (performance.now() - since) / 1000;
    if (performance.now() - since > DRAIN_TIMEOUT_S * 1000) return null;
    await sleep(20);
  }
}

/** The unused sent messages' ids, sending more through /send-whatsapp first if there are fewer than `n`. */
async function pool(e: Engine, n: number): Promise<string[]> {
  let have = await e.probe.wamids();
  if (have.length < n) {
    const amount = Math.max(SEND_CONNECTIONS, n - have.length + SEND_CONNECTIONS);
    const started = performance.now();
    const r = await load(e.gw, { amount, connections: SEND_CONNECTIONS });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`seeding sends: ${r.non2xx} non-2xx, ${r.errors} errors`);
    have = await e.probe.wamids();
    process.stdout.write(
      `${e.name}: sent ${amount} messages for their wamids in ${((performance.now() - started) / 1000).toFixed(1)} s (${r.requests.average.toFixed(0)} req/s)\n`,
    );
  }
  if (have.length < n) throw new Error(`${e.name}: only ${have.length} sent messages, ${n} needed`);
  return have.slice(0, n);
}

async function phase(
  e: Engine,
  label: string,
  spec: {
    duration: number;
    webhook?: { statuses: Status[]; batch: number; connections: number; overallRate?: number; paced?: boolean };
    send?: { overallRate?: number; paced?: boolean };
  },
): Promise<PhaseResult> {
  const before: Counts = await e.probe.counts();
  const cpu0 = cpuNow(e);
  const pgCpu = e.name === 'postgres' ? new PostgresCpuMeter(cpuSeconds) : undefined;
  const pgTimer = pgCpu ? setInterval(() => pgCpu.sample(), 250) : undefined;
  const started = performance.now();
  let maxBacklog = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxBacklog = Math.max(maxBacklog, await e.probe.pending());
      await sleep(250);
    }
  })();
  const [wh, send] = await Promise.all([
    spec.webhook
      ? postStatuses(e, spec.webhook.statuses, spec.webhook.batch, {
          duration: spec.duration,
          connections: spec.webhook.connections,
          ...(spec.webhook.overallRate ? { overallRate: spec.webhook.overallRate } : {}),
          ...(spec.webhook.paced ? { paced: true } : {}),
        })
      : undefined,
    spec.send ? sendMessages(e, { duration: spec.duration, ...spec.send }) : undefined,
  ]);
  const loadEnd = performance.now();
  sampling = false;
  await sampler;
  const drainSeconds = spec.webhook ? await drain(e.probe, loadEnd) : 0;
  clearInterval(pgTimer);
  const cpu = cpuSince(e, cpu0, pgCpu);
  const wallSeconds = (performance.now() - started) / 1000;
  const after = await e.probe.counts();
  const loadSeconds = (loadEnd - started) / 1000;
  const out: PhaseResult = { label, engine: e.name, wallSeconds, ...(cpu ? { cpuSeconds: cpu } : {}) };
  if (wh && spec.webhook) {
    const posts = wh.ok;
    const statuses = posts * spec.webhook.batch;
    out.webhook = {
      batch: spec.webhook.batch,
      connections: spec.webhook.connections,
      ...(spec.webhook.overallRate ? { overallRate: spec.webhook.overallRate } : {}),
      arrival: spec.webhook.paced ? 'paced' : spec.webhook.overallRate ? 'autocannon-rate' : 'closed-loop',
      loadSeconds,
      posts,
      statuses,
      postsPerSecond: posts / loadSeconds,
      ackStatusesPerSecond: statuses / loadSeconds,
      p50: wh.p50,
      p97_5: wh.p97_5,
      p99: wh.p99,
      max: wh.max,
      non2xx: wh.non2xx,
      errors: wh.errors,
      maxBacklog,
      drainSeconds,
      // After a timeout, the rate of what was applied by then: a floor, not the rate it would finish at.
      processedStatusesPerSecond:
        drainSeconds === null
          ? (after.applied - before.applied) / ((performance.now() - started) / 1000)
          : statuses / (loadSeconds + drainSeconds),
      newStatusRows: after.statuses - before.statuses,
      newApplied: after.applied - before.applied,
      failedReceipts: after.failedReceipts - before.failedReceipts,
    };
    if (cpu && statuses > 0) {
      const per = (s: number) => Math.round((s * 1e6) / statuses);
      out.cpuUsPerStatus = {
        gateway: per(cpu.gateway),
        sim: per(cpu.sim),
        load: per(cpu.load),
        ...(cpu.postgres !== undefined ? { postgres: per(cpu.postgres) } : {}),
      };
    }
  }
  if (send) {
    out.send = {
      ...(spec.send?.overallRate ? { overallRate: spec.send.overallRate } : {}),
      arrival: spec.send?.paced ? 'paced' : spec.send?.overallRate ? 'autocannon-rate' : 'closed-loop',
      requests: send.requests,
      rps: send.requests / loadSeconds,
      p50: send.p50,
      p97_5: send.p97_5,
      p99: send.p99,
      max: send.max,
      non2xx: send.non2xx,
      errors: send.errors,
    };
  }
  printPhase(out);
  return out;
}

const f0 = (n: number) => n.toFixed(0);

function printPhase(p: PhaseResult): void {
  const parts = [`${p.engine.padEnd(8)} ${p.label.padEnd(52)}`];
  const w = p.webhook;
  if (w)
    parts.push(
      `webhooks ${f0(w.postsPerSecond)} POSTs/s ${f0(w.ackStatusesPerSecond)} statuses/s acked, p50 ${w.p50} p97.5 ${w.p97_5} p99 ${w.p99} max ${w.max} ms, non2xx ${w.non2xx} errors ${w.errors}; backlog ≤ ${w.maxBacklog} receipts, caught up ${w.drainSeconds === null ? 'NEVER' : `${w.drainSeconds.toFixed(2)} s`} after; processed ${f0(w.processedStatusesPerSecond)} statuses/s (${w.newApplied}/${w.statuses} applied)`,
    );
  const s = p.send;
  if (s)
    parts.push(
      `send ${f0(s.rps)} req/s p50 ${s.p50} p97.5 ${s.p97_5} p99 ${s.p99} ms non2xx ${s.non2xx} errors ${s.errors}`,
    );
  const c = p.cpuSeconds;
  if (c)
    parts.push(
      `cpu s: gateway ${c.gateway.toFixed(1)} sim ${c.sim.toFixed(1)} autocannon ${c.load.toFixed(1)}${c.postgres !== undefined ? ` postgres ${c.postgres.toFixed(1)}` : ''} over ${p.wallSeconds.toFixed(1)} s`,
    );
  process.stdout.write(parts.join('\n    ') + '\n');
}

/** One signed status through the route before any load: the app, the routing and a real row all work. */
async function smokeTest(e: Engine, wamid: string): Promise<void> {
  const body = statusBody([{ wamid, status: 'sent' }]);
  const res = await fetch(`${e.base}/webhooks/meta/${APP_ID}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
    body,
  });
  if (res.status !== 200) throw new Error(`${e.name}: webhook answered ${res.status}: ${await res.text()}`);
  if ((await drain(e.probe, performance.now())) === null)
    throw new Error(`${e.name}: the smoke webhook never processed`);
  const c = await e.probe.counts();
  if (c.applied < 1)
    throw new Error(`${e.name}: the smoke status was not applied to its message (${JSON.stringify(c)})`);
}

async function benchEngine(e: Engine): Promise<PhaseResult[]> {
  const perBatch = Math.floor((e.name === 'postgres' ? STATUSES_PG : STATUSES) / 3);
  const mixedMessages =
    e.name === 'sqlite' ? Math.ceil((MIXED_STATUS_RATE * DURATION * 1.1) / 3) + MIXED_CONNECTIONS * 10 : 0;
  const all = await pool(e, 1 + WARMUP_STATUSES / 3 + perBatch * BATCHES.length + 3 * mixedMessages);
  let at = 0;
  const take = (n: number) => lifecycle(all.slice(at, (at += n)));
  await smokeTest(e, all[at++]!);
  const results: PhaseResult[] = [];
  if (WARMUP > 0)
    await phase(e, 'warm-up', {
      duration: WARMUP,
      webhook: { statuses: take(WARMUP_STATUSES / 3), batch: 10, connections: CONNECTIONS },
    });
  for (const batch of BATCHES)
    results.push(
      await phase(e, `batch ${batch}`, {
        duration: DURATION,
        webhook: { statuses: take(perBatch), batch, connections: CONNECTIONS },
      }),
    );
  if (e.name !== 'sqlite') return results;
  // Each pair is sends alone, then the same sends with statuses arriving, back to back on the same
  // gateway. autocannon's overallRate arrives in bursts at the start of every second; the paced
  // pair is the same rates spread evenly; the last pair sends as fast as it can (closed loop).
  const pairs: { pair: string; send: { overallRate?: number; paced?: boolean }; paced: boolean }[] = [
    { pair: `${SEND_RATE}/s autocannon overallRate`, send: { overallRate: SEND_RATE }, paced: false },
    { pair: `${SEND_RATE}/s paced`, send: { overallRate: SEND_RATE, paced: true }, paced: true },
    { pair: 'max (closed loop), statuses paced', send: {}, paced: true },
  ];
  for (const p of pairs) {
    const alone = await phase(e, `send ${p.pair}`, { duration: DURATION, send: p.send });
    results.push({ ...alone, mixed: { pair: p.pair, role: 'alone' } });
    const withStatuses = await phase(e, `send ${p.pair} + ${MIXED_STATUS_RATE} st/s`, {
      duration: DURATION,
      send: p.send,
      webhook: {
        statuses: take(mixedMessages),
        batch: MIXED_BATCH,
        connections: MIXED_CONNECTIONS,
        overallRate: MIXED_STATUS_RATE / MIXED_BATCH,
        paced: p.paced,
      },
    });
    results.push({ ...withStatuses, mixed: { pair: p.pair, role: 'with-statuses' } });
  }
  return results;
}

function gitInfo(): { commit: string; dirty: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
    // The gateway under test is built from the working tree: say what in it differs from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'meta-sim', 'bin', 'package.json'])
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim());
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

function report(results: PhaseResult[], git: { commit: string; dirty: string[] }): void {
  process.stdout.write(
    '\nengine   run                                POSTs/s  statuses/s  p50  p97.5  p99  non2xx  catch-up s  processed st/s  gw µs/st\n',
  );
  for (const r of results.filter((r) => r.webhook && !r.send)) {
    const w = r.webhook!;
    process.stdout.write(
      `${r.engine.padEnd(8)} ${r.label.padEnd(34)} ${f0(w.postsPerSecond).padStart(7)} ${f0(w.ackStatusesPerSecond).padStart(11)} ${String(w.p50).padStart(4)} ${String(w.p97_5).padStart(6)} ${String(w.p99).padStart(4)} ${String(w.non2xx).padStart(7)} ${(w.drainSeconds === null ? 'never' : w.drainSeconds.toFixed(2)).padStart(11)} ${f0(w.processedStatusesPerSecond).padStart(15)} ${String(r.cpuUsPerStatus?.gateway ?? '').padStart(9)}\n`,
    );
  }
  const mixed = results.filter((r) => r.send);
  if (mixed.length > 0) {
    process.stdout.write(
      `\n${'mixed (sqlite)'.padEnd(52)} send req/s  p50  p97.5  p99  | webhook POSTs/s  st/s  ack p50  p99  non2xx  catch-up s  processed st/s  gw cores\n`,
    );
    for (const r of mixed) {
      const s = r.send!;
      const w = r.webhook;
      process.stdout.write(
        `${r.label.padEnd(52)} ${f0(s.rps).padStart(10)} ${String(s.p50).padStart(4)} ${String(s.p97_5).padStart(6)} ${String(s.p99).padStart(4)}  | ${w ? `${f0(w.postsPerSecond).padStart(15)} ${f0(w.ackStatusesPerSecond).padStart(5)} ${String(w.p50).padStart(8)} ${String(w.p99).padStart(4)} ${String(w.non2xx).padStart(7)} ${(w.drainSeconds === null ? 'never' : w.drainSeconds.toFixed(2)).padStart(11)} ${f0(w.processedStatusesPerSecond).padStart(15)}` : ''.padEnd(73)} ${r.cpuSeconds ? (r.cpuSeconds.gateway / r.wallSeconds).toFixed(2).padStart(8) : ''}\n`,
      );
    }
  }
  const targets = verdicts(results);
  process.stdout.write('\n');
  for (const t of targets) process.stdout.write(`${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.measured}\n`);
  const { commit, dirty } = git;
  const at = new Date().toISOString();
  const dir = path.join('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'webhooks-latest.json'),
    JSON.stringify(
      {
        at,
        commit,
        uncommittedChangesUnderTest: dirty,
        cpus: os.cpus().length,
        node: process.version,
        durationSeconds: DURATION,
        webhookConnections: CONNECTIONS,
        statusesPerRun: { sqlite: STATUSES, postgres: STATUSES_PG },
        sendRate: SEND_RATE,
        sendConnections: SEND_CONNECTIONS,
        mixedStatusRate: MIXED_STATUS_RATE,
        mixedBatch: MIXED_BATCH,
        targets,
        results,
      },
      null,
      2,
    ) + '\n',
  );
  const csv = path.join(dir, 'webhooks-history.csv');
  if (!fs.existsSync(csv))
    fs.writeFileSync(
      csv,
      'at,commit,engine,run,batch,posts_s,ack_statuses_s,p50,p97_5,p99,non2xx,catchup_s,processed_statuses_s,send_rps,send_p99\n',
    );
  for (const r of results) {
    const w = r.webhook;
    const s = r.send;
    fs.appendFileSync(
      csv,
      [
        at,
        commit,
        r.engine,
        JSON.stringify(r.label),
        w?.batch ?? '',
        w ? f0(w.postsPerSecond) : '',
        w ? f0(w.ackStatusesPerSecond) : '',
        w?.p50 ?? '',
        w?.p97_5 ?? '',
        w?.p99 ?? '',
        w?.non2xx ?? '',
        w?.drainSeconds?.toFixed(2) ?? '',
        w ? f0(w.processedStatusesPerSecond) : '',
        s ? f0(s.rps) : '',
        s?.p99 ?? '',
      ].join(',') + '\n',
    );
  }
  process.stdout.write(`\nwrote ${path.join(dir, 'webhooks-latest.json')}, appended ${csv}\n`);
}

/** The issue's targets against this run. */
function verdicts(results: PhaseResult[]): { target: string; met: boolean; measured: string }[] {
  const out: { target: string; met: boolean; measured: string }[] = [];
  const pairs = [...new Set(results.flatMap((r) => (r.mixed ? [r.mixed.pair] : [])))];
  for (const pair of pairs) {
    const alone = results.find((r) => r.mixed?.pair === pair && r.mixed.role === 'alone')?.send;
    const mixed = results.find((r) => r.mixed?.pair === pair && r.mixed.role === 'with-statuses');
    const w = mixed?.webhook;
    if (!alone || !mixed?.send || !w) continue;
    out.push({
      target: `SQLite absorbs ${MIXED_STATUS_RATE} statuses/s with ack p99 < 50 ms, sending ${pair}`,
      met:
        w.p99 < 50 &&
        w.non2xx === 0 &&
        w.errors === 0 &&
        w.ackStatusesPerSecond >= 0.97 * MIXED_STATUS_RATE &&
        w.processedStatusesPerSecond >= 0.97 * MIXED_STATUS_RATE,
      measured: `acked ${f0(w.ackStatusesPerSecond)}/s, processed ${f0(w.processedStatusesPerSecond)}/s (caught up ${w.drainSeconds?.toFixed(2) ?? 'never'} s after), ack p99 ${w.p99} ms`,
    });
    out.push({
      target: `send path (${pair}) not down more than 10% with the statuses arriving`,
      met: mixed.send.rps >= 0.9 * alone.rps,
      measured: `${f0(mixed.send.rps)} vs ${f0(alone.rps)} req/s alone (${((mixed.send.rps / alone.rps - 1) * 100).toFixed(1)}%); p50 ${mixed.send.p50} vs ${alone.p50} ms, p99 ${mixed.send.p99} vs ${alone.p99} ms`,
    });
  }
  const pgRuns = results.filter((r) => r.engine === 'postgres' && r.webhook && !r.send);
  if (pgRuns.length > 0)
    out.push({
      target: 'PostgreSQL processes at least 1,000 statuses/s (each batch size)',
      met: pgRuns.every((r) => r.webhook!.processedStatusesPerSecond >= 1000),
      measured: pgRuns.map((r) => `${r.label}: ${f0(r.webhook!.processedStatusesPerSecond)}/s`).join(', '),
    });
  return out;
}

async function main(): Promise<void> {
  // Read now, as `npm run build` has just compiled the tree: others may commit while the bench runs.
  const git = gitInfo();
  const sim = await startSimulator();
  const results: PhaseResult[] = [];
  const engines: { name: Engine['name']; url: () => Promise<{ url: string; drop(): Promise<void> }> }[] = [
    {
      name: 'sqlite',
      url: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-webhooks-db-'));
        return {
          url: `sqlite:${path.join(dir, 'bench.db')}`,
          drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
        };
      },
    },
  ];
  if (env.BENCH_DATABASE_URL) engines.push({ name: 'postgres', url: () => freshPgSchema(env.BENCH_DATABASE_URL!) });
  try {
    for (const spec of engines) {
      const db = await spec.url();
      let gw: Target | undefined;
      let probe: Probe | undefined;
      try {
        gw = await startGateway(spec.name, db.url, sim.url);
        await seedApp(db.url);
        probe = await openProbe(db.url);
        const e: Engine = { name: spec.name, gw, base: new URL(gw.url).origin, probe, simPid: sim.child.proc.pid };
        results.push(...(await benchEngine(e)));
      } finally {
        await probe?.close();
        await gw?.child.stop();
        await db.drop();
      }
    }
  } finally {
    await sim.child.stop();
  }
  report(results, git);
}

await main();
