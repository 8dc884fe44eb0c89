// bench:inbox's data: one organization with CONTACTS contacts, one conversation each, and MESSAGES
// messages, generated the same way (one seeded random sequence) on SQLite and PostgreSQL and kept
// between runs (a file, or a schema, named by the scale, under BENCH_INBOX_DIR), so a re-run skips
// the generation. Most conversations are short (an exponential length, mean ~16), LONG of them hold
// LONG_SIZE messages each; half the messages are ours, each with its status and a status row (one
// in 500 failed); there are images with captions, documents, audio and the customer's reactions.
// The search indexes (migration 015) are dropped while loading and rebuilt from their own
// definitions after, as the migration builds them on an existing database.
import fs from 'node:fs';
import path from 'node:path';
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { migrate, openDatabase, type Db } from '../src/db/database.js';
import { SQLITE_BACKFILL } from '../src/db/migrations/015-inbox-search.js';
import { createContext } from '../src/server/context.js';
import { SECRET } from './setup.js';
import { thread as makeThread, type Row } from './inbox-rows.js';

const env = process.env;
export const CONTACTS = Number(env.BENCH_INBOX_CONTACTS ?? 100_000);
export const MESSAGES = Number(env.BENCH_INBOX_MESSAGES ?? 2_000_000);
export const DIR = env.BENCH_INBOX_DIR ?? '/tmp/flowiq-bench-inbox';
const LONG = 20;
const LONG_SIZE = Math.floor(MESSAGES / 10 / LONG);
const VERSION = 1;

/** What the measurements need to know of the data, kept beside it. */
export interface Dataset {
  databaseUrl: string;
  key: string;
  slug: string;
  organizationId: string;
  /** The longest conversation, and a short one. */
  bigThread: string;
  smallThread: string;
  /** A contact deep in the list (old activity): its name, number and its order number. */
  deep: { name: string; number: string; order: string };
  generatedAt: string;
}

/** A small deterministic generator (mulberry32): the same data on both engines and every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Messages per conversation: LONG long ones, the rest exponential, summing to MESSAGES. */
function lengths(rnd: () => number): number[] {
  const rest = MESSAGES - LONG * LONG_SIZE;
  const raw = Array.from({ length: CONTACTS - LONG }, () => -Math.log(1 - rnd()));
  const sum = raw.reduce((a, b) => a + b, 0);
  const out = raw.map((x) => Math.max(1, Math.round((x / sum) * rest)));
  let diff = rest - out.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % out.length) {
    if (diff > 0 || out[i]! > 1) {
      out[i]! += Math.sign(diff);
      diff -= Math.sign(diff);
    }
  }
  return [...Array.from({ length: LONG }, () => LONG_SIZE), ...out];
}

interface Sink {
  rows(table: string, rows: Row[]): Promise<void>;
}

function sqliteSink(db: Db & { engine: 'sqlite' }): Sink {
  const stmts = new Map<string, SQLite.Statement<unknown[]>>();
  return {
    rows: async (table, rows) => {
      if (rows.length === 0) return;
      const cols = Object.keys(rows[0]!);
      const key = `${table}:${cols.join(',')}`;
      let stmt = stmts.get(key);
      if (!stmt)
        stmts.set(
          key,
          (stmt = db.sqlite.prepare<unknown[]>(
            `insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`,
          )),
        );
      const s = stmt;
      db.sqlite.transaction(() => {
        for (const r of rows) s.run(...cols.map((c) => r[c] ?? null));
      })();
    },
  };
}

function pgSink(db: Db & { engine: 'postgres' }): Sink {
  return {
    rows: async (table, rows) => {
      if (rows.length === 0) return;
      const cols = Object.keys(rows[0]!);
      // One statement per batch, one array parameter per column (no 65,535-parameter limit).
      const arrays = cols.map((c) => rows.map((r) => r[c] ?? null));
      const types = cols.map((c) => (c === 'message_count' || c === 'unread_count' ? 'int[]' : 'text[]'));
      await db.pgPool.query(
        `insert into ${table} (${cols.join(', ')}) select * from unnest(${cols.map((_, i) => `$${i + 1}::${types[i]}`).join(', ')})`,
        arrays,
      );
    },
  };
}

/**
 * The search indexes' definitions (SQLite: the triggers that feed them), then drops them, to load
 * without them and build them after, as the migration does on an existing database: an index built
 * whole is several times faster than one fed row by row.
 */
async function dropSearchIndexes(db: Db): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const defs = db.sqlite
      .prepare(`select name, sql from sqlite_master where type = 'trigger' and name like '%_search_%'`)
      .all() as { name: string; sql: string }[];
    for (const d of defs) db.sqlite.exec(`drop trigger ${d.name}`);
    return defs.map((d) => d.sql);
  }
  const { rows } = await db.pgPool.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes where schemaname = current_schema() and indexname like '%_trgm'`,
  );
  for (const r of rows) await db.pgPool.query(`drop index ${r.name}`);
  return rows.map((r) => r.def);
}

async function rebuildSearchIndexes(db: Db, defs: string[]): Promise<void> {
  if (db.engine === 'sqlite') {
    for (const q of SQLITE_BACKFILL) db.sqlite.exec(q);
    for (const d of defs) db.sqlite.exec(d);
    db.sqlite.exec('analyze');
    return;
  }
  const client = await db.pgPool.connect();
  try {
    await client.query(`set maintenance_work_mem = '256MB'`);
    for (const d of defs) await client.query(d);
    await client.query('analyze');
  } finally {
    client.release();
  }
}

async function seedOrganization(databaseUrl: string): Promise<{ key: string; organizationId: string }> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: DIR, FLOWIQ_SECRET: SECRET });
  const ctx = await createContext(config, SECRET);
  try {
    const org = await ctx.organizations.create('inbox', { name: 'Inbox bench', provider: 'meta' });
    const key = await ctx.auth.createKey({ orgSlug: 'inbox' });
    return { key: key.key, organizationId: org.id };
  } finally {
    await ctx.close();
  }
}

async function fill(db: Db, organizationId: string): Promise<Omit<Dataset, 'databaseUrl' | 'key' | 'generatedAt'>> {
  const sink = db.engine === 'sqlite' ? sqliteSink(db) : pgSink(db);
  const rnd = random(42);
  const sizes = lengths(rnd);
  const end = Date.now() - (Date.now() % 3_600_000);
  // Conversations by last activity: index 0 is the most recent. The long ones are spread among them.
  const order = sizes.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const deepIndex = Math.floor(CONTACTS * 0.7);
  const out = { bigThread: '', smallThread: '', deep: { name: '', number: '', order: '' } };
  let contacts: Row[] = [];
  let sessions: Row[] = [];
  let messages: Row[] = [];
  let statuses: Row[] = [];
  const flush = async (force: boolean) => {
    if (!force && messages.length < 20_000) return;
    await sink.rows('contacts', contacts);
    await sink.rows('customer_sessions', sessions);
    await sink.rows('helpdesk_messages', messages);
    await sink.rows('message_statuses', statuses);
    contacts = [];
    sessions = [];
    messages = [];
    statuses = [];
  };
  for (let rank = 0; rank < CONTACTS; rank++) {
    const size = sizes[order[rank]!]!;
    const last = end - Math.floor((rank / CONTACTS) * 90 * 86_400_000) - Math.floor(rnd() * 60_000);
    const thread = makeThread(rnd, { organizationId, rank, size, last });
    contacts.push(thread.contact);
    sessions.push(thread.session);
    messages.push(...thread.messages);
    statuses.push(...thread.statuses);
    if (size === LONG_SIZE && out.bigThread === '') out.bigThread = thread.session['id'] as string;
    if (size > 5 && size < 30 && out.smallThread === '' && rank > 10) out.smallThread = thread.session['id'] as string;
    if (rank === deepIndex)
      out.deep = {
        name: thread.contact['name'] as string,
        number: thread.contact['whatsapp_number'] as string,
        order: thread.order,
      };
    await flush(false);
  }
  await flush(true);
  return { slug: 'inbox', organizationId, ...out };
}

/** The dataset at this scale on `engine`: generated now, or the one a previous run left. */
export async function dataset(engine: 'sqlite' | 'postgres', pgBase: string): Promise<Dataset> {
  fs.mkdirSync(DIR, { recursive: true });
  const name = `inbox-v${VERSION}-c${CONTACTS}-m${MESSAGES}`;
  const meta = path.join(DIR, `${name}.${engine}.json`);
  let databaseUrl: string;
  if (engine === 'sqlite') databaseUrl = `sqlite:${path.join(DIR, `${name}.db`)}`;
  else {
    const u = new URL(pgBase);
    u.searchParams.set('options', `-c search_path=${name.replace(/-/g, '_')}`);
    databaseUrl = u.toString();
  }
  if (fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8')) as Dataset;
  if (engine === 'sqlite')
    for (const ext of ['', '-wal', '-shm']) fs.rmSync(`${databaseUrl.slice(7)}${ext}`, { force: true });
  else {
    const c = new pg.Client({ connectionString: pgBase });
    await c.connect();
    const schema = name.replace(/-/g, '_');
    await c.query(`drop schema if exists ${schema} cascade; create schema ${schema}`);
    await c.end();
  }
  const started = Date.now();
  const { key, organizationId } = await seedOrganization(databaseUrl);
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: DIR, FLOWIQ_SECRET: SECRET });
  const db = openDatabase(config.database);
  try {
    await migrate(db);
    const defs = await dropSearchIndexes(db);
    const info = await fill(db, organizationId);
    const loaded = Date.now();
    await rebuildSearchIndexes(db, defs);
    console.log(
      `${engine}: generated ${CONTACTS} contacts and ${MESSAGES} messages in ${((loaded - started) / 1000).toFixed(0)} s, search indexes built in ${((Date.now() - loaded) / 1000).toFixed(0)} s`,
    );
    const ds: Dataset = { databaseUrl, key, generatedAt: new Date().toISOString(), ...info };
    fs.writeFileSync(meta, JSON.stringify(ds, null, 2));
    return ds;
  } finally {
    await db.close();
  }
}
