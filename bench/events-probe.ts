// bench:events' read-only look at the outbox (migration 008): how many events were written, and
// the deliveries by state, so that the bench can tell when the dispatcher has caught up and check
// that nothing was left behind.
import Database from 'better-sqlite3';
import pg from 'pg';

export interface OutboxCounts {
  events: number;
  /** event_deliveries rows by state. */
  pending: number;
  delivered: number;
  dead: number;
  /** event_attempts rows: one per attempt settled. */
  attempts: number;
  /** Attempts that did not end in a 2xx. */
  failedAttempts: number;
}

export interface OutboxProbe {
  counts(): Promise<OutboxCounts>;
  /** Deliveries not yet delivered (pending, claimed or not). */
  pending(): Promise<number>;
  close(): Promise<void>;
}

const SQL = {
  counts: `select
      (select count(*) from events) as events,
      (select count(*) from event_deliveries where state = 'pending') as pending,
      (select count(*) from event_deliveries where state = 'delivered') as delivered,
      (select count(*) from event_deliveries where state = 'dead') as dead,
      (select count(*) from event_attempts) as attempts,
      (select count(*) from event_attempts where status_code is null or status_code < 200 or status_code >= 300) as failed`,
  pending: `select count(*) as n from event_deliveries where state = 'pending'`,
};

type Row = Record<'events' | 'pending' | 'delivered' | 'dead' | 'attempts' | 'failed', number | string>;

function toCounts(r: Row): OutboxCounts {
  return {
    events: Number(r.events),
    pending: Number(r.pending),
    delivered: Number(r.delivered),
    dead: Number(r.dead),
    attempts: Number(r.attempts),
    failedAttempts: Number(r.failed),
  };
}

export async function openOutboxProbe(databaseUrl: string): Promise<OutboxProbe> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const counts = db.prepare(SQL.counts);
    const pending = db.prepare(SQL.pending);
    return {
      counts: async () => toCounts(counts.get() as Row),
      pending: async () => Number((pending.get() as { n: number }).n),
      close: async () => void db.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => {});
  return {
    counts: async () => toCounts((await pool.query<Row>(SQL.counts)).rows[0]!),
    pending: async () => Number((await pool.query<{ n: string }>(SQL.pending)).rows[0]!.n),
    close: () => pool.end(),
  };
}
