// The settings the gateway's SQLite connection runs with (most of them are per connection).
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

export function openSqliteConnection(file: string): SQLite.Database {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The database holds encrypted tokens, key hashes and every message: readable by its owner
    // only, like the secret. SQLite gives the -wal and -shm files the database file's mode.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
  }
  const sqlite = new SQLite(file);
  // WAL lets readers run beside the one writer; NORMAL sync is durable against a process crash
  // (the WAL is in the OS's hands at commit), which is what "a 200 means committed" needs.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // A file database is checkpointed by its own thread (checkpointer.ts), never by a writer.
  if (file !== ':memory:') sqlite.pragma('wal_autocheckpoint = 0');
  return immediateTransactions(sqlite);
}

/**
 * Every transaction begins IMMEDIATE, taking the write lock at its start. A deferred one that reads
 * first and writes later fails at once with SQLITE_BUSY, without waiting out the busy timeout,
 * when another connection committed in between (its snapshot is then stale): which happens once
 * a second connection writes, as the event dispatch thread's does. Nested calls still become
 * savepoints.
 */
function immediateTransactions(sqlite: SQLite.Database): SQLite.Database {
  const deferred = sqlite.transaction.bind(sqlite);
  sqlite.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const t = deferred(fn);
    const immediate = (...args: unknown[]) => t.immediate(...args);
    return Object.assign(immediate, {
      default: immediate,
      deferred: (...args: unknown[]) => t.deferred(...args),
      immediate,
      exclusive: (...args: unknown[]) => t.exclusive(...args),
    });
  }) as SQLite.Database['transaction'];
  return sqlite;
}
