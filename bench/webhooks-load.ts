// The pieces of `npm run bench:webhooks` that know Meta's webhooks and the gateway's tables: the
// seeded Meta app, signed status bodies in Meta's shape, and a read-only look at the receipts so
// that the bench can tell when background processing has caught up.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/server/context.js';
import { CONTACT, PHONE_ID, SECRET } from './setup.js';

// Written here, not taken from the gateway: the bench signs as Meta does, independently of the
// code that checks the signature.
export const APP_ID = '880000000000001';
export const APP_SECRET = 'bench-app-secret-0123456789abcdef';
export const WABA_ID = '990000000000001';
const RECIPIENT = CONTACT.replace(/^\+/, '');

/**
 * Gives the bench organization (made by setup.ts's seed) a Meta app and a WABA, so that webhooks
 * of APP_ID for PHONE_ID route to it. Done beside the running gateway: it has not looked up the
 * app yet, so its 2 s webhook caches hold nothing stale.
 */
export async function seedApp(databaseUrl: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-webhooks-seed-'));
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, FLOWIQ_SECRET: SECRET });
  const ctx = await createContext(config, SECRET);
  try {
    await ctx.apps.create(APP_ID, { appSecret: APP_SECRET, verifyToken: 'bench-verify-token', name: 'Bench app' });
    await ctx.organizations.update('bench', { metaApp: APP_ID, metaWabaId: WABA_ID });
  } finally {
    await ctx.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export type StatusValue = 'sent' | 'delivered' | 'read';
export interface Status {
  wamid: string;
  status: StatusValue;
}

/** Each message's life as Meta reports it: sent, delivered, read, in that order. */
export function lifecycle(wamids: string[]): Status[] {
  const out: Status[] = [];
  for (const wamid of wamids) for (const status of ['sent', 'delivered', 'read'] as const) out.push({ wamid, status });
  return out;
}

const T0 = Math.floor(Date.now() / 1000);
const STEP: Record<StatusValue, number> = { sent: 0, delivered: 1, read: 3 };

/**
 * One webhook body with these statuses, shaped as Meta sends them: pricing (and, before Graph v24,
 * the conversation) on sent and delivered, none on read, as the simulator does.
 */
export function statusBody(statuses: Status[]): string {
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
              statuses: statuses.map((s) => ({
                id: s.wamid,
                status: s.status,
                timestamp: String(T0 + STEP[s.status]),
                recipient_id: RECIPIENT,
                ...(s.status === 'read'
                  ? {}
                  : {
                      conversation: {
                        id: 'c0ffee0000000000000000000000bench',
                        ...(s.status === 'sent' ? { expiration_timestamp: String(T0 + 86_400) } : {}),
                        origin: { type: 'service' },
                      },
                      pricing: {
                        billable: false,
                        pricing_model: 'PMP',
                        type: 'free_customer_service',
                        category: 'service',
                      },
                    }),
              })),
            },
          },
        ],
      },
    ],
  });
}

export function sign(body: string): string {
  return `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
}

export interface Counts {
  /** Receipts not yet processed. */
  pending: number;
  failedReceipts: number;
  /** message_statuses rows, and those applied to their message. */
  statuses: number;
  applied: number;
  /** Outbound messages whose current status is read. */
  read: number;
}

/** The bench's own connection to the gateway's database: reads only. */
export interface Probe {
  pending(): Promise<number>;
  counts(): Promise<Counts>;
  /** Meta's ids of the sent outbound messages, oldest first. */
  wamids(): Promise<string[]>;
  close(): Promise<void>;
}

const SQL = {
  pending: `select count(*) as n from webhook_receipts where state = 'pending'`,
  counts: `select
      (select count(*) from webhook_receipts where state = 'pending') as pending,
      (select count(*) from webhook_receipts where state = 'failed') as failed,
      (select count(*) from message_statuses) as statuses,
      (select count(*) from message_statuses where applied_at is not null) as applied,
      (select count(*) from helpdesk_messages where direction = 'outbound' and status = 'read') as reads`,
  wamids: `select whatsapp_message_id as w from helpdesk_messages
      where direction = 'outbound' and status = 'sent' and whatsapp_message_id is not null order by created_at, id`,
};

interface CountRow {
  pending: number | string;
  failed: number | string;
  statuses: number | string;
  applied: number | string;
  reads: number | string;
}

function toCounts(r: CountRow): Counts {
  return {
    pending: Number(r.pending),
    failedReceipts: Number(r.failed),
    statuses: Number(r.statuses),
    applied: Number(r.applied),
    read: Number(r.reads),
  };
}

export async function openProbe(databaseUrl: string): Promise<Probe> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { fileMustExist: true });
    // The gateway may hold the write lock for a whole processing batch; wait for it rather than fail.
    db.pragma('busy_timeout = 5000');
    const pending = db.prepare(SQL.pending);
    const counts = db.prepare(SQL.counts);
    const wamids = db.prepare(SQL.wamids);
    return {
      pending: async () => Number((pending.get() as { n: number }).n),
      counts: async () => toCounts(counts.get() as CountRow),
      wamids: async () => (wamids.all() as { w: string }[]).map((r) => r.w),
      close: async () => void db.close(),
    };
  }
  // A pool of one rather than a client: the shared machine's PostgreSQL may restart under the
  // bench (other suites restart it on purpose), and a pool reconnects where a client would die.
  const client = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  client.on('error', () => {}); // an idle connection lost: the next query opens another
  const query = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await client.query<R>(text)).rows;
      } catch (err) {
        if (attempt >= 100) throw err; // 20 s: not a restart
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  return {
    pending: async () => Number((await query<{ n: string }>(SQL.pending))[0]!.n),
    counts: async () => toCounts((await query<CountRow>(SQL.counts))[0]!),
    wamids: async () => (await query<{ w: string }>(SQL.wamids)).map((r) => r.w),
    close: () => client.end(),
  };
}

/**
 * CPU seconds of PostgreSQL's server processes (its backends do the writes) since this was made.
 * A backend that exits takes its counters with it, so the processes are sampled while the load
 * runs (`sample()` every few hundred ms) and each one's growth is added up; one that ends between
 * samples loses only its last interval.
 */
export class PostgresCpuMeter {
  readonly #last = new Map<number, number>();
  #total = 0;

  constructor(private readonly cpuSeconds: (pid: number) => number | undefined) {
    for (const [pid, cpu] of this.#read()) this.#last.set(pid, cpu);
  }

  #read(): Map<number, number> {
    const now = new Map<number, number>();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue;
        const cpu = this.cpuSeconds(Number(d));
        if (cpu !== undefined) now.set(Number(d), cpu);
      } catch {
        // the process ended meanwhile
      }
    }
    return now;
  }

  sample(): number {
    const now = this.#read();
    for (const [pid, cpu] of now) this.#total += Math.max(0, cpu - (this.#last.get(pid) ?? 0));
    this.#last.clear();
    for (const [pid, cpu] of now) this.#last.set(pid, cpu);
    return this.#total;
  }
}

export interface LoadResult {
  /** Requests answered, and of them with a 2xx. */
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

/**
 * POSTs at a steady `rate` per second, spread evenly over each second. autocannon's overallRate
 * gives each connection a quota per second that it spends back to back from the second's start,
 * so its "1,000/s" arrives as a burst every second; this is the smooth arrival beside it. Open
 * loop: a request is issued when it is due whether or not earlier ones are answered, and one that
 * waits for a free connection counts that wait in its latency (ms, from when it was issued).
 */
export async function paced(o: {
  origin: string;
  path: string;
  rate: number;
  duration: number;
  connections: number;
  next: () => { body: string; headers: Record<string, string> } | undefined;
}): Promise<LoadResult> {
  const pool = new Pool(o.origin, { connections: o.connections, pipelining: 1 });
  const latencies: number[] = [];
  const r = { requests: 0, ok: 0, non2xx: 0, errors: 0 };
  const inflight = new Set<Promise<void>>();
  const one = async (req: { body: string; headers: Record<string, string> }): Promise<void> => {
    const t = performance.now();
    try {
      const res = await pool.request({ path: o.path, method: 'POST', headers: req.headers, body: req.body });
      await res.body.dump();
      latencies.push(performance.now() - t);
      r.requests++;
      if (res.statusCode >= 200 && res.statusCode < 300) r.ok++;
      else r.non2xx++;
    } catch {
      r.errors++;
    }
  };
  const start = performance.now();
  let issued = 0;
  let exhausted = false;
  while (!exhausted && performance.now() - start < o.duration * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * o.rate);
    while (issued < due) {
      const req = o.next();
      if (req === undefined) {
        exhausted = true;
        break;
      }
      issued++;
      const p = one(req).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    ...r,
    p50: percentile(latencies, 50),
    p97_5: percentile(latencies, 97.5),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
  };
}
