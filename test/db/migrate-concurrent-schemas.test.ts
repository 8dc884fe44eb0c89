// PostgreSQL: migrating a schema while other schemas of the database come and go (other gateways,
// parallel test runs). Kysely's own introspector read every schema's columns and failed with
// "schema … does not exist" when one was dropped meanwhile; migrate() only looks at its own.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createPgSchema, ENGINES } from '../helpers/db.js';

describe.runIf(ENGINES.includes('postgres'))('migrations beside schemas being dropped (postgres)', () => {
  it('migrates while other schemas, with tables, are created and dropped at once', async () => {
    const url = process.env.TEST_DATABASE_URL!;
    let stop = false;
    const churn = async (n: number) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        for (let i = 0; !stop; i++) {
          const name = `churn_${process.pid}_${n}_${i}`;
          await c.query(`create schema ${name}`);
          await c.query(`create table ${name}.t (a int, b text, c text, d text)`);
          await c.query(`drop schema ${name} cascade`);
        }
      } finally {
        await c.end();
      }
    };
    const churners = [0, 1, 2].map(churn);
    const failures: string[] = [];
    try {
      for (let round = 0; round < 6; round++) {
        const { schema, drop } = await createPgSchema();
        const db = openDatabase({ kind: 'postgres', url }, { searchPath: schema, poolSize: 2 });
        try {
          const applied = await migrate(db);
          expect(applied.length).toBeGreaterThan(5);
          // Again: nothing left to apply, found in its own schema only.
          expect(await migrate(db)).toEqual([]);
        } catch (err) {
          failures.push((err as Error).message);
        } finally {
          await db.close();
          await drop();
        }
      }
    } finally {
      stop = true;
      await Promise.all(churners);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
