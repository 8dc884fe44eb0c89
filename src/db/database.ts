// Kysely over better-sqlite3 (the embedded default) or pg (PostgreSQL at scale): one code path,
// chosen by Config.database. Everything above this file sees only `Db`.
import type SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type DatabaseIntrospector,
  type Migration,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { startCheckpointer } from './checkpointer.js';
import { openSqliteConnection } from './sqlite-connection.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-lean-message-indexes.js';
import * as m003 from './migrations/003-message-by-meta-id.js';
import * as m004 from './migrations/004-meta-apps.js';
import * as m005 from './migrations/005-webhooks.js';
import * as m006 from './migrations/006-inbound-media.js';
import * as m007 from './migrations/007-media-keys.js';
import * as m008 from './migrations/008-events.js';
import * as m009 from './migrations/009-contacts-by-user-id.js';
import * as m010 from './migrations/010-event-commit-order.js';
import * as m011 from './migrations/011-templates.js';
import * as m012 from './migrations/012-send-window.js';
import * as m013 from './migrations/013-agents.js';
import * as m014 from './migrations/014-inbox-indexes.js';
import * as m015 from './migrations/015-inbox-search.js';
import * as m016 from './migrations/016-message-agent.js';
import type { Database } from './types.js';

export type Engine = 'sqlite' | 'postgres';

interface DbCommon {
  kysely: Kysely<Database>;
  /** Cheap liveness query for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The engine's own handle beside Kysely: one or the other, never neither (no `!` at call sites). */
export type Db =
  | (DbCommon & {
      engine: 'sqlite';
      /**
       * The connection itself, for the batched writes, which run as one synchronous transaction
       * (conversations/writes.ts). Everything else goes through Kysely.
       */
      sqlite: SQLite.Database;
      /** The database file, or ':memory:'. */
      sqliteFile: string;
    })
  | (DbCommon & {
      engine: 'postgres';
      /**
       * The pool Kysely runs on, for the batched writes, which run as one named prepared statement
       * (conversations/writes.ts). Everything else goes through Kysely.
       */
      pgPool: pg.Pool;
    });

const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-lean-message-indexes': m002,
  '003-message-by-meta-id': m003,
  '004-meta-apps': m004,
  '005-webhooks': m005,
  '006-inbound-media': m006,
  '007-media-keys': m007,
  '008-events': m008,
  '009-contacts-by-user-id': m009,
  '010-event-commit-order': m010,
  '011-templates': m011,
  '012-send-window': m012,
  '013-agents': m013,
  '014-inbox-indexes': m014,
  '015-inbox-search': m015,
  '016-message-agent': m016,
};

export interface OpenOptions {
  /** PostgreSQL only: run every connection in this schema (tests use a fresh one each). */
  searchPath?: string;
  poolSize?: number;
  /**
   * SQLite only: start the WAL checkpoint thread (checkpointer.ts). One per database file is
   * enough: a second connection to the same file (the event dispatch thread's) goes without.
   */
  checkpointer?: boolean;
}

export function openDatabase(config: DatabaseConfig, opts: OpenOptions = {}): Db {
  return config.kind === 'sqlite' ? openSqlite(config.file, opts) : openPostgres(config.url, opts);
}

function openSqlite(file: string, opts: OpenOptions): Db {
  const sqlite = openSqliteConnection(file);
  const checkpointer = file === ':memory:' || opts.checkpointer === false ? undefined : startCheckpointer(file);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    kysely,
    engine: 'sqlite',
    sqlite,
    sqliteFile: file,
    ping: async () => {
      sqlite.prepare('select 1').get();
    },
    close: async () => {
      await checkpointer?.stop();
      await kysely.destroy(); // closing the last connection checkpoints what is left
    },
  };
}

/**
 * Kysely prepares every query anew; the send path runs the same few statements thousands of times
 * a second, so keep each prepared statement by its SQL text (measured: prepare was ~5% of CPU).
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (text: string): SQLite.Statement => {
    // Kysely's transactions too begin IMMEDIATE (sqlite-connection.ts says why).
    const source = text === 'begin' ? 'begin immediate' : text;
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = sqlite.prepare(source);
      if (cache.size < 500) cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? ((value as (...a: unknown[]) => unknown).bind(target) as unknown) : value;
    },
  });
}

function openPostgres(url: string, opts: OpenOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    ...(opts.searchPath ? { options: `-c search_path=${opts.searchPath}` } : {}),
  });
  // An idle client losing its server (a PostgreSQL restart) must not crash the process;
  // the pool drops it and the next query gets a fresh connection.
  pool.on('error', () => {});
  // A client in use when the server goes away emits 'error' too, with no listener of the pool's:
  // unhandled, that event would crash the process. Its query rejects on its own (→ 503).
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    engine: 'postgres',
    pgPool: pool,
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => kysely.destroy(),
  };
}

async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db.kysely);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: the search_path names no schema that exists');
  return schema;
}

/**
 * What Kysely's migrator asks of the database (does the schema exist, which tables are there), for
 * the one schema the connection writes to. Its own PostgreSQL introspector reads the columns of
 * every schema in the database and calls has_schema_privilege on each name: when another gateway or
 * test drops its schema meanwhile, that call fails with "schema … does not exist", and so did the
 * migration (seen under parallel test runs).
 */
class OwnSchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    return [{ name: this.schema }];
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = ${this.schema}`.execute(this.db);
    return rows.map((r) => ({ name: r.name, schema: this.schema, isView: false, columns: [] }));
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

/** Applies every migration not yet applied; forward-only, recorded in flowiq_migrations. */
export async function migrate(db: Db): Promise<string[]> {
  let migrationDb = db.kysely as unknown as Kysely<unknown>;
  let schema: string | undefined;
  if (db.engine === 'postgres') {
    const own = (schema = await currentSchema(db));
    // The same pool; not destroyed here (db.close() ends the pool).
    migrationDb = new Kysely<unknown>({
      dialect: new (class extends PostgresDialect {
        override createIntrospector(k: Kysely<unknown>): DatabaseIntrospector {
          return new OwnSchemaIntrospector(k, own);
        }
      })({ pool: db.pgPool }),
    });
  }
  const migrator = new Migrator({
    db: migrationDb,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'flowiq_migrations',
    migrationLockTableName: 'flowiq_migrations_lock',
    // Unqualified, Kysely looks for its tables in every schema of the database, so a second
    // gateway (or a test run) in another schema would take the first one's bookkeeping as its
    // own and fail. The schema the connection writes to is the one whose migrations count.
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
