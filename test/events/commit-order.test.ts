// Events are numbered in the order their transactions commit (events/outbox.ts): by one clock,
// taken by a transaction's last statements. On PostgreSQL two transactions run at once; the one
// that commits first has the lower numbers, whichever began first, and a transaction that has
// taken the clock holds the next one back only from there to its commit.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPg, runSqlite, type Steps } from '../../src/db/steps.js';
import { EventBatch, flushEvents, recordEvent, type SubscribedEndpoint } from '../../src/events/outbox.js';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';

const ENDPOINTS: SubscribedEndpoint[] = [
  { id: 'ep-all', event_types: '["*"]' },
  { id: 'ep-status', event_types: '["message.status"]' },
];

function batchOf(thread: string | null, types: ('message.status' | 'message.received')[]): EventBatch {
  const batch = new EventBatch();
  for (const type of types)
    recordEvent(batch, {
      organizationId: 'org',
      type,
      conversationId: thread,
      endpoints: ENDPOINTS,
      data: { thread, type },
      now: new Date().toISOString(),
    });
  return batch;
}

describe.each(ENGINES)('event commit order (%s)', (engine) => {
  let f: FreshDb;
  beforeAll(async () => {
    f = await freshDb(engine);
  });
  afterAll(async () => {
    await f.cleanup();
  });

  async function run(steps: Steps<void>): Promise<void> {
    const db = f.db;
    if (db.engine === 'sqlite') db.sqlite.transaction(() => runSqlite(db.sqlite, steps))();
    else {
      const c = await db.pgPool.connect();
      try {
        await c.query('begin');
        await runPg(c, steps);
        await c.query('commit');
      } finally {
        c.release();
      }
    }
  }

  const eventsOf = (thread: string) =>
    f.db.kysely
      .selectFrom('events')
      .select(['id', 'type', 'order_key', 'order_seq'])
      .where('conversation_id', '=', thread)
      .orderBy('order_seq')
      .execute();

  it('numbers a thread’s events of every kind in one order, and gives each subscribed endpoint a delivery of it', async () => {
    await run(flushEvents(f.db.kysely, batchOf('t1', ['message.status', 'message.received'])));
    await run(flushEvents(f.db.kysely, batchOf('t1', ['message.received', 'message.status'])));
    await run(flushEvents(f.db.kysely, batchOf(null, ['message.received'])));
    const events = await eventsOf('t1');
    expect(events.map((e) => e.type)).toEqual([
      'message.status',
      'message.received',
      'message.received',
      'message.status',
    ]);
    expect(new Set(events.map((e) => e.order_key))).toEqual(new Set(['t1']));
    const seqs = events.map((e) => Number(e.order_seq));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(4);
    const deliveries = await f.db.kysely
      .selectFrom('event_deliveries')
      .select(['event_id', 'endpoint_id', 'order_key', 'order_seq'])
      .where('order_key', '=', 't1')
      .execute();
    // Every event to the endpoint of all types, the statuses also to the one of statuses.
    expect(deliveries.filter((d) => d.endpoint_id === 'ep-all')).toHaveLength(4);
    expect(deliveries.filter((d) => d.endpoint_id === 'ep-status')).toHaveLength(2);
    for (const d of deliveries)
      expect(Number(d.order_seq)).toBe(Number(events.find((e) => e.id === d.event_id)!.order_seq));
    const unthreaded = await f.db.kysely
      .selectFrom('events')
      .select(['order_key'])
      .where('conversation_id', 'is', null)
      .execute();
    expect(unthreaded).toEqual([{ order_key: null }]);
  });
});

describe.runIf(ENGINES.includes('postgres'))('event commit order between concurrent transactions (postgres)', () => {
  let f: FreshDb;
  beforeAll(async () => {
    f = await freshDb('postgres');
  });
  afterAll(async () => {
    await f.cleanup();
  });
  const eventsOf = (thread: string) =>
    f.db.kysely
      .selectFrom('events')
      .select(['type'])
      .where('conversation_id', '=', thread)
      .orderBy('order_seq')
      .execute();

  it('gives the transaction that commits first the lower numbers, whichever began first', async () => {
    const db = f.db;
    if (db.engine !== 'postgres') throw new Error('not PostgreSQL');
    const early = await db.pgPool.connect();
    const late = await db.pgPool.connect();
    try {
      // `early` begins and writes first, but commits last.
      await early.query('begin');
      await early.query(`insert into events (id, organization_id, type, conversation_id, payload, created_at)
          values ('marker', 'org', 'marker', 'none', '{}', '2026-01-01')`);
      await late.query('begin');
      await runPg(late, flushEvents(db.kysely, batchOf('t2', ['message.received'])));
      await late.query('commit');
      await runPg(early, flushEvents(db.kysely, batchOf('t2', ['message.status'])));
      await early.query('commit');

      // Once `early` holds the clock, `late` waits at its own flush, and follows it.
      await early.query('begin');
      await runPg(early, flushEvents(db.kysely, batchOf('t2', ['message.status'])));
      await late.query('begin');
      const waiting = runPg(late, flushEvents(db.kysely, batchOf('t2', ['message.received'])));
      const blocked = await waitForLockWait(db.pgPool);
      await early.query('commit');
      await waiting;
      await late.query('commit');
      expect(blocked).toBe(true);
    } finally {
      early.release();
      late.release();
    }
    expect((await eventsOf('t2')).map((e) => e.type)).toEqual([
      'message.received',
      'message.status',
      'message.status',
      'message.received',
    ]);
  });
});

/** Whether some session of this database came to wait on a lock (the clock's row), within 5 s. */
async function waitForLockWait(pool: pg.Pool): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const r = await pool.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (Number(r.rows[0]!.n) > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
