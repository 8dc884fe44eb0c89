// What the CLI tests need before each test: a data directory, a fresh database on the engine (an
// SQLite file in that directory, or a PostgreSQL schema of its own), and process.env pointing the
// in-process CLI at them; cleanup() puts process.env back and removes both. A variable given as
// undefined in `env` is removed, so one the caller's shell has set cannot leak into the test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/database.js';
import { TEST_SECRET } from './constants.js';
import { createPgSchema, type EngineName } from './db.js';

export interface CliDatabase {
  dir: string;
  databaseUrl: string;
  /** A connection of the test's own to the same database, closed after `fn`. */
  withDb<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

export async function cliDatabase(
  engine: EngineName,
  name: string,
  env: Record<string, string | undefined> = {},
): Promise<CliDatabase> {
  const saved = { ...process.env };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flowiq-cli-${name}-`));
  let databaseUrl = `sqlite:${path.join(dir, 'cli.db')}`;
  let dropSchema: (() => Promise<void>) | undefined;
  if (engine === 'postgres') {
    const s = await createPgSchema();
    dropSchema = s.drop;
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.searchParams.set('options', `-c search_path=${s.schema}`);
    databaseUrl = u.toString();
  }
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    FLOWIQ_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
  });
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return {
    dir,
    databaseUrl,
    async withDb(fn) {
      const db = openDatabase(
        engine === 'sqlite' ? { kind: 'sqlite', file: databaseUrl.slice(7) } : { kind: 'postgres', url: databaseUrl },
      );
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async cleanup() {
      process.env = { ...saved };
      await dropSchema?.();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
