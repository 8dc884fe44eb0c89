// Periodic housekeeping of a running gateway (jobs/scheduler.ts runs them).
// - Stale pending rows: a request that died (a crash, a lost database) leaves its row `pending`;
//   Meta may or may not have the message, so the row becomes `unknown` for an operator
//   (`flowiq messages pending`, `flowiq messages resolve`). Never resent: that is how duplicates
//   happen. Run at start and then every `intervalMs`, so a long-running instance sweeps too.
// - Expired Idempotency-Key records serve no one: dropped at start and then hourly.
import type { Logger } from 'pino';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { MessageStore } from '../conversations/store.js';
import { every, type Job } from './scheduler.js';

export function stalePendingSweep(opts: {
  messages: MessageStore;
  olderThanSeconds: number;
  intervalMs: number;
  log: Pick<Logger, 'warn'>;
}): Job {
  return every('stale-pending-sweep', opts.intervalMs, async () => {
    try {
      const cutoff = new Date(Date.now() - opts.olderThanSeconds * 1000).toISOString();
      const stale = await opts.messages.markStalePendingUnknown(cutoff);
      if (stale > 0)
        opts.log.warn(
          { count: stale },
          'messages left pending by a request that did not finish are now unknown; see `flowiq messages pending`',
        );
    } catch (err) {
      opts.log.warn({ err }, 'could not sweep stale pending messages');
    }
  });
}

export function idempotencyPurge(opts: {
  store: IdempotencyStore;
  intervalMs: number;
  log: Pick<Logger, 'warn'>;
}): Job {
  return every('idempotency-purge', opts.intervalMs, async () => {
    try {
      await opts.store.purgeExpired?.();
    } catch (err) {
      opts.log.warn({ err }, 'could not purge expired idempotency keys');
    }
  });
}
