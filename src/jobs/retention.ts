// What the gateway keeps only for a while (jobs/scheduler.ts runs it hourly):
// - webhook receipts, once processed: each holds Meta's raw body, customers' messages in clear, and
//   what it became is already in the conversation tables. Kept WEBHOOK_RETENTION (14 days by
//   default: past Meta's 7 days of retries, for an operator looking into one). Pending and failed
//   receipts are never deleted: they are work not done.
// - statuses that never found their message, past the 7 days the waiting pass looks at them.
// - events whose every delivery is settled (delivered or dead), with those deliveries and their
//   attempts: kept EVENTS_RETENTION (30 days by default), the window `flowiq events replay` can
//   reach. An event still due somewhere is kept whatever its age.
// Deleted in chunks, so a first run over months of rows never holds one long transaction.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { every, type Job } from './scheduler.js';

const CHUNK = 1000;

export interface RetentionOptions {
  db: Db;
  receiptsSeconds: number;
  eventsSeconds: number;
  now?: () => number;
}

/** One pass; how many rows of each kind it deleted. */
export async function purgeExpired(
  o: RetentionOptions,
): Promise<{ receipts: number; statuses: number; events: number }> {
  const k = o.db.kysely;
  const now = (o.now ?? Date.now)();
  const before = (seconds: number) => new Date(now - seconds * 1000).toISOString();
  const counts = { receipts: 0, statuses: 0, events: 0 };
  const receiptsBefore = before(o.receiptsSeconds);
  for (;;) {
    const res = await k
      .deleteFrom('webhook_receipts')
      .where(
        'id',
        'in',
        k
          .selectFrom('webhook_receipts')
          .select('id')
          .where('state', '=', 'processed')
          .where('received_at', '<', receiptsBefore)
          .limit(CHUNK),
      )
      .executeTakeFirst();
    counts.receipts += Number(res.numDeletedRows);
    if (Number(res.numDeletedRows) < CHUNK) break;
  }
  const statusesBefore = before(Math.max(o.receiptsSeconds, 7 * 86_400));
  const statuses = await k
    .deleteFrom('message_statuses')
    .where('applied_at', 'is', null)
    .where('received_at', '<', statusesBefore)
    .executeTakeFirst();
  counts.statuses = Number(statuses.numDeletedRows);
  const eventsBefore = before(o.eventsSeconds);
  for (;;) {
    const ids = (
      await k
        .selectFrom('events as e')
        .select('e.id')
        .where('e.created_at', '<', eventsBefore)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('event_deliveries as d')
                .select(sql`1`.as('one'))
                .whereRef('d.event_id', '=', 'e.id')
                .where('d.state', '=', 'pending'),
            ),
          ),
        )
        .limit(CHUNK)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) break;
    await k.deleteFrom('event_attempts').where('event_id', 'in', ids).execute();
    await k.deleteFrom('event_deliveries').where('event_id', 'in', ids).execute();
    await k.deleteFrom('events').where('id', 'in', ids).execute();
    counts.events += ids.length;
    if (ids.length < CHUNK) break;
  }
  return counts;
}

export function retentionPurge(
  opts: RetentionOptions & { intervalMs: number; log: Pick<Logger, 'warn' | 'info'> },
): Job {
  return every(
    'retention-purge',
    opts.intervalMs,
    async () => {
      try {
        const counts = await purgeExpired(opts);
        if (counts.receipts + counts.statuses + counts.events > 0) opts.log.info(counts, 'purged expired rows');
      } catch (err) {
        opts.log.warn({ err }, 'could not purge expired rows; will retry');
      }
    },
    { background: true },
  );
}
