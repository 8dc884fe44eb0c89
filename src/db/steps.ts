// Database work written once for both engines: a generator that yields Kysely-compiled queries
// and receives each one's result. SQLite runs it synchronously on the one connection, inside a
// better-sqlite3 transaction (an async transaction there would interleave with the batched send
// writes on that same connection); PostgreSQL runs it on one pooled client inside BEGIN/COMMIT.
import type SQLite from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { Db } from './database.js';

export interface StepResult {
  rows: Record<string, unknown>[];
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** Work that yields queries and returns T. */
export type Steps<T> = Generator<CompiledQuery, T, StepResult>;

/** Prepared statements by SQL text: the same few statements run for every item. */
const prepared = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

function sqliteRun(sqlite: SQLite.Database, q: CompiledQuery): StepResult {
  let cache = prepared.get(sqlite);
  if (!cache) prepared.set(sqlite, (cache = new Map<string, SQLite.Statement>()));
  let stmt = cache.get(q.sql);
  if (!stmt) cache.set(q.sql, (stmt = sqlite.prepare(q.sql)));
  const params = q.parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
  if (stmt.reader) {
    const rows = stmt.all(...params) as Record<string, unknown>[];
    return { rows, changes: rows.length };
  }
  return { rows: [], changes: stmt.run(...params).changes };
}

/** Drives `steps` synchronously; call inside a better-sqlite3 transaction. */
export function runSqlite<T>(sqlite: SQLite.Database, steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) next = steps.next(sqliteRun(sqlite, next.value));
  return next.value;
}

/** Drives `steps` on `client` (which the caller holds inside a transaction). */
export async function runPg<T>(client: pg.PoolClient, steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const res = await client.query(next.value.sql, next.value.parameters as unknown[]);
    next = steps.next({ rows: res.rows as Record<string, unknown>[], changes: res.rowCount ?? 0 });
  }
  return next.value;
}

/** Runs one query as a step and gives its result: `const r = yield* query(q)`. */
export function* query(q: { compile(): CompiledQuery }): Steps<StepResult> {
  return yield q.compile();
}

/** Runs `steps` in one transaction of its own, on either engine. */
export async function transact<T>(db: Db, steps: () => Steps<T>): Promise<T> {
  if (db.engine === 'sqlite') {
    const sqlite = db.sqlite;
    return sqlite.transaction(() => runSqlite(sqlite, steps()))();
  }
  const client = await db.pgPool.connect();
  try {
    await client.query('begin');
    const result = await runPg(client, steps());
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
