// What keeping migration 015's search index in step costs each inbound message: inbound text rows
// inserted into helpdesk_messages in transactions of 25 (as the batched write path commits them),
// with every index of the migrated schema, on a table that already holds PREFILL rows; once as
// migrated and once without the search index (SQLite: its triggers dropped; PostgreSQL: the
// generated search_text column dropped, and its GIN index with it). Prints wall time and this
// process's CPU per message (SQLite runs in process; PostgreSQL's own CPU is not in it, so there
// the wall time per message is the figure).
// Run: node --import tsx bench/inbox-write-cost.ts   (BENCH_DATABASE_URL for PostgreSQL)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate, openDatabase, type Db } from '../src/db/database.js';
import { newId } from '../src/db/ids.js';

const env = process.env;
const PREFILL = Number(env.BENCH_PREFILL ?? 100_000);
const ROWS = Number(env.BENCH_ROWS ?? 20_000);
const BATCH = 25;
const PG = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WORDS = 'where is my order thanks hello parcel refund delivery address today tomorrow please'.split(' ');

const COLS =
  'id, organization_id, contact_id, session_id, direction, message_type, content, whatsapp_message_id, status, created_at, updated_at';

function row(i: number): unknown[] {
  const at = new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString();
  const body = Array.from({ length: 8 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ') + ` #${i}`;
  return [
    newId(),
    'o',
    'c',
    's',
    'inbound',
    'text',
    JSON.stringify({ type: 'text', body }),
    `wamid.w${i}`,
    'received',
    at,
    at,
  ];
}

async function insert(db: Db, from: number, count: number): Promise<void> {
  if (db.engine === 'sqlite') {
    const stmt = db.sqlite.prepare(
      `insert into helpdesk_messages (${COLS}) values (${COLS.split(',')
        .map(() => '?')
        .join(', ')})`,
    );
    for (let b = 0; b < count; b += BATCH)
      db.sqlite.transaction(() => {
        for (let i = b; i < Math.min(count, b + BATCH); i++) stmt.run(...row(from + i));
      })();
    return;
  }
  const values = Array.from(
    { length: BATCH },
    (_, r) => `(${Array.from({ length: 11 }, (_, c) => `$${r * 11 + c + 1}`).join(', ')})`,
  ).join(', ');
  for (let b = 0; b < count; b += BATCH)
    await db.pgPool.query(
      `insert into helpdesk_messages (${COLS}) values ${values}`,
      Array.from({ length: BATCH }, (_, r) => row(from + b + r)).flat(),
    );
}

async function measure(engine: 'sqlite' | 'postgres', label: string, without: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-inbox-writes-'));
  const schema = `bench_inbox_writes_${Date.now()}`;
  const admin = engine === 'postgres' ? new pg.Client({ connectionString: PG }) : undefined;
  if (admin) {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
  }
  const db = openDatabase(
    engine === 'sqlite' ? { kind: 'sqlite', file: path.join(dir, 'bench.db') } : { kind: 'postgres', url: PG },
    { searchPath: schema },
  );
  try {
    await migrate(db);
    const now = new Date().toISOString();
    const exec = (q: string) => (db.engine === 'sqlite' ? db.sqlite.exec(q) : db.pgPool.query(q));
    await exec(
      `insert into organizations (id, slug, name, whatsapp_provider_choice, created_at, updated_at) values ('o', 'o', 'o', 'meta', '${now}', '${now}')`,
    );
    await exec(
      `insert into contacts (id, organization_id, whatsapp_number, created_at, updated_at) values ('c', 'o', '27123456789', '${now}', '${now}')`,
    );
    await exec(
      `insert into customer_sessions (id, organization_id, contact_id, status, last_message_at, created_at, updated_at) values ('s', 'o', 'c', 'open', '${now}', '${now}', '${now}')`,
    );
    if (without)
      if (db.engine === 'sqlite')
        for (const t of ['insert', 'update', 'delete']) db.sqlite.exec(`drop trigger message_search_${t}`);
      else await db.pgPool.query('alter table helpdesk_messages drop column search_text'); // and its index
    await insert(db, 0, PREFILL);
    const cpu = process.cpuUsage();
    const t = performance.now();
    await insert(db, PREFILL, ROWS);
    const wall = (performance.now() - t) * 1000;
    const used = process.cpuUsage(cpu);
    console.log(
      `${engine.padEnd(8)} ${label.padEnd(36)} ${(wall / ROWS).toFixed(1).padStart(6)} µs wall/message  ${((used.user + used.system) / ROWS).toFixed(1).padStart(6)} µs CPU/message (this process)`,
    );
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (admin) {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
}

for (const engine of (env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[])
  for (let i = 0; i < 2; i++) {
    await measure(engine, 'as migrated (search index kept)', false);
    await measure(engine, 'without the search index', true);
  }
