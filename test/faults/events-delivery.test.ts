import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks, type SimInbound } from '../../meta-sim/index.js';
import { parseDatabaseUrl } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import type { EventEnvelope } from '../../src/events/dispatcher.js';
import { createPgSchema } from '../helpers/db.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import {
  type GatewayProcess,
  residentBytes,
  seedDatabase,
  type SeededDatabase,
  seedEventEndpoints,
  seedMetaApp,
  sendText,
  spawnGateway,
  tcpClientOwner,
  waitWebhooksSettled,
} from './process.js';

// Events delivered to tenants' endpoints (src/events/) through faults: the gateway killed with
// SIGKILL under load and restarted, two instances dispatching from one PostgreSQL database, and a
// PostgreSQL restart under load; all the while, customers' messages arrive through Meta's webhooks
// (the simulator) and are committed with their events, and the events go to six loopback
// receivers: one answers at once, one slowly, and the others, for the first attempt at every
// third event, answer 500, reset the connection, never answer (the dispatcher's timeout ends it),
// or answer with an endless body (always: 200, or 500 for those events).
//
// Afterwards, from the database and the receivers: every inbound message stored has its one
// message.received event; every event committed has one delivery per endpoint and each is
// delivered; each receiver accepted every event at least once, as committed, and received no
// event that is not committed; events reached each receiver in commit order (per thread, by
// order_key and order_seq: an event arrived only after the one before it had been accepted); no event was in flight twice at once to one receiver (so
// neither two instances, nor a taken-over lease and its first claimant, delivered it at the same
// moment); no request came without a claim; the gateway's memory stayed bounded while reading
// endless bodies. Duplicates (a receiver accepting an event again, after a
// kill or a lost settlement) are allowed, counted and reported.

const APP_ID = '1000000000000079';
const APP_SECRET = 'fault-app-secret-for-event-delivery';
// Meta's schedule, shortened (as in webhook-sigkill.test.ts): longer than any outage here.
const RETRY_SCHEDULE_MS = [20, 50, 100, 200, 400, 800, ...Array.from({ length: 40 }, () => 1000)];
// A POST's deadline, and a claim's lease: short, so that a dead instance's claims are taken over
// within seconds, and well beyond what one delivery takes (POST, endpoint read and settlement).
const GATEWAY_ENV = {
  PENDING_UNKNOWN_AFTER: '1s',
  EVENTS_ALLOW_PRIVATE_NETWORKS: 'true',
  EVENTS_TIMEOUT_MS: '1000',
  EVENTS_LEASE_MS: '8000',
  // Retries sooner than the 5 s default: the same schedule's shape, in a tenth of the time.
  EVENTS_FIRST_RETRY_MS: '500',
};
// Of the gateway's resident memory, what reading endless answers may add at most: generous, as it
// must only show that the bodies are not buffered (each would be hundreds of megabytes).
const RSS_GROWTH_LIMIT = 200 * 1024 * 1024;
// What one endless answer sends at most, if the gateway never stopped reading (or, at ~50 MB/s,
// never timed out).
const ENDLESS_CAP = 256 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Receivers

type Behaviour = 'prompt' | 'slow' | 'error500' | 'reset' | 'timeout' | 'endless';
const BEHAVIOURS: Behaviour[] = ['prompt', 'slow', 'error500', 'reset', 'timeout', 'endless'];

type Outcome = 'accepted' | 'refused' | 'reset' | 'held' | 'incomplete' | 'bad-signature';

interface Arrival {
  /** webhook-id: the event's id. */
  id: string;
  type?: string;
  data?: Record<string, unknown>;
  /** A tick of the test process's one clock, when the request came in. */
  order: number;
  /** The tick when the receiver answered 2xx, for an accepted one. */
  acceptedAt?: number;
  /** When the request came in and when its connection or answer was done (performance.now()). */
  start: number;
  end?: number;
  outcome: Outcome;
  /** The gateway process that posted it (its pid), when known (with two, for a sample of connections). */
  instance?: number;
}

let tick = 0;
let lastOwnerLookup = 0;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** A tenant's receiver on loopback: verifies each delivery as a tenant would, records it, and misbehaves as configured. */
class Receiver {
  readonly arrivals: Arrival[] = [];
  secret = '';
  endpointId = '';
  url = '';
  /** Bytes written into endless answers, in all. */
  endlessBytes = 0;
  readonly #seen = new Set<string>();
  #distinct = 0;
  readonly #open = new Set<http.ServerResponse>();
  readonly #owners = new WeakMap<Socket, number | undefined>();
  #server: http.Server | undefined;

  constructor(
    readonly behaviour: Behaviour,
    private readonly instances: () => number[],
  ) {}

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    server.on('connection', (socket: Socket) => {
      const pids = this.instances();
      if (pids.length <= 1) return void this.#owners.set(socket, pids[0]);
      // Looked up in /proc for a sample of the connections only: each lookup reads the whole TCP
      // table and the gateways' descriptors, and the receivers must not starve for CPU.
      const now = performance.now();
      if (now - lastOwnerLookup < 25) return;
      lastOwnerLookup = now;
      this.#owners.set(socket, tcpClientOwner(socket.remotePort ?? 0, port, pids));
    });
    this.url = `http://127.0.0.1:${port}/events/${this.behaviour}`;
    return this;
  }

  /** Requests not yet answered or closed. */
  inFlight(): number {
    return this.#open.size;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const a: Arrival = {
      id: String(req.headers['webhook-id'] ?? ''),
      order: ++tick,
      start: performance.now(),
      outcome: 'incomplete',
      instance: this.#owners.get(req.socket),
    };
    this.arrivals.push(a);
    this.#open.add(res);
    res.on('close', () => {
      a.end = performance.now();
      this.#open.delete(res);
    });
    res.on('error', () => {});
    req.on('error', () => {});
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: EventEnvelope;
      try {
        event = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) as EventEnvelope;
        if (event.id !== a.id) throw new Error('webhook-id is not the event id');
      } catch {
        a.outcome = 'bad-signature';
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad signature');
        return;
      }
      a.type = event.type;
      a.data = event.data;
      const first = !this.#seen.has(a.id);
      this.#seen.add(a.id);
      const odd = first && this.#distinct++ % 3 === 1;
      this.#answer(a, req, res, odd);
    });
  }

  #answer(a: Arrival, req: http.IncomingMessage, res: http.ServerResponse, odd: boolean): void {
    const accept = () => {
      if (res.destroyed || req.socket.destroyed) return;
      a.outcome = 'accepted';
      a.acceptedAt = ++tick;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
    switch (this.behaviour) {
      case 'prompt':
        return accept();
      case 'slow':
        setTimeout(accept, 50 + Math.random() * 250);
        return;
      case 'error500':
        if (!odd) return accept();
        a.outcome = 'refused';
        res.writeHead(500, { 'content-type': 'text/plain' }).end('try again later');
        return;
      case 'reset':
        if (!odd) return accept();
        a.outcome = 'reset';
        req.socket.destroy();
        return;
      case 'timeout':
        // Never answered: the dispatcher's timeout closes it.
        if (!odd) return accept();
        a.outcome = 'held';
        return;
      case 'endless': {
        if (odd) a.outcome = 'refused';
        else {
          a.outcome = 'accepted';
          a.acceptedAt = ++tick;
        }
        res.writeHead(odd ? 500 : 200, { 'content-type': 'application/octet-stream' });
        // Endless, at up to 256 KiB every 5 ms (~50 MB/s): a gateway that read it all would hold
        // far more than RSS_GROWTH_LIMIT within its timeout; paced so as not to starve the
        // test process (and the receivers' clocks) of CPU.
        let sent = 0;
        const pump = () => {
          for (let i = 0; i < 4 && !res.destroyed; i++) {
            if (sent >= ENDLESS_CAP) return void res.end();
            sent += CHUNK.length;
            this.endlessBytes += CHUNK.length;
            if (!res.write(CHUNK)) return void res.once('drain', pump);
          }
          if (!res.destroyed) setTimeout(pump, 5);
        };
        pump();
        return;
      }
    }
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    for (const res of this.#open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// Load: customers' messages through Meta's webhooks, and a few sends whose statuses Meta posts

// The seeded contact first, so that its thread holds the statuses of the sends and its replies.
const CUSTOMERS = ['27123456789', ...Array.from({ length: 39 }, (_, i) => String(16505570001 + i))];

/** Rounds of customers' messages, posted by the scenario before, during and after its fault. */
class CustomerTraffic {
  rounds = 0;
  okSends = 0;

  constructor(
    private readonly sim: MetaSimWithWebhooks,
    private readonly seeded: SeededDatabase,
    /** Where the sends go: a live gateway, or none while it is down. */
    private readonly gateway: (round: number) => GatewayProcess | undefined,
    private readonly betweenMs = 400,
  ) {}

  /** `n` rounds, one after the other; resolves once each webhook's first attempt has been answered or failed. */
  async run(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const r = this.rounds;
      const posts: Promise<unknown>[] = [];
      // Half the customers write each round, one message each, five customers to a webhook: many
      // short threads (each misbehaviour holds its thread back for a retry's backoff).
      const writers = CUSTOMERS.filter((_, k) => k % 2 === r % 2);
      for (let b = 0; b < writers.length; b += 5) {
        const batch: SimInbound[] = writers.slice(b, b + 5).map((from) => ({
          type: 'text' as const,
          from,
          name: `Customer ${from}`,
          text: { body: `round ${r} from ${from}` },
        }));
        // Meta retries what failed (the gateway away, or answering 5xx).
        posts.push(this.sim.webhooks.inbound(batch).catch(() => undefined));
      }
      if (r % 2 === 0) posts.push(this.#send(r));
      await Promise.all(posts);
      this.rounds++;
      await sleep(this.betweenMs);
    }
  }

  async #send(round: number): Promise<void> {
    const gw = this.gateway(round);
    if (!gw) return;
    try {
      const res = await sendText(gw, this.seeded, `events-${round}`);
      await res.arrayBuffer();
      if (res.status === 200) this.okSends++;
    } catch {
      // The gateway is away: its statuses will not come.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The world of one scenario

/** Samples the gateways' resident memory while they run. */
class MemoryWatch {
  readonly #base = new Map<number, number>();
  readonly #peak = new Map<number, number>();
  readonly #timer = setInterval(() => this.#sample(), 200);

  add(pid: number | undefined): void {
    const rss = residentBytes(pid);
    if (pid === undefined || rss === undefined) return;
    this.#base.set(pid, rss);
    this.#peak.set(pid, rss);
  }

  #sample(): void {
    for (const pid of this.#base.keys()) {
      const rss = residentBytes(pid);
      if (rss !== undefined && rss > (this.#peak.get(pid) ?? 0)) this.#peak.set(pid, rss);
    }
  }

  /** The largest growth over its start of any gateway, in bytes; and the largest resident size. */
  growth(): { growth: number; peak: number } {
    this.#sample();
    let growth = 0;
    let peak = 0;
    for (const [pid, base] of this.#base) {
      const p = this.#peak.get(pid) ?? base;
      growth = Math.max(growth, p - base);
      peak = Math.max(peak, p);
    }
    return { growth, peak };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

const alive = (g: GatewayProcess) => g.proc.exitCode === null && g.proc.signalCode === null;

interface World {
  sim: MetaSimWithWebhooks;
  seeded: SeededDatabase;
  gateways: GatewayProcess[];
  receivers: Receiver[];
  /** Events committed before the endpoints existed: they have no deliveries. */
  before: Set<string>;
  memory: MemoryWatch;
  env: Record<string, string>;
  spawn(port?: number): Promise<GatewayProcess>;
  /** Meta posts its webhooks to this gateway (once per call: to each gateway given). */
  subscribe(gw: GatewayProcess): void;
  cleanup(): Promise<void>;
}

async function eventIds(databaseUrl: string): Promise<Set<string>> {
  const conn = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    return new Set((await conn.kysely.selectFrom('events').select('id').execute()).map((r) => r.id));
  } finally {
    await conn.close();
  }
}

async function world(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<World> {
  const sim = await startMetaSim({
    phones: { [PHONE_ID]: META_TOKEN },
    webhookConfig: { statusDelays: { sent: 0, delivered: 200, read: 400 }, retryScheduleMs: RETRY_SCHEDULE_MS },
  });
  const seeded = await seedDatabase(databaseUrl);
  await seedMetaApp(seeded, { appId: APP_ID, appSecret: APP_SECRET, wabaId: sim.webhooks.phoneInfo(PHONE_ID).wabaId });
  const gateways: GatewayProcess[] = [];
  const live = () => gateways.filter(alive).map((g) => g.proc.pid!);
  const receivers = await Promise.all(BEHAVIOURS.map((b) => new Receiver(b, live).start()));
  const endpoints = await seedEventEndpoints(
    seeded,
    receivers.map((r) => r.url),
  );
  endpoints.forEach((e, i) => {
    receivers[i]!.secret = e.secret;
    receivers[i]!.endpointId = e.id;
  });
  const before = await eventIds(seeded.databaseUrl);
  const memory = new MemoryWatch();
  const fullEnv = { META_GRAPH_URL: sim.url, ...GATEWAY_ENV, ...env };
  return {
    sim,
    seeded,
    gateways,
    receivers,
    before,
    memory,
    env: fullEnv,
    spawn: async (port) => {
      const gw = await spawnGateway(seeded, fullEnv, port === undefined ? {} : { port });
      gateways.push(gw);
      memory.add(gw.proc.pid);
      return gw;
    },
    subscribe: (gw) =>
      void sim.webhooks.addApp({
        id: `app-${gw.url}`,
        callbackUrl: `${gw.url}/webhooks/meta/${APP_ID}`,
        appSecret: APP_SECRET,
      }),
    cleanup: async () => {
      memory.stop();
      // A failed run must not leave its gateways running.
      for (const g of gateways) if (alive(g)) g.proc.kill('SIGKILL');
      await Promise.all(gateways.map((g) => g.exited));
      await sim.close();
      await Promise.all(receivers.map((r) => r.close()));
      fs.rmSync(seeded.dataDir, { recursive: true, force: true });
    },
  };
}

interface DeliveryCounts {
  pending: number;
  delivered: number;
  other: number;
}

async function deliveryCounts(databaseUrl: string): Promise<DeliveryCounts> {
  const conn = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    const rows = await conn.kysely
      .selectFrom('event_deliveries')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const n = (s: string) => Number(rows.find((r) => r.state === s)?.n ?? 0);
    const all = rows.reduce((t, r) => t + Number(r.n), 0);
    return { pending: n('pending'), delivered: n('delivered'), other: all - n('pending') - n('delivered') };
  } finally {
    await conn.close();
  }
}

/**
 * Waits until no delivery is pending and no receiver has a request in flight; meanwhile, the
 * gateways' memory stays bounded (a gateway buffering endless answers may never settle at all).
 */
async function waitEventsSettled(w: World, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last: DeliveryCounts | undefined;
  let quiet = 0;
  while (Date.now() < deadline) {
    expect(w.memory.growth().growth, 'gateway resident memory growth, bytes').toBeLessThan(RSS_GROWTH_LIMIT);
    last = await deliveryCounts(w.seeded.databaseUrl);
    const inFlight = w.receivers.reduce((n, r) => n + r.inFlight(), 0);
    quiet = last.pending === 0 && inFlight === 0 ? quiet + 1 : 0;
    // Twice in a row, apart: nothing was about to be claimed again.
    if (quiet >= 2) return;
    await sleep(300);
  }
  const gatewayLogs = w.gateways.map((g) => g.output().slice(-3000)).join('\n---\n');
  const mem = w.memory.growth();
  throw new Error(
    `event deliveries did not settle within ${ms} ms: ${JSON.stringify({ ...last, rssGrowthMb: Math.round(mem.growth / 1048576) })}\n${gatewayLogs}`,
  );
}

/** Until the fault may come: traffic under way, and deliveries accepted by the receivers and settled. */
async function waitUnderWay(w: World): Promise<void> {
  const accepted = () => w.receivers.reduce((n, r) => n + r.arrivals.filter((a) => a.outcome === 'accepted').length, 0);
  await waitFor(
    'deliveries under way',
    async () => accepted() >= 100 && (await deliveryCounts(w.seeded.databaseUrl)).delivered >= 50,
    60_000,
  );
}

interface Report {
  events: number;
  threads: number;
  /** Thread and order-key sequences checked. */
  orders: number;
  deliveries: number;
  arrivals: number;
  duplicates: Record<string, number>;
  misbehaved: Record<string, number>;
  byInstance: Record<string, number>;
  rssGrowthMb: number;
  rssPeakMb: number;
  endlessMb: number;
}

interface CommittedEvent {
  id: string;
  type: string;
  conversation_id: string | null;
  payload: string;
  /** The orders it takes part in, each a key and its number in that key's commit order. */
  orders: { key: string; seq: number }[];
}

function committedEvent(row: Record<string, unknown>): CommittedEvent {
  const conversation = (row['conversation_id'] as string | null) ?? null;
  const orders: { key: string; seq: number }[] = [];
  const key = row['order_key'];
  const seq = row['order_seq'] === null || row['order_seq'] === undefined ? null : Number(row['order_seq']);
  if (typeof key === 'string' && seq !== null) orders.push({ key: `thread ${key}`, seq });
  return {
    id: row['id'] as string,
    type: row['type'] as string,
    conversation_id: conversation,
    payload: row['payload'] as string,
    orders,
  };
}

/** Everything the file's header promises, checked from the database and the receivers. */
async function checkDelivered(w: World): Promise<Report> {
  const conn = openDatabase(parseDatabaseUrl(w.seeded.databaseUrl));
  let events: CommittedEvent[];
  let deliveries: { event_id: string; endpoint_id: string; state: string; attempts: number }[];
  let inboundWamids: string[];
  let logged: { event_id: string; endpoint_id: string; status_code: number | null }[];
  try {
    // Every column, for the order each event takes part in (order_key, order_seq).
    events = (await conn.kysely.selectFrom('events').selectAll().execute())
      .filter((e) => !w.before.has(e.id))
      .map((row) => committedEvent(row as unknown as Record<string, unknown>));
    deliveries = (
      await conn.kysely
        .selectFrom('event_deliveries')
        .select(['event_id', 'endpoint_id', 'state', 'attempts'])
        .execute()
    ).map((d) => ({ ...d, attempts: Number(d.attempts) }));
    logged = await conn.kysely
      .selectFrom('event_attempts')
      .select(['event_id', 'endpoint_id', 'status_code'])
      .execute();
    inboundWamids = (
      await conn.kysely
        .selectFrom('helpdesk_messages')
        .select('whatsapp_message_id')
        .where('direction', '=', 'inbound')
        .execute()
    ).map((m) => m.whatsapp_message_id!);
  } finally {
    await conn.close();
  }
  const byId = new Map(events.map((e) => [e.id, e]));
  // The delivery log, per endpoint and event: attempts logged, and of them the failed ones.
  const attemptLog = new Map<string, { logged: number; failed: number }>();
  for (const a of logged) {
    const k = `${a.endpoint_id} ${a.event_id}`;
    const n = attemptLog.get(k) ?? { logged: 0, failed: 0 };
    n.logged++;
    const status = a.status_code === null ? null : Number(a.status_code);
    if (status === null || status < 200 || status >= 300) n.failed++;
    attemptLog.set(k, n);
  }
  const debugDuplicates: Record<string, unknown>[] = [];

  // The outbox: every customer's message stored has its one message.received event, and the
  // messages Meta delivered were all stored.
  const receivedFor = new Map<string, number>();
  for (const e of events.filter((x) => x.type === 'message.received')) {
    const wamid = String((JSON.parse(e.payload) as { whatsapp_message_id?: string }).whatsapp_message_id);
    receivedFor.set(wamid, (receivedFor.get(wamid) ?? 0) + 1);
  }
  const posted = new Set(
    w.sim.webhooks
      .deliveries()
      .filter((d) => d.kind === 'messages')
      .flatMap((d) => d.wamids),
  );
  expect(
    inboundWamids.filter((x) => receivedFor.get(x) !== 1),
    'inbound messages without exactly one message.received event',
  ).toEqual([]);
  expect(new Set(inboundWamids), 'inbound messages stored ≠ messages Meta posted').toEqual(posted);
  expect(receivedFor.size, 'message.received events for messages not stored').toBe(inboundWamids.length);

  // Each committed event is due at, and delivered to, every endpoint (all subscribe to '*').
  const endpointIds = w.receivers.map((r) => r.endpointId);
  const deliveryOf = new Map(deliveries.map((d) => [`${d.endpoint_id} ${d.event_id}`, d]));
  const undelivered: string[] = [];
  for (const e of events)
    for (const endpoint of endpointIds) {
      const d = deliveryOf.get(`${endpoint} ${e.id}`);
      if (d?.state !== 'delivered')
        undelivered.push(`${e.type} ${e.id} → ${endpoint}: ${d?.state ?? 'no delivery row'}`);
    }
  expect(undelivered, 'events not delivered to every endpoint').toEqual([]);
  expect(deliveries.length, 'delivery rows beyond one per event and endpoint').toBe(events.length * endpointIds.length);

  // The order that must hold: per thread, by commit.
  const orders = new Map<string, { e: CommittedEvent; seq: number }[]>();
  for (const e of events)
    for (const o of e.orders) orders.set(o.key, [...(orders.get(o.key) ?? []), { e, seq: o.seq }]);
  for (const list of orders.values()) list.sort((x, y) => x.seq - y.seq);
  const seqRepeats = [...orders]
    .filter(([, list]) => new Set(list.map((x) => x.seq)).size !== list.length)
    .map(([key, list]) => `${key}: ${list.map((x) => `${x.seq} ${x.e.type}`).join(', ')}`);
  expect(seqRepeats, 'orders with a number given twice').toEqual([]);
  const threads = new Set(events.map((e) => e.conversation_id).filter((c) => c !== null));

  const report: Report = {
    events: events.length,
    threads: threads.size,
    orders: orders.size,
    deliveries: deliveries.length,
    arrivals: 0,
    duplicates: {},
    misbehaved: {},
    byInstance: {},
    rssGrowthMb: 0,
    rssPeakMb: 0,
    endlessMb: 0,
  };
  for (const r of w.receivers) {
    const label = r.behaviour;
    report.arrivals += r.arrivals.length;
    report.endlessMb += r.endlessBytes / 1048576;
    expect(
      r.arrivals.filter((a) => a.outcome === 'bad-signature').length,
      `${label}: deliveries whose signature did not verify`,
    ).toBe(0);
    expect(
      r.arrivals.filter((a) => !byId.has(a.id)).map((a) => a.id),
      `${label}: received events that are not committed (or committed before the endpoint)`,
    ).toEqual([]);

    const arrivals = new Map<string, Arrival[]>();
    for (const a of [...r.arrivals].sort((x, y) => x.order - y.order))
      arrivals.set(a.id, [...(arrivals.get(a.id) ?? []), a]);
    const firstAccepted = new Map<string, Arrival>();
    for (const [id, list] of arrivals) {
      const acc = list.find((a) => a.outcome === 'accepted');
      if (acc) firstAccepted.set(id, acc);
    }

    // At least once: every event accepted; what was accepted again is a duplicate.
    expect(
      events.filter((e) => !firstAccepted.has(e.id)).map((e) => `${e.type} ${e.id}`),
      `${label}: events never accepted`,
    ).toEqual([]);
    report.duplicates[label] = [...arrivals.values()].reduce(
      (n, list) => n + Math.max(0, list.filter((a) => a.outcome === 'accepted').length - 1),
      0,
    );
    if (process.env.EVENTS_DELIVERY_DEBUG)
      for (const [id, list] of arrivals)
        if (list.filter((a) => a.outcome === 'accepted').length > 1)
          debugDuplicates.push({
            receiver: label,
            id,
            arrivals: list.map((a) => ({
              o: a.outcome,
              i: a.instance,
              s: Math.round(a.start),
              e: Math.round(a.end ?? -1),
            })),
            delivery: deliveryOf.get(`${r.endpointId} ${id}`),
          });
    report.misbehaved[label] = r.arrivals.filter((a) => a.outcome !== 'accepted').length;
    // What was accepted is the event as committed.
    const changed = events.filter((e) => {
      const a = firstAccepted.get(e.id);
      return a !== undefined && (a.type !== e.type || JSON.stringify(a.data) !== e.payload);
    });
    expect(
      changed.map((e) => e.id),
      `${label}: events received other than committed`,
    ).toEqual([]);
    // Every request is a claim: none is posted twice under one.
    const overPosted = [...arrivals].filter(
      ([id, list]) => list.length > (deliveryOf.get(`${r.endpointId} ${id}`)?.attempts ?? 0),
    );
    expect(
      overPosted.map(([id, list]) => `${id}: ${list.length} requests`),
      `${label}: more requests than claims`,
    ).toEqual([]);

    // Each duplicate is one the gateway could not know was accepted: an attempt it logged as
    // failed (its timeout ran out first), or one it never settled (killed, or its database away).
    const unexplained = [...arrivals].filter(([id, list]) => {
      const k = `${r.endpointId} ${id}`;
      const n = attemptLog.get(k) ?? { logged: 0, failed: 0 };
      const unsettled = (deliveryOf.get(k)?.attempts ?? 0) - n.logged;
      return list.filter((a) => a.outcome === 'accepted').length > 1 + n.failed + unsettled;
    });
    expect(
      unexplained.map(([id]) => id),
      `${label}: events accepted again with no failed or unsettled attempt to explain it`,
    ).toEqual([]);

    // Order: no event arrived before the one before it (in its thread, or of its order key) had
    // been accepted.
    const outOfOrder: string[] = [];
    for (const [key, list] of orders)
      for (let i = 1; i < list.length; i++) {
        const prev = firstAccepted.get(list[i - 1]!.e.id);
        const cur = arrivals.get(list[i]!.e.id)?.[0];
        if (prev && cur && cur.order < prev.acceptedAt!)
          outOfOrder.push(
            `${key}: ${list[i]!.seq} (${list[i]!.e.type}) arrived before ${list[i - 1]!.seq} (${list[i - 1]!.e.type}) was accepted`,
          );
      }
    expect(outOfOrder, `${label}: commit order per thread and order key`).toEqual([]);

    // No event in flight twice at once to this receiver.
    const overlapping: string[] = [];
    for (const [id, list] of arrivals) {
      const byStart = [...list].sort((x, y) => x.start - y.start);
      for (let i = 1; i < byStart.length; i++) {
        const prev = byStart[i - 1]!;
        if (prev.end === undefined || byStart[i]!.start < prev.end)
          overlapping.push(
            `${id}: a request from ${byStart[i]!.instance ?? '?'} at ${byStart[i]!.start.toFixed(1)} while one from ${prev.instance ?? '?'} (${prev.outcome}) was in flight since ${prev.start.toFixed(1)} until ${prev.end?.toFixed(1) ?? 'now'}`,
          );
      }
    }
    expect(overlapping, `${label}: one event in flight twice at once`).toEqual([]);

    for (const a of r.arrivals)
      if (a.outcome === 'accepted') {
        const k = String(a.instance ?? 'unknown');
        report.byInstance[k] = (report.byInstance[k] ?? 0) + 1;
      }
  }
  // The misbehaving receivers did misbehave, so the retries were exercised.
  for (const b of ['error500', 'reset', 'timeout', 'endless'])
    expect(report.misbehaved[b], `${b}: misbehaved`).toBeGreaterThan(0);

  // EVENTS_DELIVERY_DEBUG=1: the first duplicates of each receiver, with the gateway's delivery
  // log for them (why it sent the event again).
  if (debugDuplicates.length > 0) {
    const conn2 = openDatabase(parseDatabaseUrl(w.seeded.databaseUrl));
    try {
      const shown = new Map<unknown, number>();
      for (const d of debugDuplicates) {
        const n = shown.get(d['receiver']) ?? 0;
        if (n >= 5) continue;
        shown.set(d['receiver'], n + 1);
        d['log'] = await conn2.kysely
          .selectFrom('event_attempts')
          .select(['id', 'attempted_at', 'status_code', 'error', 'duration_ms'])
          .where('event_id', '=', d['id'] as string)
          .where('endpoint_id', '=', w.receivers.find((x) => x.behaviour === d['receiver'])!.endpointId)
          .orderBy('attempted_at')
          .execute();
        process.stdout.write(`[events-delivery duplicate] ${JSON.stringify(d)}\n`);
      }
    } finally {
      await conn2.close();
    }
  }
  const mem = w.memory.growth();
  report.rssGrowthMb = Math.round(mem.growth / 1048576);
  report.rssPeakMb = Math.round(mem.peak / 1048576);
  report.endlessMb = Math.round(report.endlessMb);
  expect(mem.growth, 'gateway resident memory growth, bytes').toBeLessThan(RSS_GROWTH_LIMIT);
  return report;
}

/** What a run must have gone through to count as one under load. */
function expectLoad(report: Report): void {
  expect(report.events).toBeGreaterThan(150);
  expect(report.threads).toBeGreaterThanOrEqual(CUSTOMERS.length);
}

/** Seconds since the scenario began, at each named step: where a run's time went, for the log. */
function phases(): { mark(name: string): void; seconds: Record<string, number> } {
  const t0 = Date.now();
  const seconds: Record<string, number> = {};
  return { seconds, mark: (name) => void (seconds[name] = Math.round((Date.now() - t0) / 100) / 10) };
}

function log(name: string, report: Report, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`[events-delivery] ${name}: ${JSON.stringify({ ...report, ...extra })}\n`);
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const targets: { name: string; url: () => Promise<{ url?: string; drop(): Promise<void> }> }[] = [
  { name: 'sqlite', url: async () => ({ drop: async () => {} }) },
];
async function pgSchemaUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const s = await createPgSchema();
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.searchParams.set('options', `-c search_path=${s.schema}`);
  return { url: u.toString(), drop: s.drop };
}
if (process.env.TEST_DATABASE_URL) targets.push({ name: 'postgres', url: pgSchemaUrl });

const SCENARIO_TIMEOUT_MS = 180_000;

describe.each(targets)('event delivery through a SIGKILL on $name', ({ name, url }) => {
  it(
    'delivers every committed event at least once, in thread order, after the restarted process takes over',
    async () => {
      const db = await url();
      let w: World | undefined;
      const p = phases();
      try {
        w = await world(db.url);
        const gw = await w.spawn();
        w.subscribe(gw);
        let current: GatewayProcess | undefined = gw;
        const traffic = new CustomerTraffic(w.sim, w.seeded, () => current);
        p.mark('gateway up');
        await traffic.run(3);
        await waitUnderWay(w);

        // Killed as more customers write: their webhooks find the gateway away, and Meta retries.
        const during = traffic.run(3);
        p.mark('killed');
        const inFlightAtKill = w.receivers.reduce((n, r) => n + r.inFlight(), 0);
        gw.proc.kill('SIGKILL');
        current = undefined;
        await gw.exited;
        // Killed mid-dispatch: some deliveries done, others pending (some of them claimed).
        const atKill = await deliveryCounts(w.seeded.databaseUrl);
        expect(atKill.delivered).toBeGreaterThan(0);
        expect(atKill.pending).toBeGreaterThan(0);
        await sleep(1000);
        // The same port: Meta keeps posting to the callback URL it knows.
        const restarted = await w.spawn(Number(new URL(gw.url).port));
        current = restarted;
        p.mark('restarted');
        await during;
        await traffic.run(3);
        p.mark('traffic done');
        await waitWebhooksSettled(w.sim, w.seeded.databaseUrl, 90_000);
        p.mark('webhooks settled');
        await waitEventsSettled(w, 90_000);
        p.mark('events settled');
        restarted.proc.kill('SIGTERM');
        expect(await restarted.exited, restarted.output()).toBe(0);

        const report = await checkDelivered(w);
        expectLoad(report);
        log(`SIGKILL on ${name}`, report, { atKill, inFlightAtKill, okSends: traffic.okSends, seconds: p.seconds });
      } finally {
        await w?.cleanup();
        await db.drop();
      }
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  `event delivery by two instances at once${process.env.TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`,
  () => {
    // SQLite is one process's database here (no claim is shared across processes): PostgreSQL only.
    it(
      'two gateways on one PostgreSQL database never deliver one event at the same moment',
      async () => {
        const db = await pgSchemaUrl();
        let w: World | undefined;
        const p = phases();
        try {
          w = await world(db.url);
          const a = await w.spawn();
          const b = await w.spawn();
          // Meta posts every webhook to both (two apps on one WABA): both commit events, and each
          // wakes its own dispatcher on its commits, beside their periodic claims.
          w.subscribe(a);
          w.subscribe(b);
          const traffic = new CustomerTraffic(w.sim, w.seeded, (round) => (round % 4 === 0 ? a : b));
          p.mark('gateways up');
          await traffic.run(9);
          p.mark('traffic done');
          await waitWebhooksSettled(w.sim, w.seeded.databaseUrl, 90_000);
          p.mark('webhooks settled');
          await waitEventsSettled(w, 90_000);
          p.mark('events settled');
          for (const g of [a, b]) g.proc.kill('SIGTERM');
          expect(await a.exited, a.output()).toBe(0);
          expect(await b.exited, b.output()).toBe(0);

          const report = await checkDelivered(w);
          expectLoad(report);
          // Both did deliver, and at overlapping times.
          const pa = String(a.proc.pid);
          const pb = String(b.proc.pid);
          expect(report.byInstance[pa] ?? 0, JSON.stringify(report.byInstance)).toBeGreaterThan(0);
          expect(report.byInstance[pb] ?? 0, JSON.stringify(report.byInstance)).toBeGreaterThan(0);
          const spans = w.receivers.flatMap((r) => r.arrivals);
          const concurrent = spans.some(
            (x) =>
              x.instance === a.proc.pid &&
              spans.some(
                (y) => y.instance === b.proc.pid && y.start < (x.end ?? Infinity) && x.start < (y.end ?? Infinity),
              ),
          );
          expect(concurrent, 'the two instances had deliveries in flight at the same time').toBe(true);
          log('two instances on postgres', report, { okSends: traffic.okSends, seconds: p.seconds });
        } finally {
          await w?.cleanup();
          await db.drop();
        }
      },
      SCENARIO_TIMEOUT_MS,
    );
  },
);

const execFileAsync = promisify(execFile);

// PostgreSQL restarted under load (as in webhook-postgres-restart.test.ts).
const cluster = (() => {
  try {
    const line = execFileSync('pg_lsclusters', ['--no-header']).toString().trim().split('\n')[0] ?? '';
    const [version, name] = line.split(/\s+/);
    return version && name ? { version, name } : undefined;
  } catch {
    return undefined;
  }
})();

const restartSkipped = !process.env.TEST_DATABASE_URL
  ? 'TEST_DATABASE_URL is not set'
  : cluster === undefined
    ? 'no local PostgreSQL cluster to restart (pg_lsclusters)'
    : undefined;

function pgReady(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Not execFileSync: stopping or starting the server takes seconds, and the receivers run in this
 * process. Blocked, they would read their sockets' events late and out of step (a request's close
 * after the next request), which looked like one event in flight twice.
 */
async function pgctl(action: 'stop' | 'start'): Promise<void> {
  const args = ['--skip-systemctl-redirect', cluster!.version, cluster!.name, action];
  await execFileAsync('pg_ctlcluster', action === 'stop' ? [...args, '-m', 'fast'] : args);
}

/** Whatever happened, the server is left running, for the cleanup and for the files after this one. */
async function ensureStarted(): Promise<void> {
  if (!pgReady()) await pgctl('start');
  await waitFor('PostgreSQL ready', pgReady, 30_000);
}

describe.skipIf(restartSkipped !== undefined)(
  `event delivery through a PostgreSQL restart${restartSkipped ? ` (skipped: ${restartSkipped})` : ''}`,
  () => {
    afterAll(ensureStarted);

    it(
      'delivers every committed event at least once, in thread order, once the database is back',
      async () => {
        const db = await pgSchemaUrl();
        let w: World | undefined;
        const p = phases();
        try {
          w = await world(db.url, { META_RETRY_BUDGET_MS: '500' });
          const gw = await w.spawn();
          w.subscribe(gw);
          const traffic = new CustomerTraffic(w.sim, w.seeded, () => gw);
          await traffic.run(3);
          await waitUnderWay(w);

          const inFlightAtStop = w.receivers.reduce((n, r) => n + r.inFlight(), 0);
          const stoppedAt = Date.now();
          await pgctl('stop');
          p.mark('database stopped');
          // More customers write meanwhile: the gateway refuses their webhooks, and Meta retries.
          await traffic.run(3);
          const refused = () =>
            w!.sim.webhooks
              .deliveries()
              .flatMap((d) => d.attempts.filter((x) => x.at >= stoppedAt && (x.status ?? 0) >= 500)).length;
          // Down until the gateway has refused Meta's webhooks for a while.
          await waitFor('webhooks refused while the database is down', () => refused() >= 5, 20_000);
          await sleep(1500);
          await pgctl('start');
          await waitFor('PostgreSQL ready', pgReady, 30_000);
          p.mark('database started');
          await traffic.run(3);
          p.mark('traffic done');
          await waitWebhooksSettled(w.sim, w.seeded.databaseUrl, 90_000);
          p.mark('webhooks settled');
          await waitEventsSettled(w, 90_000);
          p.mark('events settled');

          // The process rode out the outage, and stops cleanly.
          expect(gw.proc.exitCode, gw.output()).toBeNull();
          gw.proc.kill('SIGTERM');
          expect(await gw.exited, gw.output()).toBe(0);

          const report = await checkDelivered(w);
          expectLoad(report);
          log('PostgreSQL restart', report, {
            inFlightAtStop,
            refusedWebhooks: refused(),
            okSends: traffic.okSends,
            seconds: p.seconds,
          });
        } finally {
          await w?.cleanup();
          await ensureStarted();
          await db.drop();
        }
      },
      SCENARIO_TIMEOUT_MS,
    );
  },
);
