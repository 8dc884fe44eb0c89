// Two connections to one SQLite file, as the serving thread and the event dispatch thread have: a
// transaction that reads, then writes after the other connection committed, must wait its turn and
// succeed, not fail at once with SQLITE_BUSY (which a deferred transaction does: its snapshot is stale).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { openSqliteConnection } from '../../src/db/sqlite-connection.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function twoConnections() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-immediate-'));
  dirs.push(dir);
  const file = path.join(dir, 'db.sqlite');
  const a = openSqliteConnection(file);
  a.exec('create table t (n integer)');
  const b = openSqliteConnection(file);
  b.pragma('busy_timeout = 2000');
  return { a, b, file };
}

describe('SQLite transactions begin immediate', () => {
  it('holds the write lock from its start: another connection waits for it instead of failing it later', () => {
    const { a, b } = twoConnections();
    const order: string[] = [];
    const write = a.transaction(() => {
      a.prepare('select count(*) from t').get();
      // b cannot write while a holds the write lock from its start: it would wait (busy timeout),
      // so here it gives up quickly; with a deferred begin it would commit and a would then fail.
      b.pragma('busy_timeout = 0');
      expect(() => b.prepare('insert into t values (2)').run()).toThrow(/busy|locked/i);
      order.push('a reads, b refused');
      a.prepare('insert into t values (1)').run();
    });
    write();
    b.prepare('insert into t values (3)').run();
    expect(b.prepare('select n from t order by n').pluck().all()).toEqual([1, 3]);
    expect(order).toEqual(['a reads, b refused']);
    a.close();
    b.close();
  });

  it("Kysely's transactions take the write lock at their start too", async () => {
    const { a, file } = twoConnections();
    a.close();
    const db: Db = openDatabase({ kind: 'sqlite', file }, { checkpointer: false });
    const other = openSqliteConnection(file);
    other.pragma('busy_timeout = 0');
    await db.kysely.transaction().execute(async (trx) => {
      await sql`select count(*) from t`.execute(trx);
      expect(() => other.prepare('insert into t values (9)').run()).toThrow(/busy|locked/i);
      await sql`insert into t values (1)`.execute(trx);
    });
    other.close();
    await db.close();
  });
});
