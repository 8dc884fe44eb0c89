// One helper runs every database-touching test on SQLite and, when TEST_DATABASE_URL is set,
// on PostgreSQL too, each in a fresh database (SQLite in memory) or a fresh schema it drops after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openDatabase, type Db } from '../../src/db/database.js';

export type EngineName = 'sqlite' | 'postgres';

export const ENGINES: EngineName[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * For the suites that cover the send path: each engine, plus SQLite on a file as `flowiq serve`
 * runs it (WAL on disk, checkpoints by their own thread) rather than in memory.
 */
export const SEND_VARIANTS: [name: string, engine: EngineName, opts: { sqliteFile: boolean }][] = [
  ...ENGINES.map((e): [string, EngineName, { sqliteFile: boolean }] => [e, e, { sqliteFile: false }]),
  ['sqlite file', 'sqlite', { sqliteFile: true }],
];

export interface FreshDb {
  db: Db;
  /** A DATABASE_URL-style description other processes can use (sqlite file or pg URL + schema). */
  cleanup(): Promise<void>;
  searchPath?: string;
}

export async function createPgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export async function freshDb(engine: EngineName, opts: { file?: string } = {}): Promise<FreshDb> {
  if (engine === 'sqlite') {
    const db = openDatabase({ kind: 'sqlite', file: opts.file ?? ':memory:' });
    await migrate(db);
    return { db, cleanup: () => db.close() };
  }
  const { schema, drop } = await createPgSchema();
  const db = openDatabase(
    { kind: 'postgres', url: process.env.TEST_DATABASE_URL! },
    { searchPath: schema, poolSize: 5 },
  );
  await migrate(db);
  return {
    db,
    searchPath: schema,
    cleanup: async () => {
      await db.close();
      await drop();
    },
  };
}
