// The dispatcher's reads and writes on event_deliveries (migration 008).
//
// A claim counts an attempt and pushes next_at to the end of a lease in one statement, so a claimed
// row is not due again until the lease passes: an instance that dies mid-delivery leaves its rows
// to be claimed again then. On PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so instances
// claiming at once take different rows. Each outcome is written only while the row is still pending
// under the same attempt, so a claimant overtaken after its lease cannot overwrite a newer result.
//
// Order: a row is claimable only when no earlier event of the same order key (its thread, numbered
// in commit order: events/outbox.ts) is still pending for that endpoint, so a thread's events reach
// an endpoint one at a time, in commit order; other threads and other endpoints are not held back.
import type SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface ClaimedDelivery {
  event_id: string;
  endpoint_id: string;
  /** This attempt's number (1 for the first). */
  attempts: number;
  organization_id: string;
  type: string;
  payload: string;
  event_created_at: string;
}

export async function claimDueDeliveries(
  db: Db,
  now: string,
  leaseUntil: string,
  limit: number,
  skipEndpoints: readonly string[],
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  if (db.engine === 'sqlite') return claimSqlite(db.sqlite, now, leaseUntil, limit, skipEndpoints);
  const skip =
    skipEndpoints.length === 0
      ? sql``
      : sql`and d.endpoint_id not in (${sql.join(skipEndpoints.map((id) => sql`${id}`))})`;
  const claimed = await sql<{ event_id: string; endpoint_id: string; attempts: number }>`
    update event_deliveries set next_at = ${leaseUntil}, lease_until = ${leaseUntil}, attempts = attempts + 1
    where (event_id, endpoint_id) in (
      select d.event_id, d.endpoint_id from event_deliveries d
      where d.state = 'pending' and d.next_at <= ${now} ${skip}
        and not exists (
          select 1 from event_deliveries p
          where p.endpoint_id = d.endpoint_id and p.order_key = d.order_key
            and p.state = 'pending' and p.order_seq < d.order_seq
        )
      order by d.next_at
      limit ${limit}
      for update of d skip locked
    )
    and state = 'pending'
    returning event_id, endpoint_id, attempts`.execute(db.kysely);
  if (claimed.rows.length === 0) return [];
  const events = await db.kysely
    .selectFrom('events')
    .select(['id', 'organization_id', 'type', 'payload', 'created_at'])
    .where(
      'id',
      'in',
      claimed.rows.map((r) => r.event_id),
    )
    .execute();
  const byId = new Map(events.map((e) => [e.id, e]));
  return claimed.rows.flatMap((r) => {
    const e = byId.get(r.event_id);
    return e === undefined
      ? []
      : [
          {
            event_id: r.event_id,
            endpoint_id: r.endpoint_id,
            attempts: Number(r.attempts),
            organization_id: e.organization_id,
            type: e.type,
            payload: e.payload,
            event_created_at: e.created_at,
          },
        ];
  });
}

const PICK_SQL = `select d.event_id, d.endpoint_id, e.organization_id, e.type, e.payload, e.created_at as event_created_at
  from event_deliveries d join events e on e.id = d.event_id
  where d.state = 'pending' and d.next_at <= ? and d.endpoint_id not in (select value from json_each(?))
    and not exists (
      select 1 from event_deliveries p
      where p.endpoint_id = d.endpoint_id and p.order_key = d.order_key
        and p.state = 'pending' and p.order_seq < d.order_seq
    )
  order by d.next_at
  limit ?`;
const TAKE_SQL = `update event_deliveries set next_at = ?, lease_until = ?, attempts = attempts + 1
  where event_id = ? and endpoint_id = ? and state = 'pending'
  returning attempts`;

const sqliteStatements = new WeakMap<SQLite.Database, { pick: SQLite.Statement; take: SQLite.Statement }>();

/**
 * The same claim on SQLite as one synchronous transaction: the due rows picked, then each taken by
 * its key. SQLite ran the single UPDATE … WHERE (key) IN (that pick) ten times slower than the two
 * (about 2 ms against 0.3 ms for 16 rows of 20,000 pending, docs/PERFORMANCE.md), and one writer at
 * a time needs no row locks to keep two claims apart.
 */
function claimSqlite(
  sqlite: SQLite.Database,
  now: string,
  leaseUntil: string,
  limit: number,
  skipEndpoints: readonly string[],
): ClaimedDelivery[] {
  let st = sqliteStatements.get(sqlite);
  if (!st) sqliteStatements.set(sqlite, (st = { pick: sqlite.prepare(PICK_SQL), take: sqlite.prepare(TAKE_SQL) }));
  const { pick, take } = st;
  return sqlite.transaction(() => {
    const picked = pick.all(now, JSON.stringify(skipEndpoints), limit) as Omit<ClaimedDelivery, 'attempts'>[];
    return picked.flatMap((p) => {
      const taken = take.get(leaseUntil, leaseUntil, p.event_id, p.endpoint_id) as { attempts: number } | undefined;
      return taken === undefined ? [] : [{ ...p, attempts: Number(taken.attempts) }];
    });
  })();
}

export interface AttemptRecord {
  attemptedAt: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export type Settlement = { state: 'delivered' } | { state: 'pending'; nextAt: string } | { state: 'dead' };

export interface SettleItem {
  row: ClaimedDelivery;
  attempt: AttemptRecord;
  settlement: Settlement;
}

/**
 * Attempts' outcomes, their log rows, and their endpoints' failure clocks, in one transaction: the
 * dispatcher settles what finished meanwhile together, so a busy endpoint costs one commit per
 * batch of deliveries rather than per delivery. Whether each row was still its attempt's to settle
 * (a claimant overtaken after its lease settles nothing).
 */
export async function settleDeliveries(db: Db, items: readonly SettleItem[]): Promise<boolean[]> {
  if (db.engine === 'sqlite') return settleSqlite(db.sqlite, items);
  const clocks = [...failureClocks(items)];
  const res = await db.pgPool.query<{ event_id: string; endpoint_id: string }>({
    ...PG_SETTLE,
    values: [
      items.map((i) => i.row.event_id),
      items.map((i) => i.row.endpoint_id),
      items.map((i) => i.row.attempts),
      items.map((i) => i.settlement.state),
      items.map((i) => (i.settlement.state === 'pending' ? i.settlement.nextAt : i.attempt.attemptedAt)),
      items.map((i) => i.attempt.statusCode),
      items.map((i) => i.attempt.error),
      items.map((i) => (i.settlement.state === 'delivered' ? i.attempt.attemptedAt : null)),
      items.map((i) => i.attempt.attemptedAt),
      items.map((i) => i.attempt.durationMs),
      clocks.map(([id]) => id),
      clocks.map(([, c]) => c.succeeded),
      clocks.map(([, c]) => c.failingSince ?? null),
    ],
  });
  const settled = new Set(res.rows.map((r) => `${r.event_id} ${r.endpoint_id}`));
  return items.map((i) => settled.has(`${i.row.event_id} ${i.row.endpoint_id}`));
}

/**
 * The settlement on PostgreSQL as ONE prepared statement over arrays (as conversations/writes.ts
 * does for sends): one round trip for a batch of any size, where a statement per delivery made a
 * batch of 16 cost 19 round trips in a row. An endpoint's failure clock is written only when it
 * changes: a success stops it (null), unless a failure came after it in the batch; a failure
 * starts it if stopped.
 */
const PG_SETTLE = {
  name: 'flowiq-event-settle-v1',
  text: `with x as (
      select * from unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::text[], $9::text[], $10::integer[])
        as x (event_id, endpoint_id, attempts, state, next_at, status, error, delivered_at, attempted_at, duration_ms)),
    u as (
      update event_deliveries d set state = x.state, next_at = x.next_at, lease_until = null, last_status = x.status,
        last_error = x.error, delivered_at = x.delivered_at
      from x
      where d.event_id = x.event_id and d.endpoint_id = x.endpoint_id and d.state = 'pending' and d.attempts = x.attempts
      returning d.event_id, d.endpoint_id),
    a as (
      insert into event_attempts (id, event_id, endpoint_id, attempted_at, status_code, error, duration_ms)
      select x.event_id || '.' || x.endpoint_id || '.' || x.attempts, x.event_id, x.endpoint_id, x.attempted_at, x.status, x.error, x.duration_ms
      from x join u on u.event_id = x.event_id and u.endpoint_id = x.endpoint_id
      on conflict (id) do nothing),
    c as (
      update webhook_endpoints e
      set failing_since = case when y.succeeded then y.since else coalesce(e.failing_since, y.since) end
      from unnest($11::text[], $12::boolean[], $13::text[]) as y (id, succeeded, since)
      where e.id = y.id
        and e.failing_since is distinct from (case when y.succeeded then y.since else coalesce(e.failing_since, y.since) end))
    select event_id, endpoint_id from u`,
};

const SETTLE_SQL = {
  outcome: `update event_deliveries set state = ?, next_at = ?, lease_until = null, last_status = ?, last_error = ?, delivered_at = ?
    where event_id = ? and endpoint_id = ? and state = 'pending' and attempts = ?`,
  attempt: `insert into event_attempts (id, event_id, endpoint_id, attempted_at, status_code, error, duration_ms)
    values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
  recovered: `update webhook_endpoints set failing_since = null where id = ? and failing_since is not null`,
  failing: `update webhook_endpoints set failing_since = ? where id = ? and failing_since is null`,
};
const settleStatements = new WeakMap<SQLite.Database, Record<keyof typeof SETTLE_SQL, SQLite.Statement>>();

/**
 * The same settlement on SQLite, with statements prepared once: built per item with Kysely, the
 * statements' compilation was a large share of a delivery's cost to the dispatcher.
 */
function settleSqlite(sqlite: SQLite.Database, items: readonly SettleItem[]): boolean[] {
  let st = settleStatements.get(sqlite);
  if (!st) {
    const prepared = Object.fromEntries(Object.entries(SETTLE_SQL).map(([name, text]) => [name, sqlite.prepare(text)]));
    settleStatements.set(sqlite, (st = prepared as Record<keyof typeof SETTLE_SQL, SQLite.Statement>));
  }
  const { outcome, attempt: log, recovered, failing } = st;
  return sqlite.transaction(() => {
    const settled = items.map(
      ({ row, attempt, settlement }) =>
        outcome.run(
          settlement.state,
          settlement.state === 'pending' ? settlement.nextAt : attempt.attemptedAt,
          attempt.statusCode,
          attempt.error,
          settlement.state === 'delivered' ? attempt.attemptedAt : null,
          row.event_id,
          row.endpoint_id,
          row.attempts,
        ).changes > 0,
    );
    const logged = items.filter((_, i) => settled[i]);
    for (const { row, attempt } of logged)
      log.run(
        `${row.event_id}.${row.endpoint_id}.${row.attempts}`,
        row.event_id,
        row.endpoint_id,
        attempt.attemptedAt,
        attempt.statusCode,
        attempt.error,
        attempt.durationMs,
      );
    for (const [endpointId, clock] of failureClocks(items)) {
      if (clock.succeeded) recovered.run(endpointId);
      if (clock.failingSince !== undefined) failing.run(clock.failingSince, endpointId);
    }
    return settled;
  })();
}

/**
 * Per endpoint, what its attempts, in order, do to its failure clock: a success stops it; the
 * first failure after the last success (or any failure, without one) starts it if stopped. Every
 * attempt counts, a claimant's overtaken after its lease too: it did reach the endpoint or fail to.
 */
function failureClocks(items: readonly SettleItem[]): Map<string, { succeeded: boolean; failingSince?: string }> {
  const clocks = new Map<string, { succeeded: boolean; failingSince?: string }>();
  for (const { row, attempt, settlement } of items) {
    const clock = clocks.get(row.endpoint_id) ?? { succeeded: false };
    if (settlement.state === 'delivered') clocks.set(row.endpoint_id, { succeeded: true });
    else
      clocks.set(
        row.endpoint_id,
        clock.failingSince === undefined ? { ...clock, failingSince: attempt.attemptedAt } : clock,
      );
  }
  return clocks;
}

/**
 * An endpoint whose every attempt has failed since before `failingBefore` is disabled with the
 * reason; its pending deliveries stay, for a replay once it is fixed. Whether it was disabled now.
 */
export async function disableIfFailingSince(
  db: Db,
  endpointId: string,
  failingBefore: string,
  reason: string,
  now: string,
): Promise<boolean> {
  const res = await db.kysely
    .updateTable('webhook_endpoints')
    .set({ enabled: 0, disabled_reason: reason, updated_at: now })
    .where('id', '=', endpointId)
    .where('enabled', '=', 1)
    .where('failing_since', '<=', failingBefore)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
