// `npm run bench:inbox`: the inbox read API (docs/INBOX-API.md) as a client uses it, over HTTP
// against the gateway in its own process (`flowiq serve`), on data at the scale: 100,000
// contacts and 2,000,000 messages in one organization (bench/inbox-data.ts), on SQLite and, with
// BENCH_DATABASE_URL (default the local test database), PostgreSQL. One request at a time, RUNS
// per query after WARMUP; p50 and p99 of the time to the whole answer, body read.
// The data is kept under BENCH_INBOX_DIR (/tmp/flowiq-bench-inbox) and reused by the next run.
// BENCH_ENGINES=sqlite|postgres runs one; BENCH_INBOX_CONTACTS / BENCH_INBOX_MESSAGES scale it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeKey } from '../src/conversations/inbox-reads.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { CONTACTS, DIR, MESSAGES, dataset, type Dataset } from './inbox-data.js';
import { freePort, startChild, type Child } from './processes.js';
import { SECRET } from './setup.js';

const env = process.env;
const RUNS = Number(env.BENCH_INBOX_RUNS ?? 200);
const WARMUP = 10;
const PG = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENGINES = (env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];

async function startGateway(ds: Dataset): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-inbox-gw-'));
  // Ready once it logs that it listens; startChild rejects with its output if it exits first.
  const child = await startChild(
    ['bin/flowiq.js', 'serve'],
    {
      FLOWIQ_FROM_SOURCE: '1',
      PORT: String(port),
      DATABASE_URL: ds.databaseUrl,
      DATA_DIR: dataDir,
      FLOWIQ_SECRET: SECRET,
      RATE_LIMIT_PER_KEY: '0',
      LOG_LEVEL: 'info',
    },
    /listening|Server listening/i,
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (i > 600) throw new Error('the gateway did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Result {
  query: string;
  p50: number;
  p99: number;
  rows: number;
}

async function main(): Promise<void> {
  const results: Record<string, Result[]> = {};
  for (const engine of ENGINES) {
    const ds = await dataset(engine, PG);
    const { url, child } = await startGateway(ds);
    try {
      const get = async (p: string, query: Record<string, string> = {}) => {
        const res = await fetch(`${url}${p}?${new URLSearchParams({ tenantId: ds.slug, ...query }).toString()}`, {
          headers: { authorization: `Bearer ${ds.key}` },
        });
        const body = (await res.json()) as { data: unknown[]; next_cursor?: string | null };
        if (res.status !== 200)
          throw new Error(`${p} ${JSON.stringify(query)} answered ${res.status}: ${JSON.stringify(body)}`);
        return body;
      };
      const list = (query: Record<string, string> = {}) => get('/api/conversations', query);
      let cursor = (await list()).next_cursor!;
      for (let i = 0; i < 38; i++) cursor = (await list({ cursor })).next_cursor!;
      const middle = await middleCursor(ds);
      const messages = (id: string, query: Record<string, string> = {}) =>
        get(`/api/conversations/${id}/messages`, query);
      const queries: [string, () => Promise<{ data: unknown[] }>][] = [
        ['list: first page (25)', () => list()],
        ['list: page 40 (by cursor)', () => list({ cursor })],
        ['list: unread=true', () => list({ unread: 'true' })],
        ['list: window=open', () => list({ window: 'open' })],
        ['list: failed=true', () => list({ failed: 'true' })],
        ['list: unread, window open, no failure', () => list({ unread: 'true', window: 'open', failed: 'false' })],
        [`search: name (q=${ds.deep.name})`, () => list({ q: ds.deep.name })],
        [
          `search: number, as typed (q=+${ds.deep.number.slice(0, 2)} ${ds.deep.number.slice(2, 6)})`,
          () => list({ q: `+${ds.deep.number.slice(0, 2)} ${ds.deep.number.slice(2, 6)}` }),
        ],
        [`search: number, 7 digits (q=${ds.deep.number.slice(-7)})`, () => list({ q: ds.deep.number.slice(-7) })],
        ['search: common word (q=order)', () => list({ q: 'order' })],
        [
          'search: common word, page 2',
          async () => list({ q: 'order', cursor: (await list({ q: 'order' })).next_cursor! }),
        ],
        ['search: less common word (q=refund)', () => list({ q: 'refund' })],
        [`search: rare text (q=${ds.deep.order})`, () => list({ q: ds.deep.order })],
        ['search: no match (q=zebra crossing)', () => list({ q: 'zebra crossing' })],
        ['search: 2 characters (q=zu)', () => list({ q: 'zu' })],
        ['search: word + unread=true (q=refund)', () => list({ q: 'refund', unread: 'true' })],
        [`messages: newest 50 of a ${Math.floor(MESSAGES / 200)}-message thread`, () => messages(ds.bigThread)],
        ['messages: 50 before its middle', () => messages(ds.bigThread, { before: middle })],
        ['messages: 50 after its middle', () => messages(ds.bigThread, { after: middle })],
        ['messages: a short thread', () => messages(ds.smallThread)],
      ];
      const out: Result[] = [];
      console.log(
        `${engine}: ${CONTACTS} contacts, ${MESSAGES} messages (data of ${ds.generatedAt}), ${RUNS} runs each`,
      );
      for (const [label, run] of queries) {
        for (let i = 0; i < WARMUP; i++) await run();
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          rows = (await run()).data.length;
          ms.push(performance.now() - t);
        }
        ms.sort((a, b) => a - b);
        const r = { query: label, p50: pct(ms, 50), p99: pct(ms, 99), rows };
        out.push(r);
        console.log(
          `  ${label.padEnd(58)} p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  (${rows} rows)`,
        );
      }
      results[engine] = out;
    } finally {
      await child.stop();
    }
  }
  fs.mkdirSync('bench/results', { recursive: true });
  const file = path.join('bench/results', 'inbox-latest.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      { at: new Date().toISOString(), load: os.loadavg(), contacts: CONTACTS, messages: MESSAGES, runs: RUNS, results },
      null,
      2,
    ),
  );
  console.log(`written to ${file} (data kept in ${DIR})`);
}

/** A cursor in the middle of the longest thread, as the API would hand it out. */
async function middleCursor(ds: Dataset): Promise<string> {
  const db = openDatabase(loadConfig({ DATABASE_URL: ds.databaseUrl, DATA_DIR: DIR, FLOWIQ_SECRET: SECRET }).database);
  try {
    const rows = await db.kysely
      .selectFrom('helpdesk_messages')
      .select(['created_at', 'id'])
      .where('session_id', '=', ds.bigThread)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const m = rows[Math.floor(rows.length / 2)]!;
    return encodeKey([m.created_at, m.id]);
  } finally {
    await db.close();
  }
}

await main();
