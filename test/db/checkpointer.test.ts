// The WAL checkpointer thread (db/checkpointer.ts): under writes that never pause, the WAL must
// still be rewound, or it grows without end and slows every page lookup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/db/checkpointer.js';
import { openSqliteConnection } from '../../src/db/sqlite-connection.js';

/** The WAL header's checkpoint sequence number (bytes 12–15), incremented each time the WAL is rewound. */
function walSequence(file: string): number {
  const fd = fs.openSync(`${file}-wal`, 'r');
  try {
    const header = Buffer.alloc(16);
    fs.readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    fs.closeSync(fd);
  }
}

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
    let restarts = 0;
    const errors: string[] = [];
    const checkpointer = startCheckpointer(file, {
      intervalMs: 10,
      restartAfterFrames: 64,
      onRestart: () => restarts++,
      onError: (m) => errors.push(m),
    });
    // On a loaded machine the thread may take a while to start; the bound below is about what it
    // does once running, so wait for it rather than for a fixed time.
    await checkpointer.ready;
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
        // Every 50 rounds (~5 MB), let the thread in until it has rewound the WAL at least once
        // more: the writes never stop for long, and the WAL must still be rewound between them.
        // The WAL is rewound either by the thread's RESTART or, when a PASSIVE checkpoint caught up
        // between two writes, by SQLite's next writer itself; both bump the WAL header's checkpoint
        // sequence number, so the wait is for that, whoever did it.
        if (round % 50 === 49) {
          const seen = walSequence(file);
          const deadline = Date.now() + 10_000;
          while (walSequence(file) === seen && Date.now() < deadline) {
            batch(1);
            written += 1;
            await new Promise((r) => setTimeout(r, 5));
          }
          expect(walSequence(file), `WAL not rewound within 10 s; thread errors: ${errors.join('; ')}`).not.toBe(seen);
        }
      }
    } finally {
      await checkpointer.stop();
    }
    // Writes that never pause leave no moment for SQLite to rewind the WAL itself: the thread did.
    expect(restarts).toBeGreaterThan(0);
    expect(largestWal).toBeLessThan(16 * 1024 * 1024);
    expect(written * 4000).toBeGreaterThan(5 * largestWal);
    expect((db.prepare('select count(*) as n from t').get() as { n: number }).n).toBe(written);
    db.close();
  });
});
