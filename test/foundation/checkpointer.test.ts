// The WAL checkpointer thread (db/checkpointer.ts): under writes that never pause, the WAL must
// still be rewound, or it grows without end and slows every page lookup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/db/checkpointer.js';
import { openSqliteConnection } from '../../src/db/sqlite-connection.js';

describe('the WAL checkpointer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('keeps the WAL bounded under continuous writes, and loses none of them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-wal-'));
    dirs.push(dir);
    const file = path.join(dir, 'wal.db');
    const db = openSqliteConnection(file);
    db.exec('create table t (id integer primary key, body text not null)');
    const checkpointer = startCheckpointer(file, { intervalMs: 10, restartAfterFrames: 64 });
    const insert = db.prepare('insert into t (body) values (?)');
    const batch = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run('x'.repeat(4000)); // about a page each
    });
    let written = 0;
    let largestWal = 0;
    try {
      // ~80 MB through the WAL, 25 rows per transaction, yielding between transactions as the
      // event loop does between batches; PASSIVE checkpoints alone would leave all of it there.
      for (let round = 0; round < 800; round++) {
        batch(25);
        written += 25;
        largestWal = Math.max(largestWal, fs.statSync(`${file}-wal`).size);
        await new Promise((r) => setImmediate(r));
        if (round % 50 === 0) await new Promise((r) => setTimeout(r, 15)); // let the thread in
      }
    } finally {
      await checkpointer.stop();
    }
    expect(largestWal).toBeLessThan(16 * 1024 * 1024);
    expect(written * 4000).toBeGreaterThan(5 * largestWal);
    expect((db.prepare('select count(*) as n from t').get() as { n: number }).n).toBe(written);
    db.close();
  });
});
