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
import { query, transact } from '../db/steps.js';

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
export function settleDeliveries(db: Db, items: readonly SettleItem[]): Promise<boolean[]> {
  if (db.engine === 'sqlite') return Promise.resolve(settleSqlite(db.sqlite, items));
  const k = db.kysely;
  // Steps, not a Kysely transaction: on SQLite an async transaction would take in the batched
  // writes that run on the same connection meanwhile (db/steps.ts).
  return transact(db, function* () {
    const settled: boolean[] = [];
    for (const { row, attempt, settlement } of items) {
      const res = yield* query(
        k
          .updateTable('event_deliveries')
          .set({
            state: settlement.state,
            next_at: settlement.state === 'pending' ? settlement.nextAt : attempt.attemptedAt,
            lease_until: null,
            last_status: attempt.statusCode,
            last_error: attempt.error,
            delivered_at: settlement.state === 'delivered' ? attempt.attemptedAt : null,
          })
          .where('event_id', '=', row.event_id)
          .where('endpoint_id', '=', row.endpoint_id)
          .where('state', '=', 'pending')
          .where('attempts', '=', row.attempts),
      );
      settled.push(res.changes > 0);
    }
    const logged = items.filter((_, i) => settled[i]);
    for (let i = 0; i < logged.length; i += 100)
      yield* query(
        k
          .insertInto('event_attempts')
          .values(
            logged.slice(i, i + 100).map(({ row, attempt }) => ({
              id: `${row.event_id}.${row.endpoint_id}.${row.attempts}`,
              event_id: row.event_id,
              endpoint_id: row.endpoint_id,
              attempted_at: attempt.attemptedAt,
              status_code: attempt.statusCode,
              error: attempt.error,
              duration_ms: attempt.durationMs,
            })),
          )
          .onConflict((oc) => oc.column('id').doNothing()),
      );
    for (const [endpointId, clock] of failureClocks(logged)) {
      // Written only when it changes (the first failure, the first success after): every settle
      // writing it made the endpoint's row a lock that all its settlements queued on.
      if (clock.succeeded)
        yield* query(
          k
            .updateTable('webhook_endpoints')
            .set({ failing_since: null })
            .where('id', '=', endpointId)
            .where('failing_since', 'is not', null),
        );
      if (clock.failingSince !== undefined)
        yield* query(
          k
            .updateTable('webhook_endpoints')
            .set({ failing_since: clock.failingSince })
            .where('id', '=', endpointId)
            .where('failing_since', 'is', null),
        );
    }
    return settled;
  });
}

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
    for (const [endpointId, clock] of failureClocks(logged)) {
      if (clock.succeeded) recovered.run(endpointId);
      if (clock.failingSince !== undefined) failing.run(clock.failingSince, endpointId);
    }
    return settled;
  })();
}

/**
 * Per endpoint, what its settled attempts, in order, do to its failure clock: a success stops it;
 * the first failure after the last success (or any failure, without one) starts it if stopped.
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
