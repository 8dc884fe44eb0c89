// `npm run bench:events`: events delivered to a tenant's endpoint (src/events/), on SQLite and,
// with BENCH_DATABASE_URL, on PostgreSQL (a fresh schema, dropped after). Each gateway is the
// compiled one in its own process (setup.ts's startGateway, with EVENTS_ALLOW_PRIVATE_NETWORKS so
// that it may deliver to 127.0.0.1); the receiver is bench/events-receiver.ts in another, answering
// 204 at once. The bench gives the organization a Meta app, sends real messages through
// /send-whatsapp so that statuses have rows to apply to, registers one endpoint through the tenant
// API, and drives events by posting signed status webhooks (each applied status writes one
// `message.status` event in its transaction). Runs, per engine:
//   - ingest, 0 endpoints / 1 endpoint (twice each, alternating): status webhooks at full speed
//     (closed loop, batches of BENCH_EVENTS_BATCH over 20 connections); processed statuses/s as
//     bench:webhooks counts them. With 0 endpoints the event rows are written all the same (the
//     outbox always is): what differs is the delivery row per event and the dispatcher delivering
//     them meanwhile. The endpoint is disabled for the 0-endpoint runs (a disabled one gets none).
//   - backlog: the first 0-endpoint run's events replayed to the endpoint at once (replayEvents,
//     as `flowiq events replay` does): the dispatcher alone, as fast as it drains.
//   - steady: statuses paced at each of BENCH_EVENTS_RATES per second for BENCH_EVENTS_STEADY_SECONDS.
// For each: events/s at the receiver, and the delay from commit to arrival (the envelope's
// `timestamp` is the event's created_at; arrival is the receiver's clock, the same machine's).
// Writes bench/results/events-latest.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { replayEvents } from '../src/events/replay.js';
import { createContext } from '../src/server/context.js';
import { cpuSeconds, freePort, startChild, startFlags, type Child } from './processes.js';
import { freshPgSchema, SECRET, startGateway, startSimulator, type Target } from './setup.js';
import { openOutboxProbe, type OutboxCounts, type OutboxProbe } from './events-probe.js';
import {
  APP_ID,
  lifecycle,
  openProbe,
  paced,
  PostgresCpuMeter,
  seedApp,
  sign,
  statusBody,
  type Probe,
  type Status,
} from './webhooks-load.js';

const env = process.env;
type EngineName = 'sqlite' | 'postgres';
const numbers = (s: string) => s.split(',').map(Number);
const DURATION = Number(env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(env.BENCH_WEBHOOK_CONNECTIONS ?? 20);
const BATCH = Number(env.BENCH_EVENTS_BATCH ?? 10);
/** Statuses per full-speed ingest run (each is a fresh message's sent, delivered or read). */
const STATUSES: Record<EngineName, number> = {
  sqlite: Number(env.BENCH_EVENTS_STATUSES ?? 20_000),
  postgres: Number(env.BENCH_EVENTS_STATUSES_PG ?? 6_000),
};
const RATES: Record<EngineName, number[]> = {
  sqlite: numbers(env.BENCH_EVENTS_RATES ?? '500,2000'),
  postgres: numbers(env.BENCH_EVENTS_RATES_PG ?? '250,500'),
};
const STEADY_SECONDS = Number(env.BENCH_EVENTS_STEADY_SECONDS ?? 15);
/**
 * Conversations the statuses are spread over. A conversation's events reach an endpoint one at a
 * time, in commit order (docs/EVENTS.md), so one conversation is delivered at one round trip per
 * event; a business's traffic is many conversations at once.
 */
const CONVERSATIONS = Number(env.BENCH_EVENTS_CONVERSATIONS ?? 500);
const customer = (i: number) => `+2781${String(1_000_000 + i).slice(1)}`;

/** The bench's customers, beside setup.ts's one contact: a conversation each once messaged. */
async function seedCustomers(databaseUrl: string): Promise<void> {
  const ctx = await createContext(
    loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: os.tmpdir(), FLOWIQ_SECRET: SECRET }),
    SECRET,
  );
  try {
    const org = (await ctx.organizations.list()).find((o) => o.slug === 'bench');
    if (!org) throw new Error('bench organization missing');
    for (let i = 0; i < CONVERSATIONS; i++) await ctx.contacts.create(org.id, { phone_number: customer(i) });
  } finally {
    await ctx.close();
  }
}

/** Text messages through /send-whatsapp, each to the next customer in turn. */
function sendToCustomers(target: Target, amount: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    connections: 50,
    amount,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            phone_number: customer(next++ % CONVERSATIONS),
            message_type: 'text',
            text: 'Benchmark message from FlowIQ',
          }),
        }),
      },
    ],
  });
}
/** How long a run may take to catch up (receipts processed, deliveries delivered) after its load. */
const DRAIN_TIMEOUT_S = Number(env.BENCH_DRAIN_TIMEOUT ?? 120);
const WARMUP_STATUSES = 3000;
const TARGET_RATE = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f0 = (n: number) => n.toFixed(0);
const epochNow = () => performance.timeOrigin + performance.now();

type Received = [arrival: number, timestamp: number, id: string, messageId: string, status: string];

interface Receiver {
  child: Child;
  url: string;
  count(): Promise<number>;
  records(from: number): Promise<Received[]>;
}

async function startReceiver(): Promise<Receiver> {
  const port = await freePort();
  const child = await startChild(
    [...startFlags(), '--import', 'tsx', 'bench/events-receiver.ts'],
    { PORT: String(port) },
    /listening/,
  );
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    url: `${base}/events`,
    count: async () => ((await (await fetch(`${base}/count`)).json()) as { count: number }).count,
    records: async (from) => (await (await fetch(`${base}/records?from=${from}`)).json()) as Received[],
  };
}

interface Engine {
  name: EngineName;
  databaseUrl: string;
  gw: Target;
  base: string;
  probe: Probe;
  outbox: OutboxProbe;
  receiver: Receiver;
  simPid: number | undefined;
  endpoint?: { id: string; enabled: boolean };
  /** Every event id the receiver has had, over the whole engine's runs: duplicates across runs too. */
  seen: Set<string>;
  /** Per message, the rank of the last status it received: the order check. */
  lastRank: Map<string, number>;
}

interface Delay {
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}

interface CpuUse {
  gateway: number;
  receiver: number;
  /** The bench process: autocannon or the paced generator, and the probes. */
  load: number;
  postgres?: number;
}

interface RunResult {
  engine: EngineName;
  label: string;
  kind: 'ingest' | 'backlog' | 'steady';
  endpoints: 0 | 1;
  /** Statuses posted (2xx), and the rate asked for when paced. */
  statuses: number;
  rate?: number;
  loadSeconds: number;
  /** Until no receipt was pending: load plus catch-up. */
  processedSeconds: number | null;
  processedStatusesPerSecond: number;
  /** events and event_deliveries rows written by this run. */
  eventsWritten: number;
  deliveriesWritten: number;
  /** At the receiver: deliveries, of them first seen, and seen before (duplicates). */
  received: number;
  distinct: number;
  duplicates: number;
  /** Statuses of a message that arrived after a later one of the same message. */
  outOfOrder: number;
  /** Events/s at the receiver: received / (last arrival − run start), or − first arrival for a backlog. */
  deliveredPerSecond: number;
  /** Last arrival after the end of the load, s. */
  lastArrivalAfterLoadSeconds: number | null;
  /** Arrival − the event's timestamp, ms (not for a backlog: its events are old by design). */
  delayMs?: Delay;
  /** Deliveries still pending when the run gave up waiting (0 when it caught up). */
  pendingLeft: number;
  failedAttempts: number;
  ackP99: number;
  non2xx: number;
  errors: number;
  wallSeconds: number;
  cpuSeconds?: CpuUse;
  /** Gateway CPU µs per event delivered (runs with an endpoint) or per status (without). */
  gatewayCpuUsPerEvent?: number;
  gatewayCpuUsPerStatus?: number;
  replaySeconds?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

function cpuNow(e: Engine) {
  return {
    gateway: cpuSeconds(e.gw.child.proc.pid),
    receiver: cpuSeconds(e.receiver.child.proc.pid),
    load: process.cpuUsage(),
  };
}

function cpuSince(e: Engine, before: ReturnType<typeof cpuNow>, pgCpu?: PostgresCpuMeter): CpuUse | undefined {
  const after = cpuNow(e);
  if (
    after.gateway === undefined ||
    before.gateway === undefined ||
    after.receiver === undefined ||
    before.receiver === undefined
  )
    return undefined;
  const used = process.cpuUsage(before.load);
  return {
    gateway: after.gateway - before.gateway,
    receiver: after.receiver - before.receiver,
    load: (used.user + used.system) / 1e6,
    ...(pgCpu ? { postgres: pgCpu.sample() } : {}),
  };
}

/** Posts the statuses in bodies of BATCH, each once: closed loop (autocannon) or paced at `rate` statuses/s. */
async function postStatuses(
  e: Engine,
  statuses: Status[],
  o: { duration: number; rate?: number },
): Promise<{ ok: number; non2xx: number; errors: number; p99: number }> {
  const bodies = Math.floor(statuses.length / BATCH);
  let next = 0;
  const request = () => {
    const i = next++;
    if (i >= bodies) return undefined;
    const body = statusBody(statuses.slice(i * BATCH, (i + 1) * BATCH));
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) } };
  };
  const route = `/webhooks/meta/${APP_ID}`;
  if (o.rate !== undefined) {
    const r = await paced({
      origin: e.base,
      path: route,
      rate: o.rate / BATCH,
      duration: o.duration,
      connections: CONNECTIONS,
      next: request,
    });
    return { ok: r.ok, non2xx: r.non2xx, errors: r.errors, p99: r.p99 };
  }
  // As bench:webhooks: autocannon builds one body per connection that it never sends, so it is
  // capped that much below the bodies there are, and no status is ever posted twice.
  const r = await autocannon({
    url: `${e.base}${route}`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: o.duration,
    maxOverallRequests: bodies - CONNECTIONS,
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
  return { ok: r['2xx'], non2xx: r.non2xx, errors: r.errors + r.timeouts, p99: r.latency.p99 };
}

/** Seconds from `since` until `done()`, polled every 20 ms; null after DRAIN_TIMEOUT_S. */
async function until(done: () => Promise<boolean>, since: number): Promise<number | null> {
  for (;;) {
    if (await done()) return (performance.now() - since) / 1000;
    if (performance.now() - since > DRAIN_TIMEOUT_S * 1000) return null;
    await sleep(20);
  }
}

async function api(e: Engine, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${e.base}${route}${route.includes('?') ? '&' : '?'}tenantId=bench`, {
    method,
    headers: e.gw.headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/** The endpoint as the tenant API shows it: enabled or not, as each run needs. */
async function setEndpoint(e: Engine, enabled: boolean): Promise<void> {
  if (!e.endpoint) {
    if (!enabled) return;
    const created = (await api(e, 'POST', '/api/webhook-endpoints', {
      url: e.receiver.url,
      event_types: ['message.status'],
      description: 'bench:events receiver',
    })) as { data: { id: string } };
    e.endpoint = { id: created.data.id, enabled: true };
    return;
  }
  if (e.endpoint.enabled === enabled) return;
  if (enabled) await api(e, 'PATCH', `/api/webhook-endpoints/${e.endpoint.id}`, { enabled: true });
  else await api(e, 'POST', `/api/webhook-endpoints/${e.endpoint.id}/disable`, { reason: 'bench: 0 endpoints' });
  e.endpoint.enabled = enabled;
  // The processor reads the endpoints once per batch, before its transaction: let a batch in flight pass.
  await sleep(200);
}

/** Replays to the endpoint every event committed since `since`; how many, and how long that took. */
async function replay(e: Engine, since: string): Promise<{ n: number; seconds: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-events-replay-'));
  const config = loadConfig({ DATABASE_URL: e.databaseUrl, DATA_DIR: dataDir, FLOWIQ_SECRET: SECRET });
  const ctx = await createContext(config, SECRET);
  try {
    const org = (await ctx.organizations.list()).find((o) => o.slug === 'bench');
    if (!org) throw new Error('no bench organization');
    const started = performance.now();
    const n = await replayEvents(ctx.db, { organizationId: org.id, endpointId: e.endpoint!.id, since });
    return { n, seconds: (performance.now() - started) / 1000 };
  } finally {
    await ctx.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

async function run(
  e: Engine,
  label: string,
  spec:
    | { kind: 'ingest'; endpoints: 0 | 1; statuses: Status[] }
    | { kind: 'steady'; statuses: Status[]; rate: number }
    | { kind: 'backlog'; since: string },
): Promise<RunResult> {
  const endpoints = spec.kind === 'ingest' ? spec.endpoints : 1;
  await setEndpoint(e, endpoints === 1);
  const before: OutboxCounts = await e.outbox.counts();
  const appliedBefore = (await e.probe.counts()).applied;
  const from = await e.receiver.count();
  const cpu0 = cpuNow(e);
  const pgCpu = e.name === 'postgres' ? new PostgresCpuMeter(cpuSeconds) : undefined;
  const pgTimer = pgCpu ? setInterval(() => pgCpu.sample(), 250) : undefined;
  const started = performance.now();
  const startedEpoch = epochNow();
  let wh = { ok: 0, non2xx: 0, errors: 0, p99: 0 };
  let replaySeconds: number | undefined;
  if (spec.kind === 'backlog') replaySeconds = (await replay(e, spec.since)).seconds;
  else
    wh = await postStatuses(e, spec.statuses, {
      duration: spec.kind === 'steady' ? STEADY_SECONDS : DURATION,
      ...(spec.kind === 'steady' ? { rate: spec.rate } : {}),
    });
  const loadEnd = performance.now();
  const loadEndEpoch = epochNow();
  const processed = await until(async () => (await e.probe.pending()) === 0, started);
  if (endpoints === 1) await until(async () => (await e.outbox.pending()) === 0, started);
  clearInterval(pgTimer);
  const cpu = cpuSince(e, cpu0, pgCpu);
  const wallSeconds = (performance.now() - started) / 1000;
  const after = await e.outbox.counts();
  const appliedAfter = (await e.probe.counts()).applied;
  const rows = await e.receiver.records(from);

  let duplicates = 0;
  let outOfOrder = 0;
  const delays: number[] = [];
  for (const [arrival, timestamp, id, messageId, status] of rows) {
    if (e.seen.has(id)) {
      duplicates++;
      continue;
    }
    e.seen.add(id);
    delays.push(arrival - timestamp);
    const rank = RANK[status] ?? 0;
    if ((e.lastRank.get(messageId) ?? 0) >= rank) outOfOrder++;
    e.lastRank.set(messageId, rank);
  }
  delays.sort((a, b) => a - b);
  const first = rows[0]?.[0];
  const last = rows.at(-1)?.[0];
  const statuses = wh.ok * BATCH;
  const deliveredPerSecond =
    rows.length === 0 || last === undefined
      ? 0
      : rows.length / ((last - (spec.kind === 'backlog' ? first! : startedEpoch)) / 1000);
  const out: RunResult = {
    engine: e.name,
    label,
    kind: spec.kind,
    endpoints,
    statuses,
    ...(spec.kind === 'steady' ? { rate: spec.rate } : {}),
    loadSeconds: (loadEnd - started) / 1000,
    processedSeconds: processed,
    processedStatusesPerSecond: processed === null ? 0 : statuses / processed,
    eventsWritten: after.events - before.events,
    deliveriesWritten: after.pending + after.delivered + after.dead - (before.pending + before.delivered + before.dead),
    received: rows.length,
    distinct: rows.length - duplicates,
    duplicates,
    outOfOrder,
    deliveredPerSecond,
    lastArrivalAfterLoadSeconds: last === undefined ? null : (last - loadEndEpoch) / 1000,
    ...(spec.kind !== 'backlog' && delays.length > 0
      ? {
          delayMs: {
            p50: percentile(delays, 50),
            p97_5: percentile(delays, 97.5),
            p99: percentile(delays, 99),
            max: percentile(delays, 100),
          },
        }
      : {}),
    pendingLeft: after.pending,
    failedAttempts: after.failedAttempts - before.failedAttempts,
    ackP99: wh.p99,
    non2xx: wh.non2xx,
    errors: wh.errors,
    wallSeconds,
    ...(cpu ? { cpuSeconds: cpu } : {}),
    ...(replaySeconds !== undefined ? { replaySeconds } : {}),
  };
  if (cpu && rows.length > 0) out.gatewayCpuUsPerEvent = Math.round((cpu.gateway * 1e6) / rows.length);
  if (cpu && statuses > 0) out.gatewayCpuUsPerStatus = Math.round((cpu.gateway * 1e6) / statuses);
  if (spec.kind !== 'backlog' && appliedAfter - appliedBefore !== statuses)
    process.stdout.write(`  note: ${appliedAfter - appliedBefore} of ${statuses} statuses applied\n`);
  printRun(out);
  return out;
}

function printRun(r: RunResult): void {
  const d = r.delayMs;
  const c = r.cpuSeconds;
  process.stdout.write(
    `${r.engine.padEnd(8)} ${r.label.padEnd(30)} ` +
      (r.kind === 'backlog' ? `replayed in ${r.replaySeconds?.toFixed(1)} s; ` : `${r.statuses} statuses, `) +
      `processed ${r.processedSeconds === null ? 'NEVER' : `${f0(r.processedStatusesPerSecond)}/s`}; ` +
      `events ${r.eventsWritten}, deliveries ${r.deliveriesWritten}, received ${r.received} (dup ${r.duplicates}, out of order ${r.outOfOrder}) at ${f0(r.deliveredPerSecond)}/s` +
      (d ? `, delay p50 ${d.p50} p97.5 ${d.p97_5} p99 ${d.p99} max ${d.max} ms` : '') +
      (r.pendingLeft > 0 ? `, ${r.pendingLeft} STILL PENDING` : '') +
      (c
        ? `\n    cpu s: gateway ${c.gateway.toFixed(1)} receiver ${c.receiver.toFixed(1)} load ${c.load.toFixed(1)}${c.postgres !== undefined ? ` postgres ${c.postgres.toFixed(1)}` : ''} over ${r.wallSeconds.toFixed(1)} s`
        : '') +
      '\n',
  );
}

/** The unused sent messages' ids, sending more through /send-whatsapp first if there are fewer than `n`. */
async function pool(e: Engine, n: number): Promise<string[]> {
  let have = await e.probe.wamids();
  if (have.length < n) {
    const amount = n - have.length + 50;
    const started = performance.now();
    const r = await sendToCustomers(e.gw, amount);
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`seeding sends: ${r.non2xx} non-2xx, ${r.errors} errors`);
    have = await e.probe.wamids();
    process.stdout.write(
      `${e.name}: sent ${amount} messages for their wamids in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }
  if (have.length < n) throw new Error(`${e.name}: only ${have.length} sent messages, ${n} needed`);
  return have.slice(0, n);
}

async function benchEngine(e: Engine): Promise<RunResult[]> {
  const perIngest = Math.floor(STATUSES[e.name] / 3);
  const perSteady = RATES[e.name].map((r) => Math.ceil((r * STEADY_SECONDS * 1.05) / 3) + CONNECTIONS * BATCH);
  const all = await pool(e, WARMUP_STATUSES / 3 + 4 * perIngest + perSteady.reduce((a, b) => a + b, 0));
  let at = 0;
  const take = (n: number) => lifecycle(all.slice(at, (at += n)));
  const results: RunResult[] = [];
  await run(e, 'warm-up (1 endpoint)', { kind: 'ingest', endpoints: 1, statuses: take(WARMUP_STATUSES / 3) });
  const firstIngest = new Date().toISOString();
  results.push(await run(e, 'ingest, 0 endpoints', { kind: 'ingest', endpoints: 0, statuses: take(perIngest) }));
  results.push(await run(e, 'backlog (replay of the above)', { kind: 'backlog', since: firstIngest }));
  results.push(await run(e, 'ingest, 1 endpoint', { kind: 'ingest', endpoints: 1, statuses: take(perIngest) }));
  results.push(
    await run(e, 'ingest, 0 endpoints (again)', { kind: 'ingest', endpoints: 0, statuses: take(perIngest) }),
  );
  results.push(await run(e, 'ingest, 1 endpoint (again)', { kind: 'ingest', endpoints: 1, statuses: take(perIngest) }));
  for (const [i, rate] of RATES[e.name].entries())
    results.push(await run(e, `steady ${rate} statuses/s`, { kind: 'steady', rate, statuses: take(perSteady[i]!) }));
  return results;
}

interface Verdict {
  target: string;
  met: boolean;
  measured: string;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function outboxCost(results: RunResult[], engine: EngineName) {
  const ingest = (n: 0 | 1) =>
    results.filter((r) => r.engine === engine && r.kind === 'ingest' && r.endpoints === n && r.processedSeconds);
  const none = ingest(0);
  const one = ingest(1);
  if (none.length === 0 || one.length === 0) return undefined;
  const rate0 = mean(none.map((r) => r.processedStatusesPerSecond));
  const rate1 = mean(one.map((r) => r.processedStatusesPerSecond));
  const cpu0 = mean(none.map((r) => r.gatewayCpuUsPerStatus ?? 0));
  const cpu1 = mean(one.map((r) => r.gatewayCpuUsPerStatus ?? 0));
  return { rate0, rate1, slowdown: 1 - rate1 / rate0, cpu0, cpu1 };
}

function verdicts(results: RunResult[]): Verdict[] {
  const out: Verdict[] = [];
  const steady = results.find((r) => r.engine === 'sqlite' && r.kind === 'steady' && r.rate === TARGET_RATE);
  if (steady) {
    const d = steady.delayMs;
    out.push({
      target: `SQLite delivers ${TARGET_RATE.toLocaleString('en')} events/s with p99 delay < 1 s`,
      met:
        steady.deliveredPerSecond >= 0.97 * TARGET_RATE &&
        d !== undefined &&
        d.p99 < 1000 &&
        steady.pendingLeft === 0 &&
        steady.duplicates === 0,
      measured: `${f0(steady.deliveredPerSecond)} events/s at the receiver for ${f0(steady.rate!)} statuses/s posted (${steady.received} of ${steady.eventsWritten} events), delay p50 ${d?.p50} p99 ${d?.p99} max ${d?.max} ms`,
    });
  }
  const sqliteMax = results.filter((r) => r.engine === 'sqlite' && r.endpoints === 1 && r.kind !== 'steady');
  if (sqliteMax.length > 0)
    out.push({
      target: `SQLite dispatch throughput ≥ ${TARGET_RATE.toLocaleString('en')} events/s (full speed)`,
      met: sqliteMax.every((r) => r.deliveredPerSecond >= TARGET_RATE),
      measured: sqliteMax.map((r) => `${r.label}: ${f0(r.deliveredPerSecond)}/s`).join(', '),
    });
  for (const engine of ['sqlite', 'postgres'] as const) {
    const c = outboxCost(results, engine);
    if (!c) continue;
    out.push({
      target: `${engine}: an endpoint's outbox rows (and their dispatch) cost the status path ≤ 15%`,
      met: c.slowdown <= 0.15,
      measured: `processed ${f0(c.rate1)} statuses/s with 1 endpoint vs ${f0(c.rate0)} with 0 (${(-c.slowdown * 100).toFixed(1)}%); gateway CPU ${f0(c.cpu1)} vs ${f0(c.cpu0)} µs per status`,
    });
  }
  const bad = results.filter((r) => r.duplicates > 0 || r.outOfOrder > 0 || r.pendingLeft > 0);
  out.push({
    target: 'no delivery lost, duplicated or out of order (one receiver, no faults)',
    met: bad.length === 0 && results.every((r) => r.endpoints === 0 || r.distinct === r.deliveriesWritten),
    measured: results
      .filter((r) => r.endpoints === 1)
      .map(
        (r) =>
          `${r.engine} ${r.label}: ${r.distinct}/${r.deliveriesWritten} (dup ${r.duplicates}, order ${r.outOfOrder})`,
      )
      .join('; '),
  });
  return out;
}

function gitInfo(): { commit: string; dirty: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'package.json'])
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim());
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

function report(results: RunResult[], git: { commit: string; dirty: string[] }): void {
  process.stdout.write(
    `\n${'engine'.padEnd(8)} ${'run'.padEnd(30)} ${'statuses'.padStart(8)} ${'proc st/s'.padStart(9)} ${'events'.padStart(7)} ${'recv'.padStart(7)} ${'dup'.padStart(4)} ${'events/s'.padStart(8)} ${'p50'.padStart(6)} ${'p97.5'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'gw µs/ev'.padStart(8)} ${'gw cores'.padStart(8)}\n`,
  );
  for (const r of results) {
    const d = r.delayMs;
    const cell = (v: number | undefined) => (v === undefined ? '' : String(v)).padStart(6);
    process.stdout.write(
      `${r.engine.padEnd(8)} ${r.label.padEnd(30)} ${String(r.statuses).padStart(8)} ${(r.processedSeconds === null ? 'never' : r.kind === 'backlog' ? '' : f0(r.processedStatusesPerSecond)).padStart(9)} ${String(r.eventsWritten).padStart(7)} ${String(r.received).padStart(7)} ${String(r.duplicates).padStart(4)} ${(r.endpoints ? f0(r.deliveredPerSecond) : '').padStart(8)} ${cell(d?.p50)} ${cell(d?.p97_5)} ${cell(d?.p99)} ${cell(d?.max)} ${String((r.endpoints ? r.gatewayCpuUsPerEvent : r.gatewayCpuUsPerStatus) ?? '').padStart(8)} ${(r.cpuSeconds ? (r.cpuSeconds.gateway / r.wallSeconds).toFixed(2) : '').padStart(8)}\n`,
    );
  }
  const targets = verdicts(results);
  process.stdout.write('\n');
  for (const t of targets) process.stdout.write(`${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.measured}\n`);
  const dir = path.join('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'events-latest.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        commit: git.commit,
        uncommittedChangesUnderTest: git.dirty,
        cpus: os.cpus().length,
        loadAverage: os.loadavg(),
        node: process.version,
        batch: BATCH,
        webhookConnections: CONNECTIONS,
        statusesPerIngestRun: STATUSES,
        steadyRates: RATES,
        steadySeconds: STEADY_SECONDS,
        targets,
        outboxCost: { sqlite: outboxCost(results, 'sqlite'), postgres: outboxCost(results, 'postgres') },
        results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`\nwrote ${file}\n`);
}

async function main(): Promise<void> {
  const git = gitInfo();
  // The gateway is started with the bench's environment: it may deliver to the receiver on 127.0.0.1.
  env.EVENTS_ALLOW_PRIVATE_NETWORKS = 'true';
  const sim = await startSimulator();
  const receiver = await startReceiver();
  const results: RunResult[] = [];
  const engines: { name: EngineName; url: () => Promise<{ url: string; drop(): Promise<void> }> }[] = [
    {
      name: 'sqlite',
      url: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-events-db-'));
        return {
          url: `sqlite:${path.join(dir, 'bench.db')}`,
          drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
        };
      },
    },
  ];
  if (env.BENCH_DATABASE_URL) engines.push({ name: 'postgres', url: () => freshPgSchema(env.BENCH_DATABASE_URL!) });
  const only = env.BENCH_ENGINES?.split(',');
  try {
    for (const spec of engines.filter((s) => !only || only.includes(s.name))) {
      const db = await spec.url();
      let gw: Target | undefined;
      let probe: Probe | undefined;
      let outbox: OutboxProbe | undefined;
      try {
        // BENCH_EVENTS_PROFILE=DIR: the gateway writes a V8 CPU profile there when it stops.
        const profile = env.BENCH_EVENTS_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_EVENTS_PROFILE}`] : [];
        gw = await startGateway(`events-${spec.name}`, db.url, sim.url, profile);
        await seedApp(db.url);
        await seedCustomers(db.url);
        probe = await openProbe(db.url);
        outbox = await openOutboxProbe(db.url);
        const e: Engine = {
          name: spec.name,
          databaseUrl: db.url,
          gw,
          base: new URL(gw.url).origin,
          probe,
          outbox,
          receiver,
          simPid: sim.child.proc.pid,
          seen: new Set(),
          lastRank: new Map(),
        };
        results.push(...(await benchEngine(e)));
      } finally {
        await probe?.close();
        await outbox?.close();
        await gw?.child.stop();
        await db.drop();
      }
    }
  } finally {
    await receiver.child.stop();
    await sim.child.stop();
  }
  report(results, git);
}

await main();
