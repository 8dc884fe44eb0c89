// The real gateway as a child process, for tests that kill, restart or signal it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { MetaSimWithWebhooks, SimInbound } from '../../meta-sim/index.js';
import { freePort, waitHealthy } from '../../bench/processes.js';
import { loadConfig, parseDatabaseUrl } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
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

export interface SpawnOptions {
  /**
   * Listen on this port rather than a free one: a gateway restarted after a kill keeps the URL that
   * Meta (the simulator) posts its webhooks to.
   */
  port?: number;
}

export async function spawnGateway(
  seeded: SeededDatabase,
  env: Record<string, string>,
  opts: SpawnOptions = {},
): Promise<GatewayProcess> {
  const port = opts.port ?? (await freePort());
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

export interface SeededMetaApp {
  appId: string;
  appSecret: string;
  wabaId: string;
}

/**
 * A Meta app, and the seeded organization on it (metaApp, metaWabaId), so that the webhooks Meta
 * signs with the app's secret for the organization's phone number are routed to it.
 */
export async function seedMetaApp(seeded: SeededDatabase, app: SeededMetaApp): Promise<void> {
  const ctx = await createContext(
    loadConfig({ DATABASE_URL: seeded.databaseUrl, DATA_DIR: seeded.dataDir, FLOWIQ_SECRET: TEST_SECRET }),
    TEST_SECRET,
  );
  await ctx.apps.create(app.appId, { appSecret: app.appSecret, verifyToken: 'fault-verify-token' });
  // The storm sends free-form texts whatever the 24-hour window says (the window has its own tests).
  await ctx.organizations.update(seeded.slug, { metaApp: app.appId, metaWabaId: app.wabaId, windowCheck: 'off' });
  await ctx.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The seeded contact first, so one thread holds both the messages sent to it and its replies.
const CUSTOMERS = ['27123456789', '16505550001', '16505550002', '16505550003', '16505550004'];

/**
 * Meta's webhooks in a storm against a gateway that may be killed or lose its database: messages
 * sent through the gateway (the simulator posts their statuses), customers' messages posted by the
 * simulator in batches, some of them repeating messages posted before (as Meta redelivers one it
 * is unsure of). Everything the storm does is tolerant of the gateway being away; what reached it
 * is read from the simulator's log afterwards, not from here.
 */
export class WebhookStorm {
  /** Texts whose send was answered 200. */
  readonly okSends: string[] = [];
  sendAttempts = 0;
  #posted: SimInbound[] = [];
  #seq = 0;
  #stopped = false;
  #workers: Promise<void>[] = [];

  constructor(
    private readonly gatewayUrl: string,
    private readonly seeded: SeededDatabase,
    private readonly sim: MetaSimWithWebhooks,
    private readonly limits = { sends: 150, inboundBatches: 400 },
  ) {}

  start(opts: { senders?: number; posters?: number } = {}): void {
    for (let i = 0; i < (opts.senders ?? 4); i++) this.#workers.push(this.#sender());
    for (let i = 0; i < (opts.posters ?? 3); i++) this.#workers.push(this.#poster(i));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#workers);
  }

  /**
   * `n` batches of customers' messages at once; resolves when the first of them has been answered
   * (or refused), so that a kill then finds the others in every state: not yet received, committed
   * and unanswered, answered and not yet processed. `rest` settles once every first attempt has.
   */
  async burst(n: number, size: number): Promise<{ rest: Promise<unknown> }> {
    const posts = Array.from({ length: n }, (_, i) => this.#post(this.#batch(i, size, 3)));
    await Promise.race(posts);
    return { rest: Promise.all(posts) };
  }

  async #sender(): Promise<void> {
    while (!this.#stopped && this.sendAttempts < this.limits.sends) {
      this.sendAttempts++;
      const text = `storm-${this.sendAttempts}`;
      try {
        const res = await fetch(`${this.gatewayUrl}/send-whatsapp?tenantId=${this.seeded.slug}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.seeded.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ phone_number: '+27123456789', message_type: 'text', text }),
        });
        await res.arrayBuffer();
        if (res.status === 200) this.okSends.push(text);
        else await sleep(50);
      } catch {
        // The gateway is away (killed, restarting): try the next one a little later.
        await sleep(100);
      }
    }
  }

  async #poster(worker: number): Promise<void> {
    let batches = 0;
    while (!this.#stopped && batches++ < this.limits.inboundBatches) {
      await this.#post(this.#batch(worker, 8, 2));
      // Paced, so that the storm lasts through the outage rather than running out before it.
      await sleep(100);
    }
  }

  /** `fresh` new messages from one customer, plus `repeats` earlier messages posted again, unchanged. */
  #batch(worker: number, fresh: number, repeats: number): SimInbound[] {
    const from = CUSTOMERS[(worker + this.#seq) % CUSTOMERS.length]!;
    const batch: SimInbound[] = [];
    for (let i = 0; i < fresh; i++)
      batch.push({ type: 'text', from, name: `Customer ${from}`, text: { body: `in-${++this.#seq}` } });
    for (let i = 0; i < repeats && this.#posted.length > 0; i++)
      batch.push(this.#posted[Math.floor(Math.random() * this.#posted.length)]!);
    return batch;
  }

  async #post(batch: SimInbound[]): Promise<void> {
    const res = await this.sim.webhooks.inbound(batch);
    // As posted, with the simulator's wamid and timestamp, so that a repeat is the same message.
    res.messages.forEach((m, i) => {
      const posted = m as { id: string; timestamp: string };
      this.#posted.push({ ...batch[i]!, id: posted.id, timestamp: Number(posted.timestamp) });
    });
  }
}

/**
 * Waits until the simulator has no delivery left to retry and the gateway has processed every
 * receipt and applied every status whose message has its wamid (statuses that came before the
 * wamid was stored are applied by the periodic job).
 */
export async function waitWebhooksSettled(sim: MetaSimWithWebhooks, databaseUrl: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    const pending = sim.webhooks.deliveries().filter((d) => d.state === 'pending').length;
    if (pending === 0) {
      const conn = openDatabase(parseDatabaseUrl(databaseUrl));
      try {
        const receipts = await conn.kysely
          .selectFrom('webhook_receipts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('state', '=', 'pending')
          .executeTakeFirstOrThrow();
        const waiting = await conn.kysely
          .selectFrom('message_statuses as s')
          .innerJoin('helpdesk_messages as m', (j) =>
            j
              .onRef('m.organization_id', '=', 's.organization_id')
              .onRef('m.whatsapp_message_id', '=', 's.whatsapp_message_id')
              .on('m.direction', '=', 'outbound'),
          )
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('s.applied_at', 'is', null)
          .executeTakeFirstOrThrow();
        if (Number(receipts.n) === 0 && Number(waiting.n) === 0) return;
        last = `${receipts.n} receipts pending, ${waiting.n} statuses waiting`;
      } finally {
        await conn.close();
      }
    } else last = `${pending} deliveries pending at the simulator`;
    await sleep(250);
  }
  throw new Error(`webhooks did not settle within ${ms} ms: ${last}`);
}

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

interface Outcome {
  counts: Record<string, number>;
}

/**
 * Everything Meta (the simulator) posted was applied exactly once: every delivery ended answered
 * 200 and its body is a processed receipt; every inbound wamid is one message, stored by exactly
 * one receipt's processing; every status is in the history once, recorded by exactly one
 * receipt's processing, and each message ended at the furthest status posted for it; the threads'
 * counters equal their messages. Returns what the run went through, for the test to check it was
 * a storm at all.
 */
export async function checkWebhooksAppliedOnce(
  sim: MetaSimWithWebhooks,
  databaseUrl: string,
): Promise<{ deliveries: number; retried: number; receipts: number; inbound: number; statuses: number }> {
  const deliveries = sim.webhooks.deliveries();
  const notDelivered = deliveries.filter((d) => d.state !== 'delivered');
  expect(
    notDelivered.map((d) => `${d.id} ${d.state} ${JSON.stringify(d.attempts.slice(-2))}`),
    'deliveries never answered 200',
  ).toEqual([]);

  const inboundWamids = new Set(deliveries.filter((d) => d.kind === 'messages').flatMap((d) => d.wamids));
  const posted = new Map<string, Set<string>>(); // wamid → statuses the simulator posted for it
  for (const d of deliveries.filter((x) => x.kind === 'statuses'))
    d.wamids.forEach((w, i) => {
      const set = posted.get(w) ?? new Set<string>();
      set.add(d.statuses[i]!);
      posted.set(w, set);
    });

  const conn = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    const k = conn.kysely;
    const receipts = await k.selectFrom('webhook_receipts').select(['body', 'state', 'outcome']).execute();
    expect(
      receipts.filter((r) => r.state !== 'processed').map((r) => r.state),
      'receipts not processed',
    ).toEqual([]);
    const bodies = new Set(receipts.map((r) => r.body));
    const lost = deliveries.filter((d) => !bodies.has(d.body)).map((d) => d.id);
    expect(lost, 'deliveries answered 200 with no receipt of their body').toEqual([]);
    const total = (key: string) =>
      receipts.reduce((n, r) => n + ((JSON.parse(r.outcome ?? '{}') as Outcome).counts?.[key] ?? 0), 0);

    const inbound = await k
      .selectFrom('helpdesk_messages')
      .select(['whatsapp_message_id', 'session_id'])
      .where('direction', '=', 'inbound')
      .execute();
    const perWamid = new Map<string, number>();
    for (const r of inbound) perWamid.set(r.whatsapp_message_id!, (perWamid.get(r.whatsapp_message_id!) ?? 0) + 1);
    expect(
      [...perWamid].filter(([, n]) => n !== 1),
      'inbound wamids stored more than once',
    ).toEqual([]);
    expect(new Set(perWamid.keys()), 'inbound wamids stored ≠ wamids posted').toEqual(inboundWamids);
    // The outcome is committed with the writes: a message stored twice (then removed, or under a
    // changed wamid) would show here even where the unique index hides it.
    expect(total('message_stored'), 'messages stored by receipt processing').toBe(inboundWamids.size);

    const history = await k
      .selectFrom('message_statuses')
      .select(['whatsapp_message_id', 'status', 'applied_at'])
      .execute();
    const seen = new Map<string, string[]>();
    for (const h of history) seen.set(h.whatsapp_message_id, [...(seen.get(h.whatsapp_message_id) ?? []), h.status]);
    const historyProblems: string[] = [];
    for (const [wamid, statuses] of posted) {
      const got = (seen.get(wamid) ?? []).sort().join();
      const want = [...statuses].sort().join();
      if (got !== want) historyProblems.push(`${wamid}: posted ${want}, history ${got}`);
    }
    for (const wamid of seen.keys()) if (!posted.has(wamid)) historyProblems.push(`${wamid}: never posted`);
    expect(historyProblems, 'status histories').toEqual([]);
    const recorded = total('status_applied') + total('status_kept') + total('status_waiting');
    expect(recorded, 'statuses recorded by receipt processing').toBe(history.length);

    const outbound = await k
      .selectFrom('helpdesk_messages')
      .select(['whatsapp_message_id', 'status'])
      .where('direction', '=', 'outbound')
      .where('whatsapp_message_id', 'is not', null)
      .execute();
    const wrongStatus: string[] = [];
    for (const m of outbound) {
      const sent = [...(posted.get(m.whatsapp_message_id!) ?? [])];
      const furthest = sent.sort((a, b) => (RANK[b] ?? 0) - (RANK[a] ?? 0))[0] ?? 'sent';
      if (m.status !== furthest) wrongStatus.push(`${m.whatsapp_message_id}: ${m.status}, furthest posted ${furthest}`);
    }
    expect(wrongStatus, 'messages not at the furthest status posted').toEqual([]);

    // message_count counts every message of the thread; unread_count the customer's messages no
    // agent has read (none is read here, and the storm posts only texts, which all count unread).
    const sessions = await k.selectFrom('customer_sessions').select(['id', 'message_count', 'unread_count']).execute();
    const messages = await k.selectFrom('helpdesk_messages').select(['session_id', 'direction']).execute();
    const counterProblems: string[] = [];
    for (const s of sessions) {
      const mine = messages.filter((m) => m.session_id === s.id);
      const inbound = mine.filter((m) => m.direction === 'inbound').length;
      if (Number(s.message_count) !== mine.length || Number(s.unread_count) !== inbound)
        counterProblems.push(
          `${s.id}: message_count ${s.message_count} for ${mine.length} messages, unread_count ${s.unread_count} for ${inbound} inbound`,
        );
    }
    expect(counterProblems, 'customer_sessions counters').toEqual([]);

    return {
      deliveries: deliveries.length,
      retried: deliveries.filter((d) => d.attempts.length > 1).length,
      receipts: receipts.length,
      inbound: inboundWamids.size,
      statuses: history.length,
    };
  } finally {
    await conn.close();
  }
}

export interface SeededEndpoint {
  id: string;
  url: string;
  /** The signing secret, shown once at creation: what the receiver verifies with. */
  secret: string;
}

/**
 * Event endpoints of the seeded organization, subscribed to `eventTypes` (default every type),
 * created through the service as `flowiq endpoint create` does. Loopback URLs need
 * EVENTS_ALLOW_PRIVATE_NETWORKS=true, here and in the gateway's env.
 */
export async function seedEventEndpoints(
  seeded: SeededDatabase,
  urls: string[],
  eventTypes: string[] = ['*'],
): Promise<SeededEndpoint[]> {
  const ctx = await createContext(
    loadConfig({
      DATABASE_URL: seeded.databaseUrl,
      DATA_DIR: seeded.dataDir,
      FLOWIQ_SECRET: TEST_SECRET,
      EVENTS_ALLOW_PRIVATE_NETWORKS: 'true',
    }),
    TEST_SECRET,
  );
  try {
    const org = await ctx.organizationStore.findBySlug(seeded.slug);
    if (!org) throw new Error(`no organization ${seeded.slug}`);
    const out: SeededEndpoint[] = [];
    for (const url of urls) {
      const e = await ctx.endpoints.create(org.id, { url, eventTypes });
      out.push({ id: e.id, url: e.url, secret: e.secret });
    }
    return out;
  } finally {
    await ctx.close();
  }
}

/** The resident set size of a live process in bytes, from /proc (Linux); undefined once it is gone. */
export function residentBytes(pid: number | undefined): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which of `pids` holds the client end of a loopback TCP connection from `clientPort` to
 * `serverPort`, read from /proc (Linux): how a receiver in the test process tells the gateway
 * instances posting to it apart. Undefined when none does (or not on Linux).
 */
export function tcpClientOwner(clientPort: number, serverPort: number, pids: readonly number[]): number | undefined {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (f[1]!.endsWith(`:${hex(clientPort)}`) && f[2]!.endsWith(`:${hex(serverPort)}`)) {
        inode = f[9];
        break;
      }
    }
    if (inode !== undefined) break;
  }
  if (inode === undefined || inode === '0') return undefined;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
